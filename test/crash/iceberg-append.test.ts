import { icebergAppendScenario } from '../helpers/crash-iceberg-append';
import { crashSuite } from '../helpers/crash-suite';

crashSuite(icebergAppendScenario, 15);
