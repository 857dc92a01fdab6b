import { icebergCompactScenario } from '../helpers/crash-iceberg';
import { crashSuite } from '../helpers/crash-suite';

crashSuite(icebergCompactScenario, 20);
