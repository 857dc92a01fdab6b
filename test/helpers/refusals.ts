/**
 * What the tests of refused operations share: the state of every file under a folder (to prove nothing
 * changed), the check that a call was refused by name, and the CLI run in this process (so a format
 * a test registered is seen).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import type { JobInfo } from '../../core/api/workbench';
import { buildProgram } from '../../core/cli/main';
import { isLakebenchError } from '../../core/errors';
import { filesUnder } from './maintenance-table';
import type { WorkbenchServer } from './workbench-server';

/** Every file under `dir` with its size, modification time and content hash. */
export async function fileStates(dir: string): Promise<string[]> {
  const files = await filesUnder(dir);
  return Promise.all(
    files.map(async (f) => {
      const path = join(dir, f);
      const [info, bytes] = await Promise.all([stat(path), readFile(path)]);
      return `${f} ${info.size} ${info.mtimeMs} ${createHash('sha256').update(bytes).digest('hex')}`;
    }),
  );
}

/** Expects `run` to fail with UNSUPPORTED_OPERATION and `message` in its text. */
export async function refusedWith(operation: string, message: string, run: () => Promise<unknown>): Promise<void> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLakebenchError(error, 'UNSUPPORTED_OPERATION'), `${operation}: ${String(error)}`).toBe(true);
  expect((error as Error).message).toContain(message);
}

/** Runs a `lakebench` command in this process; its exit status and stderr. */
export async function lakebenchInProcess(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await buildProgram().parseAsync(['node', 'lakebench', ...args]);
    return { code: Number(process.exitCode ?? 0), stderr };
  } finally {
    write.mockRestore();
    stdout.mockRestore();
    process.exitCode = undefined;
  }
}

/** Waits for each started job to end and expects it failed with `refusal(operation)` in its error. */
export async function expectJobsRefused(served: WorkbenchServer, started: [string, JobInfo][], refusal: (operation: string) => string): Promise<void> {
  for (const [operation, job] of started) {
    await served.workbench.jobSettled(job.jobId);
    const ended = (await served.client.jobs({})).find((j) => j.jobId === job.jobId)!;
    expect(ended.state, operation).toBe('failed');
    expect(ended.error).toContain(refusal(operation));
  }
}

/** Runs each CLI command in this process and expects exit 1 with `refusal(operation)` on stderr. */
export async function expectCommandsRefused(commands: [string, string[]][], refusal: (operation: string) => string): Promise<void> {
  for (const [operation, args] of commands) {
    const run = await lakebenchInProcess(...args);
    expect(run.code, args.join(' ')).toBe(1);
    expect(run.stderr, args.join(' ')).toContain(refusal(operation));
  }
}
