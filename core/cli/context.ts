/**
 * What every command handler gets (output sinks, global options, the API on demand) and the one place
 * that turns a handler's outcome or error into output and an exit status. Kept free of heavy imports:
 * main.ts loads it for `--help` too.
 */
import type { Command } from 'commander';
import { isLakebenchError, type ErrorCode } from '../errors';
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
}

export async function runCommand(command: Command, handler: Handler): Promise<void> {
  const { json = false, endpoint, region, profile, catalog, catalogToken, catalogCredential } = command.opts<GlobalOptions>();
  let api: LakebenchApi | undefined;
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
  };
  try {
    const outcome = await handler(ctx);
    if (typeof outcome === 'number') {
      process.exitCode = outcome;
    } else {
      ctx.out(json ? JSON.stringify(outcome.result, null, 2) + '\n' : outcome.text);
      process.exitCode = outcome.exitCode ?? EXIT_OK;
    }
  } catch (e) {
    process.exitCode = reportError(e);
  } finally {
    await api?.close();
  }
}

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
