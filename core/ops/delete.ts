/**
 * DELETE FROM a Delta table WHERE <predicate>, copy-on-write: each live file holding matching rows is
 * rewritten without them (no file when nothing is left) and removed, all in one commit. Files are
 * written under fresh names before the commit, so a failure leaves only orphans. Which files and rows
 * match is decided in row-match.ts (shared with repack's purge).
 */
import { commit } from '../formats/delta/commit';
import { writableSnapshot } from './writable-snapshot';
import { LakebenchError } from '../errors';
import type { ObjectStore } from '../storage/types';
import { withScratchDb } from './scratch-db';
import { matchRows, partitionColumnTypes } from './row-match';
import { partitionsOf, recordCount, removeOf } from './table-changes';
import { writeDataFiles } from './write-parquet';

export type DeletePhase = 'scan' | 'write' | 'upload' | 'commit';

export interface DeleteOptions {
  signal?: AbortSignal;
  onProgress?: (progress: { phase: DeletePhase; done: number; total: number; bytes: number }) => void;
  /** Runs after the new files are written and before the commit (lets tests race a concurrent writer). */
  beforeCommit?: () => Promise<void>;
}

export interface DeleteResult {
  /** The new version, or undefined when no row matched (then nothing is committed). */
  version: number | undefined;
  rowsDeleted: number;
  filesRemoved: number;
  filesAdded: number;
}

const TABLE_VIEW = 'lb_delete_table';

export async function deleteWhere(store: ObjectStore, predicate: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
  if (predicate.trim() === '') throw new LakebenchError('USAGE', 'delete needs a predicate', { object: store.url });
  const snapshot = await writableSnapshot(store);
  const progress = (phase: DeletePhase, done: number, total: number, bytes = 0) =>
    opts.onProgress?.({ phase, done, total, bytes });

  return withScratchDb('delete', opts.signal, async (db) => {
    progress('scan', 0, snapshot.files.length);
    const match = await matchRows(db, store, snapshot, predicate, TABLE_VIEW);
    progress('scan', snapshot.files.length, snapshot.files.length);
    if (match.files.length === 0) return { version: undefined, rowsDeleted: 0, filesRemoved: 0, filesAdded: 0 };

    progress('write', 0, match.files.length);
    const adds = match.keptRows
      ? await writeDataFiles(db, store, {
          query: match.keptRows,
          partitionColumns: partitionColumnTypes(snapshot),
          onUploaded: ({ done, total, bytes }) => progress('upload', done, total, bytes),
        })
      : [];
    progress('write', match.files.length, match.files.length);
    db.checkCancelled();
    await opts.beforeCommit?.();

    progress('commit', 0, 1);
    const now = Date.now();
    const { version } = await commit(store, {
      actions: [...match.files.map((f) => removeOf(f, now)), ...adds.map((add) => ({ add }))],
      readVersion: snapshot.version,
      operation: 'DELETE',
      operationParameters: { predicate },
      operationMetrics: {
        numDeletedRows: match.rowsMatched,
        numRemovedFiles: match.files.length,
        numAddedFiles: adds.length,
        numCopiedRows: recordCount(adds),
      },
      isBlindAppend: false,
      readFiles: match.readFiles.map((f) => f.path),
      readPartitions: partitionsOf(match.readFiles),
    });
    progress('commit', 1, 1);
    return { version, rowsDeleted: match.rowsMatched, filesRemoved: match.files.length, filesAdded: adds.length };
  });
}
