/**
 * Orphans: objects under a table that no retained version references — files of failed or killed
 * writes, files whose removal has dropped out of the log, temp leftovers (also those of log writes in
 * `_delta_log/`, the only objects there that are ever orphans; expire cleans up log entries). A file
 * tombstoned by a retained version is not an orphan (vacuum handles it by its deletion time).
 *
 * Like Spark's VACUUM, hidden paths (a folder or file name starting with `_` or `.`) are not table
 * data and are left alone — `_change_data/`, `_delta_index/` and partition folders (`_col=…`) are
 * table data — except temp leftovers, which are reported as `temporary`.
 *
 * Multipart uploads under the table that were started and never completed nor aborted (a killed or
 * failed upload of a big file) are reported too, as `incomplete-upload`: S3 keeps — and bills — their
 * parts until they are aborted, which vacuum does once they are older than its retention.
 */
import type { OpOptions } from './maintenance/operations';
import { LOG_DIR } from '../formats/delta/log-files';
import { logListingOf } from '../formats/delta/log-listing';
import { TEMP_FILE_PREFIX } from '../storage/temp-file';
import type { ObjectInfo, ObjectStore } from '../storage/types';
import { checkCancelled, readRetainedVersions, type RetainedVersions } from './table-references';

export interface Orphan {
  object: string;
  key: string;
  /** Bytes (0 for an incomplete upload: its parts are not listed). */
  size: number;
  /** For an incomplete upload, when it was started. */
  lastModified: string;
  ageMs: number;
  /** `expired-snapshot`: Iceberg only, reached only through snapshots no longer in the current metadata (an expire cut short). */
  reason: 'unreferenced' | 'temporary' | 'incomplete-upload' | 'expired-snapshot';
  /** The upload to abort, for an incomplete upload. */
  uploadId?: string;
}

export interface OrphansResult {
  orphans: Orphan[];
  bytes: number;
}

export interface OrphansOptions {
  /** Only orphans at least this old (by last modification). */
  olderThanMs: number;
  /** The time ages are measured from (default: now). */
  now?: number;
}

/** The objects under a table, classified. */
export interface TableScan {
  /** Every orphan, whatever its age. */
  orphans: Orphan[];
  /** Every listed object that is table data (referenced or not), by key. */
  dataObjects: Map<string, ObjectInfo>;
}

export async function findOrphans(store: ObjectStore, options: OrphansOptions & OpOptions): Promise<OrphansResult> {
  const now = options.now ?? Date.now();
  const { orphans } = scanTable(store, await readTable(store, options), now, options);
  return orphansResult([...orphans, ...(await incompleteUploads(store, now))], options.olderThanMs);
}

/** Multipart uploads under the table never completed nor aborted, as orphans (their age from their start). */
export async function incompleteUploads(store: ObjectStore, now: number): Promise<Orphan[]> {
  return (await store.listIncompleteUploads('')).map((u) => ({
    object: `${store.urlOf(u.key)} (upload ${u.uploadId})`,
    key: u.key,
    size: 0,
    lastModified: u.initiated.toISOString(),
    ageMs: Math.max(0, now - u.initiated.getTime()),
    reason: 'incomplete-upload',
    uploadId: u.uploadId,
  }));
}

/** A table's objects (one listing of everything under it) and its retained versions, read from the log found there. */
export interface ListedTable {
  objects: ObjectInfo[];
  retained: RetainedVersions;
}

/**
 * Lists the table once and reads the retained versions from the log entries in that listing: the log
 * is not listed a second time. A file committed after the listing shows as a young orphan (which every
 * retention keeps) — as it would if the log had been read first — and vacuum re-reads the log's newest
 * commits before it deletes anything.
 */
export async function readTable(store: ObjectStore, { signal, onProgress }: OpOptions): Promise<ListedTable> {
  const objects: ObjectInfo[] = [];
  for await (const info of store.listAll('', { includeTemporary: true })) {
    objects.push(info);
    if (objects.length % 1000 === 0) {
      checkCancelled(signal, store);
      onProgress?.({ phase: 'list', done: objects.length, total: 0, bytes: 0 });
    }
  }
  onProgress?.({ phase: 'list', done: objects.length, total: objects.length, bytes: 0 });
  onProgress?.({ phase: 'log', done: 0, total: 1, bytes: 0 });
  const retained = await readRetainedVersions(store, logListingOf(objects), signal);
  onProgress?.({ phase: 'log', done: 1, total: 1, bytes: 0 });
  return { objects, retained };
}

/** Classifies what the table's listing holds. */
export function scanTable(store: ObjectStore, { objects, retained }: ListedTable, now: number, { signal }: OpOptions): TableScan {
  const partitionColumns = retained.latest.metadata.partitionColumns ?? [];
  const orphans: Orphan[] = [];
  const dataObjects = new Map<string, ObjectInfo>();
  const nestedTableFolders = new Set<string>();
  checkCancelled(signal, store);
  for (const info of objects) {
    const nestedLog = info.key.indexOf(`/${LOG_DIR}`);
    if (nestedLog > 0) nestedTableFolders.add(info.key.slice(0, nestedLog + 1));
    const temporary = isTemporary(info.key);
    if (!temporary && (info.key.startsWith(LOG_DIR) || isHidden(info.key, partitionColumns))) continue;
    if (!temporary) dataObjects.set(info.key, info);
    if (temporary || !retained.referenced.has(info.key)) orphans.push(orphanOf(store, info, now, temporary ? 'temporary' : 'unreferenced'));
  }
  return withoutNestedTables(nestedTableFolders, { orphans, dataObjects });
}

/** A listed object as an orphan. */
export function orphanOf(store: ObjectStore, info: ObjectInfo, now: number, reason: Exclude<Orphan['reason'], 'incomplete-upload'>): Orphan {
  return {
    object: store.urlOf(info.key),
    key: info.key,
    size: info.size,
    lastModified: info.lastModified.toISOString(),
    // A file written this very millisecond can carry a time a hair ahead of the process clock.
    ageMs: Math.max(0, now - info.lastModified.getTime()),
    reason,
  };
}

/** The orphans at least `olderThanMs` old, with their bytes. */
export function orphansResult(orphans: Orphan[], olderThanMs: number): OrphansResult {
  const old = orphans.filter((o) => o.ageMs >= olderThanMs);
  return { orphans: old, bytes: old.reduce((sum, o) => sum + o.size, 0) };
}

/**
 * Leaves out what lies in a folder holding its own `_delta_log/`: another table, nested inside this
 * one's folder, whose files this table's log of course never mentions.
 */
function withoutNestedTables(folders: Set<string>, scan: TableScan): TableScan {
  if (folders.size === 0) return scan;
  const nested = (key: string) => [...folders].some((folder) => key.startsWith(folder));
  for (const key of scan.dataObjects.keys()) if (nested(key)) scan.dataObjects.delete(key);
  return { ...scan, orphans: scan.orphans.filter((o) => !nested(o.key)) };
}

/** Leftovers of writes: Hadoop/Spark `_temporary/` folders, `*.tmp` names, Lakebench's own temp files. */
export function isTemporary(key: string): boolean {
  return key.split('/').some((name) => name === '_temporary' || name.endsWith('.tmp') || name.startsWith(TEMP_FILE_PREFIX));
}

/** Delta's hidden folders that hold table data. */
const DELTA_DATA_FOLDERS = ['_change_data', '_delta_index'];

/** Spark's rule (DeltaTableUtils.isHiddenDirectory), applied to every folder and the file name. */
function isHidden(key: string, partitionColumns: string[]): boolean {
  return isHiddenPath(key, partitionColumns, DELTA_DATA_FOLDERS);
}

/**
 * True when a folder or the file name starts with `_` or `.` and is neither a partition folder
 * (`_col=…`) nor one of `dataFolders` (names starting so): what Spark's cleanup actions skip.
 */
export function isHiddenPath(key: string, partitionColumns: string[], dataFolders: string[] = []): boolean {
  return key.split('/').some(
    (name) =>
      (name.startsWith('_') || name.startsWith('.')) &&
      !dataFolders.some((folder) => name.startsWith(folder)) &&
      !partitionColumns.some((column) => name.startsWith(`${column}=`)),
  );
}
