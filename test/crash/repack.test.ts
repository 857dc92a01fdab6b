import { repackScenario } from '../helpers/crash-scenarios';
import { crashSuite } from '../helpers/crash-suite';

crashSuite(repackScenario);
