import { desRepackScenario } from '../helpers/crash-des';
import { crashSuite } from '../helpers/crash-suite';

crashSuite(desRepackScenario);
