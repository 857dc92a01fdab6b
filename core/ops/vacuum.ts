/**
 * VACUUM: deletes files that are (a) tombstoned — removed by a retained version, not live at the
 * latest — longer ago than the retention, and (b) orphans last modified longer ago than the retention.
 * A live file of the latest version is never deleted, so a kill at any moment loses nothing live: what
 * is left undeleted is found again by the next run.
 *
 * The retention is what protects work in flight: a concurrent writer's just-uploaded, not yet committed
 * file is an orphan too, but a young one, and so is a file committed after the log was read. Hence the
 * 7-day floor without `force` (Delta's default deletedFileRetentionDuration). Incomplete multipart uploads
 * started longer ago than the retention are aborted (a writer still uploading started more recently).
 */
import { LakebenchError } from '../errors';
import { assertWritable } from '../formats/delta/features';
import { decodedPath } from '../formats/delta/replay';
import type { IncompleteUpload, ObjectStore } from '../storage/types';
import { formatDuration } from '../units';
import type { OpOptions } from './maintenance/operations';
import type { AddFile } from '../formats/delta/actions';
import type { ObjectInfo } from '../storage/types';
import { deleteInBatches, type FailedDelete } from './batch-delete';
import { incompleteUploads, readTable, scanTable, type Orphan } from './orphans';
import {
  DEFAULT_DELETED_FILE_RETENTION_MS,
  DELETED_FILE_RETENTION_PROPERTY,
  describeRetention,
  tableRetention,
  type TableRetention,
} from './retention';
import { checkCancelled, dvFileKeyOf, refreshRetained, type RetainedVersions } from './table-references';

export interface VacuumOptions {
  /**
   * Keep files removed or written more recently than this. Without `force` it must be ≥ 7 days, and
   * the table's delta.deletedFileRetentionDuration, when longer, wins. Default: that property or 7 days.
   */
  retentionMs?: number;
  dryRun?: boolean;
  /** Allow a retention under 7 days (and under the table's property). */
  force?: boolean;
  /** The time ages are measured from (default: now). */
  now?: number;
}

export interface VacuumResult {
  deleted: { object: string; size: number; reason: 'tombstone' | 'orphan' | 'incomplete-upload' }[];
  bytes: number;
  dryRun: boolean;
  /** Objects that could not be deleted (left out of `deleted`), each with the store's reason; a re-run tries again. */
  failed?: FailedDelete[];
  /** The retention applied. */
  retentionMs: number;
  /** "168h (the table's delta.deletedFileRetentionDuration, …)", for reports. */
  retention: string;
}

const MIN_RETENTION_MS = DEFAULT_DELETED_FILE_RETENTION_MS;

export interface Doomed {
  key: string;
  size: number;
  reason: 'tombstone' | 'orphan' | 'incomplete-upload';
  /** For an incomplete upload: it is aborted rather than deleted. */
  upload?: IncompleteUpload;
}

export async function vacuumTable(store: ObjectStore, options: VacuumOptions & OpOptions): Promise<VacuumResult> {
  const now = options.now ?? Date.now();
  const table = await readTable(store, options);
  const { retained } = table;
  const { latest } = retained;
  assertWritable(latest.protocol, store.url, latest.metadata);
  const property = tableRetention(latest.metadata, DELETED_FILE_RETENTION_PROPERTY, store.url);
  const retentionMs = effectiveRetention(options, property, store.url);
  const cutoff = now - retentionMs;
  const scan = scanTable(store, table, now, options);

  const doomed: Doomed[] = [];
  for (const [key, removedAt] of removalTimes(latest, scan.dataObjects, store.url)) {
    const info = scan.dataObjects.get(key)!;
    if (removedAt <= cutoff) doomed.push({ key, size: info.size, reason: 'tombstone' });
  }
  for (const orphan of scan.orphans) {
    if (orphan.ageMs >= retentionMs) doomed.push({ key: orphan.key, size: orphan.size, reason: 'orphan' });
  }
  const uploads = (await incompleteUploads(store, now)).filter((u) => u.ageMs >= retentionMs);
  const safe = [...(await withoutLiveFiles(store, retained, doomed, options.signal)), ...uploads.map(uploadToAbort)];
  return deleteDoomed(store, safe, { ...options, retentionMs, retention: describeRetention(retentionMs, property) });
}

/** An incomplete upload (as the orphan report lists it) to abort. */
export function uploadToAbort(u: Orphan): Doomed {
  return { key: u.key, size: 0, reason: 'incomplete-upload', upload: { key: u.key, uploadId: u.uploadId!, initiated: new Date(u.lastModified) } };
}

/** Deletes (or, dry, only lists) what a vacuum found; the result lists it all either way, less what failed. */
export async function deleteDoomed(
  store: ObjectStore,
  safe: Doomed[],
  options: Pick<VacuumOptions, 'dryRun'> & OpOptions & Pick<VacuumResult, 'retentionMs' | 'retention'>,
): Promise<VacuumResult> {
  const result: VacuumResult = {
    deleted: safe.map((d) => ({ object: d.upload ? `${store.urlOf(d.key)} (upload ${d.upload.uploadId})` : store.urlOf(d.key), size: d.size, reason: d.reason })),
    bytes: safe.reduce((sum, d) => sum + d.size, 0),
    dryRun: options.dryRun ?? false,
    retentionMs: options.retentionMs,
    retention: options.retention,
  };
  if (options.dryRun) return result;

  const progress = { phase: 'delete', done: 0, total: safe.length, bytes: 0 };
  options.onProgress?.({ ...progress });
  const failed = await deleteInBatches(store, safe.filter((d) => !d.upload), progress, options);
  // Incomplete uploads are rare (killed uploads of big files) and have no batch call: one abort each.
  for (const d of safe) {
    if (!d.upload) continue;
    checkCancelled(options.signal, store);
    await store.abortIncompleteUpload(d.upload);
    progress.done++;
    options.onProgress?.({ ...progress });
  }
  if (failed.length === 0) return result;
  const notDeleted = new Set(failed.map((f) => f.object));
  const deleted = result.deleted.filter((d) => !notDeleted.has(d.object));
  return { ...result, deleted, bytes: deleted.reduce((sum, d) => sum + d.size, 0), failed };
}

/** The retention a vacuum applies: the asked one (refused under 7 days without `force`), else the floor. */
export function effectiveRetention(options: VacuumOptions, table: TableRetention | undefined, tableUrl: string): number {
  const floor = Math.max(MIN_RETENTION_MS, table?.ms ?? 0);
  const asked = options.retentionMs;
  if (asked === undefined) return floor;
  if (asked < MIN_RETENTION_MS && !options.force) {
    const property = table ? `; the table's ${table.property} is "${table.setting}"` : '';
    throw new LakebenchError(
      'USAGE',
      `${tableUrl}: refusing a vacuum retention of ${formatDuration(asked)}, under the ${formatDuration(MIN_RETENTION_MS)} minimum${property}. ` +
        'A shorter retention can delete files that readers of recent versions or writers still uploading need; pass --force to use it anyway',
      { object: tableUrl },
    );
  }
  return options.force ? asked : Math.max(asked, floor);
}

/**
 * The objects the tombstones retire — data files and the files of their deletion vectors — with the
 * newest removal time of each. Anything a live file still uses (its data file with another DV, a DV
 * file other files' DVs are in) is left out. A remove without deletionTimestamp (optional in the
 * protocol) is dated by the object itself: never earlier.
 */
function removalTimes(latest: RetainedVersions['latest'], objects: Map<string, ObjectInfo>, tableUrl: string): Map<string, number> {
  const live = liveKeys(latest.files.values(), tableUrl);
  const times = new Map<string, number>();
  for (const remove of latest.tombstones.values()) {
    for (const key of [decodedPath(remove.path), dvFileKeyOf(remove, tableUrl)]) {
      const info = key === undefined ? undefined : objects.get(key);
      if (!info || live.has(key!)) continue;
      const removedAt = remove.deletionTimestamp ?? info.lastModified.getTime();
      times.set(key!, Math.max(times.get(key!) ?? Number.NEGATIVE_INFINITY, removedAt));
    }
  }
  return times;
}

/** Keys of live files and of the files holding their deletion vectors. */
function liveKeys(files: Iterable<AddFile>, tableUrl: string): Set<string> {
  const keys = new Set<string>();
  for (const add of files) {
    keys.add(decodedPath(add.path));
    const dvFile = dvFileKeyOf(add, tableUrl);
    if (dvFile) keys.add(dvFile);
  }
  return keys;
}

/**
 * Re-reads the latest version right before deleting and drops anything live there: a commit since the
 * log was read (a RESTORE re-adding a removed file, say) must not lose its file.
 */
async function withoutLiveFiles(store: ObjectStore, retained: RetainedVersions, doomed: Doomed[], signal?: AbortSignal): Promise<Doomed[]> {
  if (doomed.length === 0) return doomed;
  const live = liveKeys((await refreshRetained(store, retained, signal)).files.values(), store.url);
  return doomed.filter((d) => !live.has(d.key));
}
