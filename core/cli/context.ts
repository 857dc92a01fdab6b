/**
 * What every command handler gets (output sinks, global options, the API on demand) and the one place
 * that turns a handler's outcome or error into output and an exit status. Kept free of heavy imports:
 * main.ts loads it for `--help` too.
 */
import type { Command } from 'commander';
import { isLakebenchError, LakebenchError, type ErrorCode } from '../errors';
import { withAbortSignal } from '../storage/request-scope';
import type { LakebenchApi } from '../api/api';
import type { LocationOptions } from '../api/types';
import type { CatalogFlags } from './catalog-options';
import type { Sink } from './output';

export interface CliContext {
  /** `--json`: stdout gets exactly one JSON document on success. */
  json: boolean;
  location: LocationOptions;
  out: Sink;
  /** Progress and logs. */
  err: Sink;
  api(): Promise<LakebenchApi>;
  /** Fires at the `--timeout` deadline (absent without one): jobs stop and requests in flight are aborted. */
  deadline?: AbortSignal;
}

/** A finished command's result: the JSON document for `--json`, the text otherwise. */
export interface CommandOutput {
  result: unknown;
  text: string;
  /** 1 when the command ran but found problems. */
  exitCode?: number;
}

/** A handler either returns output to print or prints itself (streaming) and returns its exit status. */
export type Handler = (ctx: CliContext) => Promise<CommandOutput | number>;

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANCELLED = 130;

const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = { USAGE: EXIT_USAGE, CANCELLED: EXIT_CANCELLED };

interface GlobalOptions extends LocationOptions, CatalogFlags {
  json?: boolean;
  /** `--timeout`, in milliseconds. */
  timeout?: number;
}

/**
 * After the deadline, how long a command may take to wind down (a commit whose answer the abort cut off is
 * read back, up to conditional-write.ts's 15 s) before the process ends regardless: never a hang.
 */
const DEADLINE_GRACE_MS = 20_000;

export async function runCommand(command: Command, handler: Handler): Promise<void> {
  const { json = false, endpoint, region, profile, timeout, catalog, catalogToken, catalogCredential } = command.opts<GlobalOptions>();
  let api: LakebenchApi | undefined;
  const deadline = timeout === undefined ? undefined : AbortSignal.timeout(timeout);
  const timedOut = () => new LakebenchError('TIMEOUT', `${command.name()} timed out after ${formatSeconds(timeout!)} (--timeout)`);
  let lastResort: NodeJS.Timeout | undefined;
  deadline?.addEventListener('abort', () => {
    lastResort = setTimeout(() => process.exit(reportError(timedOut())), DEADLINE_GRACE_MS).unref();
  });
  const ctx: CliContext = {
    json,
    location: { endpoint, region, profile },
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    async api() {
      if (api) return api;
      const [{ createApi }, { addCatalogs }] = await Promise.all([import('../api/api'), import('./catalog-options')]);
      const created = createApi();
      await addCatalogs(created, { catalog, catalogToken, catalogCredential }, { endpoint, region, profile });
      return (api = created);
    },
    ...(deadline && { deadline }),
  };
  try {
    const outcome = await withAbortSignal(deadline, () => handler(ctx));
    if (typeof outcome === 'number') {
      process.exitCode = outcome;
    } else {
      ctx.out(json ? JSON.stringify(outcome.result, null, 2) + '\n' : outcome.text);
      process.exitCode = outcome.exitCode ?? EXIT_OK;
    }
  } catch (e) {
    // Whatever failed once the deadline passed failed because of it.
    process.exitCode = reportError(deadline?.aborted ? timedOut() : e);
  } finally {
    clearTimeout(lastResort);
    await api?.close();
  }
}

const formatSeconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);

/** Prints `lakebench: <message>` to stderr (never stdout, so `--json` output stays clean) and picks the exit status. */
export function reportError(e: unknown): number {
  if (isLakebenchError(e)) {
    process.stderr.write(`lakebench: ${e.message}\n`);
    return EXIT_BY_CODE[e.code] ?? EXIT_FAILED;
  }
  process.stderr.write(`lakebench: ${e instanceof Error ? e.message : String(e)}\n`);
  if (process.env.LAKEBENCH_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return EXIT_FAILED;
}
