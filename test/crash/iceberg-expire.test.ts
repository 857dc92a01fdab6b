import { icebergExpireScenario } from '../helpers/crash-iceberg-cleanup';
import { crashSuite } from '../helpers/crash-suite';

crashSuite(icebergExpireScenario, 20);
