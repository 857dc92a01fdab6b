/**
 * Orphans of an Iceberg table (Iceberg's remove_orphan_files, as a report): objects under the table's
 * location that no metadata file of its metadata log reaches (formats/iceberg/reachable.ts) — files of
 * failed or killed writes, metadata of lost commits — plus temp leftovers and incomplete multipart
 * uploads, as for Delta. Files that older metadata files of the log still reach but only through
 * snapshots the current metadata no longer holds (an expire killed after its commit, before its deletes)
 * are listed too, as `expired-snapshot`: no reader of the table's current state or history needs them,
 * and vacuum deletes them after the retention like other orphans. Iceberg's default age is
 * 3 days: younger objects may belong to a write still in flight.
 *
 * Hidden paths (a name starting with `_` or `.`) are not table data and are left alone, except
 * partition folders (`_col=…`), as Iceberg's Spark action filters them; temp leftovers are `temporary`.
 * Recorded paths and listed keys are compared after normalising schemes (`s3a://` = `s3://`, `file:`)
 * and with and without percent-escapes (PathResolver.keysOf).
 */
import { reachableFiles, type ReachableFiles } from '../formats/iceberg/reachable';
import type { ObjectStore } from '../storage/types';
import type { OpOptions } from './maintenance/operations';
import { incompleteUploads, isHiddenPath, isTemporary, orphanOf, orphansResult, type Orphan, type OrphansResult } from './orphans';
import { checkCancelled } from './table-references';
import { MAINTENANCE_DEFAULTS } from './maintenance/defaults';

/** Iceberg's default `older_than` for remove_orphan_files. */
export const ICEBERG_ORPHAN_AGE_MS = MAINTENANCE_DEFAULTS.icebergOrphanAgeMs;

export interface IcebergOrphansOptions extends OpOptions {
  /** Only orphans at least this old; default 3 days. */
  olderThanMs?: number;
  /** The time ages are measured from (default: now). */
  now?: number;
  /** The metadata file that is the table's current state (a catalog's pointer); default: the folder's. */
  metadataKey?: string;
}

export interface IcebergOrphansResult extends OrphansResult {
  /** The age applied. */
  olderThanMs: number;
  /** The metadata file reachability was walked from. */
  metadataFile: string;
}

/** What the listing of an Iceberg table holds, classified against what its metadata reaches. */
export interface IcebergTableScan {
  reachable: ReachableFiles;
  /** Every orphan, whatever its age (incomplete uploads included). */
  orphans: Orphan[];
}

export async function findIcebergOrphans(store: ObjectStore, options: IcebergOrphansOptions = {}): Promise<IcebergOrphansResult> {
  const olderThanMs = options.olderThanMs ?? ICEBERG_ORPHAN_AGE_MS;
  const { reachable, orphans } = await scanIcebergTable(store, options);
  return { ...orphansResult(orphans, olderThanMs), olderThanMs, metadataFile: store.urlOf(reachable.current.metadataKey) };
}

/**
 * Walks the metadata first, then lists: a file committed in between shows as a young orphan (which
 * every age keeps), never the other way round.
 */
export async function scanIcebergTable(store: ObjectStore, options: IcebergOrphansOptions = {}): Promise<IcebergTableScan> {
  const now = options.now ?? Date.now();
  const reachable = await reachableFiles(store, options);
  const partitionNames = reachable.current.metadata.specs.flatMap((spec) => spec.fields.map((f) => f.name));
  const orphans: Orphan[] = [];
  let listed = 0;
  for await (const info of store.listAll('', { includeTemporary: true })) {
    if (++listed % 1000 === 0) {
      checkCancelled(options.signal, store);
      options.onProgress?.({ phase: 'list', done: listed, total: 0, bytes: 0 });
    }
    if (isTemporary(info.key)) orphans.push(orphanOf(store, info, now, 'temporary'));
    else if (isHiddenPath(info.key, partitionNames) || reachable.retainedKeys.has(info.key)) continue;
    else orphans.push(orphanOf(store, info, now, reachable.keys.has(info.key) ? 'expired-snapshot' : 'unreferenced'));
  }
  options.onProgress?.({ phase: 'list', done: listed, total: listed, bytes: 0 });
  return { reachable, orphans: [...orphans, ...(await incompleteUploads(store, now))] };
}

