/**
 * `maintain`: compact → checkpoint → expire → vacuum, the routine a cron job (or the app, on an interval)
 * runs on a table. Each step is its own maintenance operation: the caller's `runStep` opens the table
 * and records the step in the maintenance log. The pipeline stops at the first step that fails and says
 * which; a cancel stops it at once (the cancelled step is logged as such).
 */
import { isLakebenchError, LakebenchError, type ErrorCode } from '../errors';
import { DeltaTable } from '../formats/delta/table';
import type { ObjectStore } from '../storage/types';
import { checkpointTable } from './checkpoint';
import { compactTable, type CompactResult } from './compact';
import { expireLog, type ExpireResult } from './expire';
import type { OpOptions } from './maintenance/operations';
import { vacuumTable, type VacuumResult } from './vacuum';

export const MAINTAIN_STEPS = ['compact', 'checkpoint', 'expire', 'vacuum'] as const;
export type MaintainStep = (typeof MAINTAIN_STEPS)[number];

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
  expire?: ExpireResult;
  vacuum?: VacuumResult;
  /** The step that failed; the steps after it did not run. */
  failed?: { step: MaintainStep; error: string; code?: ErrorCode };
}

/** Runs one step on the table's store, as one recorded maintenance operation. */
export type StepRunner = <T>(step: MaintainStep, work: (store: ObjectStore) => Promise<T>) => Promise<T>;

export async function maintainTable(runStep: StepRunner, options: MaintainOptions & OpOptions): Promise<MaintainResult> {
  const { signal, dryRun = false, now } = options;
  const result: MaintainResult = { dryRun };
  const job = (step: MaintainStep): OpOptions => ({
    signal,
    onProgress: options.onProgress && ((p) => options.onProgress!({ ...p, phase: `${step}: ${p.phase}` })),
  });
  /** One step, unless an earlier one failed; a failure is noted in the result, a cancel ends the pipeline. */
  const attempt = async <T>(step: MaintainStep, work: (store: ObjectStore) => Promise<T>): Promise<T | undefined> => {
    if (result.failed) return undefined;
    if (signal?.aborted) throw new LakebenchError('CANCELLED', `maintain cancelled before ${step}`);
    options.onProgress?.({ phase: step, done: 0, total: 0, bytes: 0 });
    try {
      return await runStep(step, work);
    } catch (e) {
      if (signal?.aborted || isLakebenchError(e, 'CANCELLED')) throw e;
      result.failed = { step, error: e instanceof Error ? e.message : String(e), ...(isLakebenchError(e) && { code: e.code }) };
      return undefined;
    }
  };
  result.compact = await attempt('compact', (store) =>
    compactTable(store, { targetSize: options.targetSize, minFiles: options.minFiles, dryRun, ...job('compact') }),
  );
  result.checkpoint = await attempt('checkpoint', async (store) =>
    dryRun
      ? { version: await (await DeltaTable.open(store)).latestVersion(), dryRun }
      : { ...(await checkpointTable(store, job('checkpoint'))), dryRun },
  );
  result.expire = await attempt('expire', (store) => expireLog(store, { logRetentionMs: options.logRetentionMs, dryRun, now, ...job('expire') }));
  result.vacuum = await attempt('vacuum', (store) =>
    vacuumTable(store, { retentionMs: options.retentionMs, dryRun, force: options.force, now, ...job('vacuum') }),
  );
  return result;
}
