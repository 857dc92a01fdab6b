import { icebergCompactScenario } from '../helpers/crash-iceberg';
import { crashSuite } from '../helpers/crash-suite';

// The same campaign with the table on the loopback S3 server (put-if-absent metadata through the conditional-write proxy).
crashSuite(icebergCompactScenario, 5, { onS3: true });
