/**
 * DELETE FROM a Delta table WHERE <predicate>, in one commit. A predicate on partition columns alone
 * removes whole files. Otherwise, on a table with `delta.enableDeletionVectors`, the matching rows are
 * marked in deletion vectors (deletion-vector-delete.ts) — what Spark and Databricks do there, rewriting
 * no data — and elsewhere each file holding matching rows is rewritten without them, copy-on-write (no
 * file when nothing is left). New files (data or DV) are written under fresh names before the commit,
 * so a failure leaves only orphans. Which files and rows match is decided in row-match.ts (shared with
 * repack's purge).
 */
import { commit } from '../formats/delta/commit';
import type { Snapshot } from '../formats/delta/table';
import { writeLayout } from '../sql/physical-layout';
import { writableSnapshot } from './writable-snapshot';
import { LakebenchError } from '../errors';
import type { ObjectStore } from '../storage/types';
import { planDeletionVectors, writesDeletionVectors } from './deletion-vector-delete';
import { withScratchDb, type ScratchDb } from './scratch-db';
import { matchByPartition, matchRows } from './row-match';
import { commitSettings, partitionsOf, recordCount, removeOf } from './table-changes';
import { writeDataFiles } from './write-parquet';
import type { AddFile, RemoveFile } from '../formats/delta/actions';

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
  /** Files given a (new) deletion vector instead of being rewritten. */
  deletionVectorsAdded: number;
}

const TABLE_VIEW = 'lb_delete_table';

/** What one delete changes, however it was decided. */
interface DeleteChange {
  actions: ({ add: AddFile } | { remove: RemoveFile })[];
  rowsDeleted: number;
  readFiles: AddFile[];
  metrics: Record<string, number>;
  result: Omit<DeleteResult, 'version'>;
}

export async function deleteWhere(store: ObjectStore, predicate: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
  if (predicate.trim() === '') throw new LakebenchError('USAGE', 'delete needs a predicate', { object: store.url });
  const snapshot = await writableSnapshot(store);
  const progress = (phase: DeletePhase, done: number, total: number, bytes = 0) =>
    opts.onProgress?.({ phase, done, total, bytes });

  return withScratchDb('delete', opts.signal, async (db) => {
    progress('scan', 0, snapshot.files.length);
    const now = Date.now();
    const change = (await byPartition(db, snapshot, predicate, now)) ?? (writesDeletionVectors(snapshot)
      ? await byDeletionVectors(db, store, snapshot, predicate, now)
      : await byRewrite(db, store, snapshot, predicate, now, progress));
    progress('scan', snapshot.files.length, snapshot.files.length);
    if (change.actions.length === 0) return { version: undefined, rowsDeleted: 0, filesRemoved: 0, filesAdded: 0, deletionVectorsAdded: 0 };
    db.checkCancelled();
    await opts.beforeCommit?.();

    progress('commit', 0, 1);
    const { version } = await commit(store, {
      actions: change.actions,
      readVersion: snapshot.version,
      operation: 'DELETE',
      operationParameters: { predicate },
      operationMetrics: { numDeletedRows: change.rowsDeleted, ...change.metrics },
      isBlindAppend: false,
      readFiles: change.readFiles.map((f) => f.path),
      readPartitions: partitionsOf(change.readFiles),
      ...commitSettings(snapshot),
    });
    progress('commit', 1, 1);
    return { version, ...change.result };
  });
}

/** Whole files, when the predicate names partition columns only. */
async function byPartition(db: ScratchDb, snapshot: Snapshot, predicate: string, now: number): Promise<DeleteChange | undefined> {
  const match = await matchByPartition(db, snapshot, predicate);
  if (!match) return undefined;
  return {
    actions: match.files.map((f) => removeOf(f, now)),
    rowsDeleted: match.rowsMatched,
    readFiles: match.readFiles,
    metrics: { numRemovedFiles: match.files.length, numAddedFiles: 0, numCopiedRows: 0 },
    result: { rowsDeleted: match.rowsMatched, filesRemoved: match.files.length, filesAdded: 0, deletionVectorsAdded: 0 },
  };
}

async function byDeletionVectors(db: ScratchDb, store: ObjectStore, snapshot: Snapshot, predicate: string, now: number): Promise<DeleteChange> {
  const plan = await planDeletionVectors(db, store, snapshot, predicate, TABLE_VIEW, now);
  // A fresh UUID-named file: sending it again after a lost answer is safe, so a plain (retried) put.
  if (plan.dvFile) await store.put(plan.dvFile.key, plan.dvFile.bytes);
  return {
    actions: plan.actions,
    rowsDeleted: plan.rowsDeleted,
    readFiles: snapshot.files,
    metrics: { numRemovedFiles: plan.filesRemoved, numAddedFiles: 0, numCopiedRows: 0, numDeletionVectorsAdded: plan.dvsAdded, numDeletionVectorsRemoved: plan.files.length - plan.filesRemoved },
    result: { rowsDeleted: plan.rowsDeleted, filesRemoved: plan.filesRemoved, filesAdded: 0, deletionVectorsAdded: plan.dvsAdded },
  };
}

async function byRewrite(
  db: ScratchDb,
  store: ObjectStore,
  snapshot: Snapshot,
  predicate: string,
  now: number,
  progress: (phase: DeletePhase, done: number, total: number, bytes?: number) => void,
): Promise<DeleteChange> {
  const match = await matchRows(db, store, snapshot, predicate, TABLE_VIEW);
  progress('write', 0, match.files.length);
  const adds = match.files.length > 0 && match.keptRows
    ? await writeDataFiles(db, store, {
        ...writeLayout(snapshot, match.keptRows),
        onUploaded: ({ done, total, bytes }) => progress('upload', done, total, bytes),
      })
    : [];
  progress('write', match.files.length, match.files.length);
  return {
    actions: [...match.files.map((f) => removeOf(f, now)), ...adds.map((add) => ({ add }))],
    rowsDeleted: match.rowsMatched,
    readFiles: match.readFiles,
    metrics: { numRemovedFiles: match.files.length, numAddedFiles: adds.length, numCopiedRows: recordCount(adds) },
    result: { rowsDeleted: match.rowsMatched, filesRemoved: match.files.length, filesAdded: adds.length, deletionVectorsAdded: 0 },
  };
}
