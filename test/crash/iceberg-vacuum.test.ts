import { icebergVacuumScenario } from '../helpers/crash-iceberg-vacuum';
import { crashSuite } from '../helpers/crash-suite';

crashSuite(icebergVacuumScenario, 40);
