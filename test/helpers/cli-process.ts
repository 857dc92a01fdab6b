/** Runs the built `lakebench` CLI (bin/lakebench.mjs) as a child process, the way users run it. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Bundles core/cli into dist/ (what `npm install` does through `prepare`), or into `outdir`. Under the
 * test runner dist/ is built once by test/global-setup.ts, so building it again is skipped.
 */
export function buildCli(outdir?: string): void {
  if (!outdir && process.env.LAKEBENCH_TEST_CLI_BUILT) return;
  const build = spawnSync(process.execPath, ['scripts/build-cli.mjs', ...(outdir ? ['--outdir', outdir] : [])], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build-cli failed:\n${build.stderr}`);
}

/** Starts the CLI; `launcher` is bin/lakebench.mjs or a script like it that runs another build. */
export function startCli(args: string[], env: Record<string, string> = {}, launcher = join(ROOT, 'bin', 'lakebench.mjs')): ChildProcess {
  return spawn(process.execPath, [launcher, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function finished(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return finished(startCli(args, env));
}
