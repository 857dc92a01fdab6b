/**
 * `orphans`, `vacuum`, `checkpoint` and `expire`: the commands that clean up after a table's writers.
 * Each runs its op through `api.maintenance` (so it is logged); Ctrl-C cancels (exit 130), and what is
 * already deleted stays deleted — never anything a retained version needs.
 */
import type { LocationArgs } from '../../api/types';
import { formatDuration } from '../../units';
import type { FailedDelete } from '../../ops/batch-delete';
import { type CliContext, type CommandOutput, EXIT_FAILED } from '../context';
import type { ExpireFlags, OrphansFlags, VacuumFlags } from '../maintenance-program';
import { renderTable } from '../output';
import { byteSize } from './byte-size';
import { interruptible } from './interrupt';
import { progressLine } from './write';

const where = (ctx: CliContext, table: string): LocationArgs => ({ location: table, ...ctx.location });
/** Lines naming the objects a run could not delete, with the store's reason. */
export const notDeleted = (failed: FailedDelete[] | undefined): string =>
  (failed ?? []).map((f) => `not deleted: ${f.object} (${f.code}: ${f.message})\n`).join('');
const files = (n: number): string => `${n} file${n === 1 ? '' : 's'}`;

export async function orphans(ctx: CliContext, table: string, flags: OrphansFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const variant = (await api.support('orphans', where(ctx, table)))?.variant;
  if (variant === 'reconcile') return reconcileOrphans(ctx, table);
  return interruptible(ctx, async (signal) => {
    const { findTableOrphans } = await import('../../ops/table-cleanup');
    const result = await api.maintenance(
      'orphans',
      where(ctx, table),
      (store, pinned) => findTableOrphans(store, variant, { olderThanMs: flags.olderThan, pinned, signal, onProgress: progressLine(ctx) }),
      { variant },
    );
    const age = result.olderThanMs > 0 ? ` older than ${formatDuration(result.olderThanMs)}` : '';
    if (result.orphans.length === 0) return { result, text: `no orphans${age}\n` };
    const rows = result.orphans.map((o) => [o.key, byteSize(o.size), formatDuration(o.ageMs), o.reason]);
    const text = renderTable(['object', 'size', 'age', 'reason'], rows) + `${files(result.orphans.length)}${age}, ${byteSize(result.bytes)}\n`;
    return { result, text };
  });
}

/** The reconcile report (a Lakeside bucket's orphans): compacted files its log removed or never added, and live ones gone. */
async function reconcileOrphans(ctx: CliContext, bucket: string): Promise<CommandOutput> {
  const api = await ctx.api();
  const { reconcileLakeside } = await import('../../formats/lakeside/reconcile');
  const result = await api.maintenance('orphans', where(ctx, bucket), (store) => reconcileLakeside(store), { variant: 'reconcile' });
  const rows = result.orphans.map((o) => [o.key, byteSize(o.size), o.lastModified, o.reason]);
  const missing = result.missing.map((m) => `missing: ${m.key} (live in _lakeside_log)\n`).join('');
  const text = (rows.length ? renderTable(['object', 'size', 'modified', 'reason'], rows) : '') + missing + `${files(result.orphans.length)} not live in _lakeside_log, ${byteSize(result.bytes)}; ${result.missing.length} live file(s) missing\n`;
  return { result, text };
}

export async function vacuum(ctx: CliContext, table: string, flags: VacuumFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const dryRun = flags.dryRun ?? false;
  const variant = (await api.support('vacuum', where(ctx, table)))?.variant;
  return interruptible(ctx, async (signal) => {
    const { vacuumTableOf } = await import('../../ops/table-cleanup');
    const result = await api.maintenance(
      'vacuum',
      where(ctx, table),
      (store, pinned) =>
        vacuumTableOf(store, variant, {
          // Not given (the flag's default): the table's delta.deletedFileRetentionDuration decides when longer.
          retentionMs: flags.retention,
          force: flags.force,
          dryRun,
          pinned,
          signal,
          onProgress: progressLine(ctx),
        }),
      { dryRun, variant },
    );
    const rows = result.deleted.map((d) => [d.object, byteSize(d.size), d.reason]);
    const listing = rows.length > 0 ? renderTable(['object', 'size', 'reason'], rows) : '';
    const what = `${files(result.deleted.length)} (${byteSize(result.bytes)}) removed or written more than ${result.retention} ago`;
    const summary = dryRun ? `dry run: would delete ${what}; nothing deleted\n` : `deleted ${what}\n`;
    return { result, text: listing + summary + notDeleted(result.failed), ...(result.failed?.length && { exitCode: EXIT_FAILED }) };
  });
}

export async function checkpoint(ctx: CliContext, table: string): Promise<CommandOutput | number> {
  const api = await ctx.api();
  return interruptible(ctx, async (signal) => {
    const { checkpointTable } = await import('../../ops/checkpoint');
    const result = await api.maintenance('checkpoint', where(ctx, table), (store) =>
      checkpointTable(store, { signal, onProgress: progressLine(ctx) }),
    );
    return { result, text: `checkpoint of version ${result.version}: ${result.object}\n` };
  });
}

export async function expire(ctx: CliContext, table: string, flags: ExpireFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const dryRun = flags.dryRun ?? false;
  if ((await api.support('expire', where(ctx, table)))?.variant === 'snapshots') return expireSnapshots(ctx, table, flags);
  return interruptible(ctx, async (signal) => {
    const { expireLog } = await import('../../ops/expire');
    const result = await api.maintenance(
      'expire',
      where(ctx, table),
      (store) =>
        expireLog(store, {
          logRetentionMs: flags.logRetention,
          dryRun,
          signal,
          onProgress: progressLine(ctx),
        }),
      { dryRun },
    );
    if (result.deleted.length === 0) {
      return { result, text: `nothing to expire (log retention ${result.logRetention}); oldest readable version: ${result.oldestVersion}\n` };
    }
    const checkpointLine =
      result.checkpointWritten === undefined
        ? ''
        : `${dryRun ? 'would write' : 'wrote'} a checkpoint at version ${result.checkpointWritten} so the table reads from there\n`;
    const outcome = `${dryRun ? 'dry run: would delete' : 'deleted'} ${result.deleted.length} log entries older than ${result.logRetention}`;
    const text = result.deleted.map((url) => `${url}\n`).join('') + checkpointLine +
      `${outcome}; oldest readable version: ${result.oldestVersion}\n` + notDeleted(result.failed);
    return { result, text, ...(result.failed?.length && { exitCode: EXIT_FAILED }) };
  });
}

/** expire_snapshots on an Iceberg table: the snapshots removed, then the files only they reached. */
async function expireSnapshots(ctx: CliContext, table: string, flags: ExpireFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const dryRun = flags.dryRun ?? false;
  return interruptible(ctx, async (signal) => {
    const { expireIceberg } = await import('../../ops/iceberg-expire');
    const result = await api.maintenance(
      'expire',
      where(ctx, table),
      (store, _pinned, located) =>
        expireIceberg(store, located?.commitTarget, { olderThanMs: flags.olderThan, retainLast: flags.retainLast, dryRun, signal, onProgress: progressLine(ctx) }),
      { dryRun, variant: 'snapshots' },
    );
    const listing = result.deleted.length > 0 ? renderTable(['object', 'size'], result.deleted.map((d) => [d.object, byteSize(d.size)])) : '';
    const verb = dryRun ? 'dry run: would expire' : 'expired';
    const snapshots = result.expired.length ? ` (${result.expired.join(', ')})` : '';
    const text =
      listing +
      `${verb} ${result.expired.length} snapshot(s)${snapshots} older than ${result.retention}; ${result.retained} kept\n` +
      `${dryRun ? 'would delete' : 'deleted'} ${files(result.deleted.length)} (${byteSize(result.bytes)}) only expired snapshots reached\n`;
    return { result, text };
  });
}
