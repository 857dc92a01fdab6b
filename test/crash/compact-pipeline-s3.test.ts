import { compactPipelineScenario } from '../helpers/crash-scenarios';
import { crashSuite } from '../helpers/crash-suite';

// Kills while bins download, rewrite and upload at once under --scratch-limit, on a loopback S3 server.
crashSuite(compactPipelineScenario, 6, { onS3: true });
