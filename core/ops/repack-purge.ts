/**
 * The right-to-erasure half of `repack --purge-where … --purge`: what else, besides the live rows,
 * still holds purged values, and how it goes away.
 *
 * Before the commit (planErasure): tombstones keep the stats of removed files (min/max can be the very
 * value to erase), so each tombstone with stats is re-issued without them; and removed files that still
 * exist are scanned for matching rows, because an older version reads them.
 * After the commit (eraseOldVersions), in this order so that a kill at any point leaves a readable
 * table and a re-run finishes the job: a checkpoint at the latest version (the new start of the log),
 * expiry of every older log entry and checkpoint (they hold the old adds, stats and the rows' files),
 * then the deletion of the old files that held matching rows — no retained version references them.
 */
import type { AddFile, RemoveFile } from '../formats/delta/actions';
import { decodedPath } from '../formats/delta/replay';
import type { Snapshot } from '../formats/delta/table';
import { LakebenchError } from '../errors';
import { LOG_DIR } from '../formats/delta/log-files';
import type { ObjectStore } from '../storage/types';
import { deleteAllInBatches } from './batch-delete';
import { checkpointTable } from './checkpoint';
import { expireLog } from './expire';
import { progressReporter, type OpOptions } from './maintenance/operations';
import { matchRows } from './row-match';
import type { ScratchDb } from './scratch-db';

export interface ErasurePlan {
  /** Tombstones re-issued without stats (same path, deletion time and partition values). */
  reissued: { remove: RemoveFile }[];
  /** Keys of removed files that still exist and hold matching rows: deleted after the commit. */
  oldFiles: string[];
  /** Matching rows in those files (for the report; they were already gone from the latest version). */
  oldRows: number;
}

const TOMBSTONES_VIEW = 'lb_repack_tombstones';

export async function planErasure(db: ScratchDb, store: ObjectStore, snapshot: Snapshot, predicate: string): Promise<ErasurePlan> {
  const reissued = snapshot.tombstones.filter((t) => t.stats).map(({ stats: _stats, ...rest }) => ({ remove: rest }));
  const existing = await existingDataFiles(store);
  // One file per path, read whole (no deletion vector): what its bytes hold is what must go.
  const byPath = new Map<string, AddFile>();
  for (const t of snapshot.tombstones) {
    const key = decodedPath(t.path);
    const size = existing.get(key);
    if (size !== undefined) byPath.set(key, { path: t.path, partitionValues: t.partitionValues ?? {}, size, modificationTime: 0, dataChange: false });
  }
  const removedFiles = [...byPath.values()];
  if (removedFiles.length === 0) return { reissued, oldFiles: [], oldRows: 0 };
  const match = await matchRows(db, store, { ...snapshot, files: removedFiles }, predicate, TOMBSTONES_VIEW);
  return { reissued, oldFiles: match.files.map((f) => decodedPath(f.path)), oldRows: match.rowsMatched };
}

/** Sizes of the objects under the table outside the log, by key. */
async function existingDataFiles(store: ObjectStore): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for await (const info of store.listAll('')) if (!info.key.startsWith(LOG_DIR)) sizes.set(info.key, info.size);
  return sizes;
}

/**
 * Checkpoint → expire → delete (see the module comment). Runs after the commit and is not cancellable:
 * each step is short, and a kill in between is what a re-run repairs. Returns the deleted objects' URLs.
 */
export async function eraseOldVersions(
  store: ObjectStore,
  filesToDelete: string[],
  onProgress: OpOptions['onProgress'],
): Promise<string[]> {
  const progress = progressReporter(onProgress);
  progress('checkpoint', 0, 1);
  const checkpoint = await checkpointTable(store, {});
  progress('checkpoint', 1, 1);
  progress('expire', 0, 1);
  // Retention 0 against a clock a little ahead: every entry before the checkpoint is old enough, even
  // on stores whose modification times are rounded up to the second.
  const expired = await expireLog(store, { logRetentionMs: 0, now: Date.now() + 2000 });
  progress('expire', 1, 1);
  if (expired.oldestVersion < checkpoint.version) {
    throw new LakebenchError(
      'CONFLICT',
      `${store.url}: versions from ${expired.oldestVersion} on are still readable after expiring the log; run the purge again`,
      { object: store.url },
    );
  }
  await deleteAllInBatches(store, filesToDelete, 'old data files holding purged rows', { onProgress });
  return [...expired.deleted, ...filesToDelete.map((key) => store.urlOf(key))];
}
