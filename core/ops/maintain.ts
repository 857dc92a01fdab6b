/**
 * `maintain`: compact → checkpoint → rewrite-manifests → expire → vacuum, the routine a cron job (or the app, on an interval)
 * runs on a table. Each step is its own maintenance operation: the caller's `runStep` opens the table
 * and records the step in the maintenance log. The pipeline stops at the first step that fails and says
 * which; a cancel stops it at once (the cancelled step is logged as such).
 *
 * A step runs in the variant the table's format supports it in (`steps`): an Iceberg table compacts
 * into a `replace` snapshot, merges its small manifests (rewrite_manifests), expires snapshots and removes orphan files (remove_orphan_files), and has
 * no checkpoint to write — a step the format does not support is left out, not failed.
 */
import type { CommitTarget } from '../formats/iceberg/commit';
import type { OperationSupport } from '../formats/table-format';
import { isLakebenchError, LakebenchError, type ErrorCode } from '../errors';
import { DeltaTable } from '../formats/delta/table';
import type { ObjectStore } from '../storage/types';
import { checkpointTable } from './checkpoint';
import { compactTable, type CompactResult } from './compact';
import { expireLog, type ExpireResult } from './expire';
import type { IcebergExpireResult } from './iceberg-expire';
import type { RewriteManifestsResult } from './iceberg-rewrite-manifests';
import type { OpOptions } from './maintenance/operations';
import { vacuumTableOf } from './table-cleanup';
import type { VacuumResult } from './vacuum';

import { MAINTAIN_STEPS, type MaintainStep } from './maintenance/maintain-steps';

export { MAINTAIN_STEPS, type MaintainStep };

export interface MaintainOptions {
  targetSize: number;
  minFiles: number;
  /** Vacuum retention; absent: the table's delta.deletedFileRetentionDuration, else 7 days. */
  retentionMs?: number;
  /** Expire's log retention; absent: the table's delta.logRetentionDuration, else 30 days. */
  logRetentionMs?: number;
  /** Every step shows its plan; nothing changes. */
  dryRun?: boolean;
  /** Allow a vacuum retention under 7 days. */
  force?: boolean;
  /** Epoch ms that expire and vacuum age things against (tests). */
  now?: number;
  /** How the table supports each step (its format's capabilities); default: every step, the usual way. */
  steps?: Partial<Record<MaintainStep, OperationSupport>>;
}

/** The checkpoint step: written at `version`, or (dry run) the version it would be written at. */
export interface CheckpointStepResult {
  version: number;
  object?: string;
  dryRun: boolean;
}

export interface MaintainResult {
  dryRun: boolean;
  compact?: CompactResult;
  checkpoint?: CheckpointStepResult;
  'rewrite-manifests'?: RewriteManifestsResult;
  expire?: ExpireResult | IcebergExpireResult;
  vacuum?: VacuumResult;
  /** The step that failed; the steps after it did not run. */
  failed?: { step: MaintainStep; error: string; code?: ErrorCode };
}

/** Where a step runs: the table's store, the file pinning it, its catalog's commit target. */
export interface StepTable {
  pinned?: string;
  commitTarget?: () => CommitTarget;
}

/** Runs one step on the table's store, in `variant`, as one recorded maintenance operation. */
export type StepRunner = <T>(step: MaintainStep, work: (store: ObjectStore, table: StepTable) => Promise<T>, variant?: OperationSupport['variant']) => Promise<T>;

export async function maintainTable(runStep: StepRunner, options: MaintainOptions & OpOptions): Promise<MaintainResult> {
  const { signal, dryRun = false, now } = options;
  const result: MaintainResult = { dryRun };
  const job = (step: MaintainStep): OpOptions => ({
    signal,
    onProgress: options.onProgress && ((p) => options.onProgress!({ ...p, phase: `${step}: ${p.phase}` })),
  });
  const steps = options.steps ?? { compact: {}, checkpoint: {}, expire: {}, vacuum: {} };
  /** One step, unless an earlier one failed or the table does not take it; a failure is noted in the result, a cancel ends the pipeline. */
  const attempt = async <T>(step: MaintainStep, work: (store: ObjectStore, table: StepTable, variant?: OperationSupport['variant']) => Promise<T>): Promise<T | undefined> => {
    const support = steps[step];
    if (result.failed || !support) return undefined;
    if (signal?.aborted) throw new LakebenchError('CANCELLED', `maintain cancelled before ${step}`);
    options.onProgress?.({ phase: step, done: 0, total: 0, bytes: 0 });
    try {
      return await runStep(step, (store, table) => work(store, table, support.variant), support.variant);
    } catch (e) {
      if (signal?.aborted || isLakebenchError(e, 'CANCELLED')) throw e;
      result.failed = { step, error: e instanceof Error ? e.message : String(e), ...(isLakebenchError(e) && { code: e.code }) };
      return undefined;
    }
  };
  const compactOptions = { targetSize: options.targetSize, minFiles: options.minFiles, dryRun };
  result.compact = await attempt('compact', async (store, table, variant) => {
    if (variant !== 'replace-snapshot') return compactTable(store, { ...compactOptions, ...job('compact') });
    const { compactIceberg } = await import('./iceberg-compact');
    return compactIceberg(store, table.commitTarget, { ...compactOptions, ...job('compact') });
  });
  result.checkpoint = await attempt('checkpoint', async (store) =>
    dryRun
      ? { version: await (await DeltaTable.open(store)).latestVersion(), dryRun }
      : { ...(await checkpointTable(store, job('checkpoint'))), dryRun },
  );
  // Iceberg only (Delta has no manifests): the compaction's snapshot leaves its manifests small and many.
  result['rewrite-manifests'] = await attempt('rewrite-manifests', async (store, table) => {
    const { rewriteManifests } = await import('./iceberg-rewrite-manifests');
    return rewriteManifests(store, table.commitTarget, { dryRun, ...job('rewrite-manifests') });
  });
  result.expire = await attempt('expire', async (store, table, variant) => {
    if (variant !== 'snapshots') return expireLog(store, { logRetentionMs: options.logRetentionMs, dryRun, now, ...job('expire') });
    // Iceberg's snapshot retention comes from the table (history.expire.*), as for `expire` without options.
    const { expireIceberg } = await import('./iceberg-expire');
    return expireIceberg(store, table.commitTarget, { dryRun, now, ...job('expire') });
  });
  result.vacuum = await attempt('vacuum', (store, table, variant) =>
    vacuumTableOf(store, variant, { retentionMs: options.retentionMs, dryRun, force: options.force, now, pinned: table.pinned, ...job('vacuum') }),
  );
  return result;
}
