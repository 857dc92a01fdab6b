import { icebergExpireScenario } from '../helpers/crash-iceberg-cleanup';
import { crashSuite } from '../helpers/crash-suite';

// The same campaign once with the table on the loopback S3 server, with few kills to keep the suite short.
crashSuite(icebergExpireScenario, 5, { onS3: true });
