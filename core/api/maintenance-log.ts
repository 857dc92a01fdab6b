/**
 * The maintenance log: every maintenance operation run through `LakebenchApi.maintenance` is recorded in
 * the catalog with its outcome, duration, and the table's retained versions and live files before and
 * after — also when it fails or is cancelled.
 */
import { randomUUID } from 'node:crypto';
import { isLakebenchError } from '../errors';
import type { Catalog, MaintenanceStatus } from '../catalog/catalog';
import { earliestReadableVersion, latestListedVersion, listLog } from '../formats/delta/log-listing';
import { DeltaTable } from '../formats/delta/table';
import type { OperationSupport } from '../formats/table-format';
import type { LoggedOperation } from '../ops/maintenance/operations';
import { storedDetails } from './maintenance-details';
import type { ObjectStore } from '../storage/types';

/** How a run is recorded beyond what its outcome tells. */
export interface MaintenanceRun {
  /** Groups the steps of one `maintain` run; default: a fresh id. */
  runId?: string;
  /** Record the run as a dry run; default: what the result's own `dryRun` field says. */
  dryRun?: boolean;
  /** Which implementation runs when the operation has several (OperationSupport.variant); checked against the table's. */
  variant?: OperationSupport['variant'];
}

interface TableCounts {
  /** Versions readable from the log (oldest checkpoint or version 0 up to the latest). */
  snapshots: number | null;
  /** Live files at the latest version. */
  files: number | null;
}

/** Runs `work` on `store` and records the run, whatever its outcome; the result or error passes through. */
export async function runMaintenance<T>(
  catalog: Catalog,
  operation: LoggedOperation,
  store: ObjectStore,
  work: (store: ObjectStore) => Promise<T>,
  run: MaintenanceRun = {},
): Promise<T> {
  const started = new Date();
  const before = await tableCounts(store);
  let status: MaintenanceStatus = 'failed';
  let details: unknown;
  let dryRun = run.dryRun ?? false;
  try {
    const result = await work(store);
    status = statusOf(operation, result);
    details = storedDetails(result);
    dryRun = run.dryRun ?? (result as { dryRun?: unknown } | null)?.dryRun === true;
    return result;
  } catch (e) {
    status = isLakebenchError(e, 'CANCELLED') || (e instanceof Error && e.name === 'AbortError') ? 'cancelled' : 'failed';
    details = errorDetails(e);
    throw e;
  } finally {
    const after = await tableCounts(store);
    catalog.addMaintenance({
      tableName: store.url,
      operation,
      status,
      details,
      snapshotsBefore: before.snapshots,
      snapshotsAfter: after.snapshots,
      filesBefore: before.files,
      filesAfter: after.files,
      runId: run.runId ?? randomUUID(),
      executedAt: started.toISOString(),
      durationMs: Date.now() - started.getTime(),
      dryRun,
    });
  }
}

/**
 * Retained versions and live files of the Delta table at `store`; null where they cannot be told (not a
 * Delta table: a Parquet folder or file, a staging area; or a log too broken to read — verify is run on
 * exactly such tables, and counting must never be what fails the run).
 */
async function tableCounts(store: ObjectStore): Promise<TableCounts> {
  let snapshots: number | null = null;
  try {
    const listing = await listLog(store);
    const latest = latestListedVersion(listing);
    const earliest = earliestReadableVersion(listing);
    if (latest === undefined || earliest === undefined) return { snapshots: null, files: null };
    snapshots = latest - earliest + 1;
    return { snapshots, files: (await (await DeltaTable.open(store)).snapshot()).files.length };
  } catch {
    return { snapshots, files: null };
  }
}

/** Verify and orphans runs that found something are not plain successes. */
function statusOf(operation: LoggedOperation, result: unknown): MaintenanceStatus {
  const listed = (field: 'problems' | 'orphans') => {
    const value = (result as Record<string, unknown> | null)?.[field];
    return Array.isArray(value) && value.length > 0;
  };
  if (operation === 'verify' && listed('problems')) return 'problems';
  if (operation === 'orphans' && listed('orphans')) return 'problems';
  return 'ok';
}

function errorDetails(e: unknown): { error: string; code?: string; object?: string } {
  if (isLakebenchError(e)) return { error: e.message, code: e.code, ...(e.object !== undefined && { object: e.object }) };
  return { error: e instanceof Error ? e.message : String(e) };
}
