/**
 * One run of the CLI that may be SIGKILLed: at a time after spawn (start-up), at a time after its first
 * progress line (anywhere in the work), or as soon as it prints a given progress step (plus a little
 * jitter) — the last reaches narrow windows such as "uploaded, not yet committed" or "committed, sources
 * not yet deleted" that random times rarely hit, without any hook inside the ops: the CLI prints
 * `<phase> <done>/<total>` lines on stderr, which is a synchronous pipe, so a line read means the child
 * has reached that step.
 */
import { performance } from 'node:perf_hooks';
import { finished, startCli } from './cli-process';

export type KillPlan =
  | { kind: 'startup'; atMs: number }
  | { kind: 'time'; afterOutputMs: number }
  | { kind: 'step'; step: string; jitterMs: number };

export interface CliRunResult {
  /** Killed by our SIGKILL (false: it finished first). */
  killed: boolean;
  exitCode: number | null;
  /** The phase of the last progress line printed (`startup` when none). */
  phase: string;
  /** Progress steps in the order printed (see stepOf). */
  steps: string[];
  /** From spawn to exit, and to the first progress line. */
  totalMs: number;
  firstOutputMs: number;
  stderr: string;
}

const PROGRESS_LINE = /^([a-z][\w-]*) (\d+)\/(\d+)/;

/** A progress line as a step: `commit:start` (0 done), `upload:mid`, `delete:end` (all done); else undefined. */
export function stepOf(line: string): string | undefined {
  const m = PROGRESS_LINE.exec(line);
  if (!m) return undefined;
  const done = Number(m[2]);
  const total = Number(m[3]);
  return `${m[1]}:${done === 0 ? 'start' : done >= total ? 'end' : 'mid'}`;
}

export async function runCli(launcher: string, args: string[], env: Record<string, string>, kill?: KillPlan): Promise<CliRunResult> {
  const start = performance.now();
  const child = startCli(args, env, launcher);
  const steps: string[] = [];
  let firstOutputMs: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const killIn = (ms: number) => {
    timer ??= setTimeout(() => child.kill('SIGKILL'), ms);
  };
  if (kill?.kind === 'startup') killIn(kill.atMs);
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer | string) => {
    firstOutputMs ??= performance.now() - start;
    if (kill?.kind === 'time') killIn(kill.afterOutputMs);
    const lines = (partial + String(chunk)).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const step = stepOf(line);
      if (!step) continue;
      steps.push(step);
      if (kill?.kind === 'step' && step === kill.step) killIn(kill.jitterMs);
    }
  });
  const result = await finished(child);
  clearTimeout(timer);
  const totalMs = performance.now() - start;
  return {
    killed: result.signal === 'SIGKILL',
    exitCode: result.code,
    phase: steps.length ? steps[steps.length - 1]!.split(':')[0]! : 'startup',
    steps,
    totalMs,
    firstOutputMs: firstOutputMs ?? totalMs,
    stderr: result.stderr,
  };
}
