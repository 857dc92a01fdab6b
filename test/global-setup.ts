/**
 * Builds the CLI bundle (dist/) once before any test file runs. Test files that spawn the CLI run in
 * parallel: were each to rebuild dist/ in its own setup, one build would delete chunks that another
 * file's running CLI is about to import.
 */
import { buildCli } from './helpers/cli-process';

export default function setup(): void {
  buildCli();
  process.env.LAKEBENCH_TEST_CLI_BUILT = '1';
}
