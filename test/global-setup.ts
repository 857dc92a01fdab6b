/**
 * Builds the CLI bundle (dist/) and, when stale, the app bundles (out/) once before any test file runs.
 * Test files run in parallel: were each to rebuild in its own setup, one build would delete files that
 * another file's running CLI, server or packaging step is about to read.
 */
import { buildAppIfStale } from './e2e/ui-harness';
import { buildCli } from './helpers/cli-process';

export default function setup(): void {
  buildCli();
  process.env.LAKEBENCH_TEST_CLI_BUILT = '1';
  buildAppIfStale();
  process.env.LAKEBENCH_TEST_APP_BUILT = '1';
}
