import { repackDvScenario } from '../helpers/crash-scenarios';
import { crashSuite } from '../helpers/crash-suite';

crashSuite(repackDvScenario);
