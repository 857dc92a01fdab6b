import { compactDvScenario } from '../helpers/crash-scenarios';
import { crashSuite } from '../helpers/crash-suite';

crashSuite(compactDvScenario);
