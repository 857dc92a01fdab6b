/**
 * A private build of the CLI for the crash campaigns. Other test files rebuild dist/ (remove, then
 * bundle) in their setup; a campaign running meanwhile would see its command vanish and fail for
 * nothing. The build lives under test-artifacts/ so that node_modules resolves from it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, ROOT } from './cli-process';

export interface PrivateCli {
  /** A script that runs this build the way bin/lakebench.mjs runs dist/ (pass to startCli). */
  launcher: string;
  remove(): Promise<void>;
}

export async function buildPrivateCli(): Promise<PrivateCli> {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  const dir = await mkdtemp(join(ROOT, 'test-artifacts', 'crash-cli-'));
  buildCli(dir);
  const launcher = join(dir, 'lakebench.mjs');
  await writeFile(launcher, "const { main } = await import('./cli.mjs');\nawait main(process.argv);\n");
  return { launcher, remove: () => rm(dir, { recursive: true, force: true }) };
}
