import { compactScenario } from '../helpers/crash-scenarios';
import { crashSuite } from '../helpers/crash-suite';

// The same campaign on S3 (a loopback server): a few kills in the suite, `npm run soak` runs every op there at length.
crashSuite(compactScenario, 6, { onS3: true });
