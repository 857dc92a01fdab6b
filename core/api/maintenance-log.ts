/**
 * The maintenance log: every maintenance operation run through `LakebenchApi.maintenance` is recorded in
 * the catalog with its outcome, duration, and the table's current version, retained versions and live
 * files before and after (as its format tells them) — also when it fails or is cancelled.
 */
import { randomUUID } from 'node:crypto';
import { isLakebenchError } from '../errors';
import type { Catalog, MaintenanceStatus } from '../catalog/catalog';
import { LATEST, type OperationSupport, type TableHandle, type VersionsSummary } from '../formats/table-format';
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

/** What the log keeps of a table's state before and after a run. */
export interface TableCounts {
  /** Versions the table keeps (Delta: readable from the log; Iceberg: snapshots in its metadata). */
  snapshots: number | null;
  /** Live files at the latest version. */
  files: number | null;
  /** The current version: a Delta version, an Iceberg snapshot id. */
  version: string | null;
}

const NO_COUNTS: TableCounts = { snapshots: null, files: null, version: null };

/** Runs `work` on `store` and records the run with the table's `counts` around it, whatever its outcome; the result or error passes through. */
export async function runMaintenance<T>(
  catalog: Catalog,
  operation: LoggedOperation,
  store: ObjectStore,
  work: (store: ObjectStore) => Promise<T>,
  counts: () => Promise<TableCounts>,
  run: MaintenanceRun = {},
): Promise<T> {
  const started = new Date();
  const before = await counts();
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
    const after = await counts();
    catalog.addMaintenance({
      tableName: store.url,
      operation,
      status,
      details,
      snapshotsBefore: before.snapshots,
      snapshotsAfter: after.snapshots,
      filesBefore: before.files,
      filesAfter: after.files,
      versionBefore: before.version,
      versionAfter: after.version,
      runId: run.runId ?? randomUUID(),
      executedAt: started.toISOString(),
      durationMs: Date.now() - started.getTime(),
      dryRun,
    });
  }
}

/**
 * The counts of the table `open` opens, by its format: null where the format keeps no versions (a
 * Parquet folder or file, a staging area) or the table cannot be read (verify is run on exactly such
 * tables, and counting must never be what fails the run).
 */
export async function tableCounts(open: () => Promise<TableHandle | undefined>): Promise<TableCounts> {
  let table: TableHandle | undefined;
  let versions: VersionsSummary;
  try {
    table = await open();
    if (!table?.versions) return NO_COUNTS;
    versions = await table.versions();
  } catch {
    return NO_COUNTS;
  }
  const counted = { snapshots: versions.count, version: versions.current ?? null };
  try {
    return { ...counted, files: table.files ? (await table.files(LATEST)).files.length : null };
  } catch {
    return { ...counted, files: null };
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
