import { icebergVacuumScenario } from '../helpers/crash-iceberg-cleanup';
import { crashSuite } from '../helpers/crash-suite';

crashSuite(icebergVacuumScenario, 20);
