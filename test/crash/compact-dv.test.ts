import { compactDvScenario } from '../helpers/crash-scenarios';
import { crashSuite } from '../helpers/crash-suite';

// Fewer kills than the plain-table campaigns (which the maintenance issue sets at 55 each): `npm run soak` runs this one at length.
crashSuite(compactDvScenario, 20);
