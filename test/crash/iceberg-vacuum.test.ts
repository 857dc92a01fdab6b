import { icebergVacuumScenario } from '../helpers/crash-iceberg';
import { crashSuite } from '../helpers/crash-suite';

crashSuite(icebergVacuumScenario, 40);
