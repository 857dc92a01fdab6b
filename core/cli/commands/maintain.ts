/** `maintain` (compact → checkpoint → rewrite-manifests (Iceberg) → expire → vacuum, each step logged) and `log` (the maintenance log). */
import { summarizeMaintenance } from '../../api/maintenance-details';
import { EXIT_FAILED, type CliContext, type CommandOutput } from '../context';
import type { LogFlags, MaintainFlags } from '../maintenance-program';
import { renderTable } from '../output';
import { interruptible } from './interrupt';
import { progressLine } from './write';

export async function maintain(ctx: CliContext, table: string, flags: MaintainFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const [{ maintainLogged }, { MAINTAIN_STEPS }] = await Promise.all([import('../../api/maintenance-jobs'), import('../../ops/maintain')]);
  const dryRun = flags.dryRun ?? false;
  return interruptible(ctx, async (signal) => {
    const result = await maintainLogged(api, { location: table, ...ctx.location }, {
      targetSize: flags.targetSize,
      minFiles: flags.minFiles,
      // Not given: the table's retention properties decide, else the defaults (as vacuum and expire do).
      retentionMs: flags.retention,
      logRetentionMs: flags.logRetention,
      dryRun,
      force: flags.force,
      signal,
      onProgress: progressLine(ctx),
    });
    const rows = MAINTAIN_STEPS.map((step) => {
      const details = result[step];
      if (details) return [step, 'ok', summarizeMaintenance({ operation: step, status: 'ok', details, dryRun })];
      if (result.failed?.step === step) return [step, 'FAILED', result.failed.error];
      return [step, 'not run', ''];
    });
    const last = result.failed
      ? `maintain stopped at ${result.failed.step}: ${result.failed.error}\n`
      : dryRun
        ? 'dry run: nothing was changed\n'
        : '';
    return {
      result,
      text: renderTable(['step', 'status', dryRun ? 'plan' : 'outcome'], rows) + last,
      ...(result.failed && { exitCode: EXIT_FAILED }),
    };
  });
}

export async function log(ctx: CliContext, table: string | undefined, flags: LogFlags): Promise<CommandOutput> {
  const api = await ctx.api();
  const entries = await api.maintenanceLog(table === undefined ? undefined : { location: table, ...ctx.location }, flags.limit);
  const counts = (before: number | string | null, after: number | string | null) => (before === null && after === null ? '' : `${before ?? '?'} → ${after ?? '?'}`);
  const rows = entries.map((e) => [
    e.executedAt,
    ...(table === undefined ? [e.tableName] : []),
    e.operation,
    e.dryRun ? `${e.status} (dry run)` : e.status,
    counts(e.versionBefore, e.versionAfter),
    counts(e.snapshotsBefore, e.snapshotsAfter),
    counts(e.filesBefore, e.filesAfter),
    e.durationMs,
    summarizeMaintenance(e),
  ]);
  const headers = ['executed', ...(table === undefined ? ['table'] : []), 'operation', 'status', 'version', 'versions', 'files', 'ms', 'summary'];
  return { result: entries, text: entries.length === 0 ? 'the maintenance log is empty\n' : renderTable(headers, rows) };
}
