/**
 * DELETE FROM a Delta table WHERE <predicate>, copy-on-write: each live file holding matching rows is
 * rewritten without them (no file when nothing is left) and removed, all in one commit. Files are
 * written under fresh names before the commit, so a failure leaves only orphans.
 *
 * When the predicate names partition columns only, it is decided per file from the log's partition
 * values, without reading any data: matching files are removed whole.
 */
import type { AddFile, DeltaType } from '../formats/delta/actions';
import { commit } from '../formats/delta/commit';
import { writableSnapshot } from './writable-snapshot';
import type { Snapshot } from '../formats/delta/table';
import { LakebenchError } from '../errors';
import type { ObjectStore } from '../storage/types';
import { withScratchDb, type ScratchDb } from './scratch-db';
import { quoteIdent } from '../sql-text';
import { createFilesView, FILE_INDEX_COLUMN } from './table-files';
import { partitionsOf, recordCount, removeOf } from './table-changes';
import { writeDataFiles } from './write-parquet';
import { deltaTypeToDuckDB, partitionValueToSql } from '../formats/delta/schema';

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

/** The files a delete retires, the rows it deletes, and what it read deciding that. */
interface DeleteMatch {
  files: AddFile[];
  rowsDeleted: number;
  readFiles: AddFile[];
  /** SELECT of the rows to keep from `files`, when they must be rewritten. */
  keptRows?: string;
}

const TABLE_VIEW = 'lb_delete_table';
const PARTITIONS_TABLE = 'lb_delete_partitions';

export async function deleteWhere(store: ObjectStore, predicate: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
  if (predicate.trim() === '') throw new LakebenchError('USAGE', 'delete needs a predicate', { object: store.url });
  const snapshot = await writableSnapshot(store);
  const progress = (phase: DeletePhase, done: number, total: number, bytes = 0) =>
    opts.onProgress?.({ phase, done, total, bytes });

  return withScratchDb('delete', opts.signal, async (db) => {
    progress('scan', 0, snapshot.files.length);
    const match = (await matchByPartition(db, snapshot, predicate)) ?? (await matchByScan(db, store, snapshot, predicate));
    progress('scan', snapshot.files.length, snapshot.files.length);
    if (match.files.length === 0) return { version: undefined, rowsDeleted: 0, filesRemoved: 0, filesAdded: 0 };

    progress('write', 0, match.files.length);
    const partitionColumns = snapshot.partitionColumns.map((name) => ({ name, type: deltaTypeToDuckDB(columnType(snapshot, name)) }));
    const adds = match.keptRows
      ? await writeDataFiles(db, store, {
          query: match.keptRows,
          partitionColumns,
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
        numDeletedRows: match.rowsDeleted,
        numRemovedFiles: match.files.length,
        numAddedFiles: adds.length,
        numCopiedRows: recordCount(adds),
      },
      isBlindAppend: false,
      readFiles: match.readFiles.map((f) => f.path),
      readPartitions: partitionsOf(match.readFiles),
    });
    progress('commit', 1, 1);
    return { version, rowsDeleted: match.rowsDeleted, filesRemoved: match.files.length, filesAdded: adds.length };
  });
}

/**
 * Decides the predicate over the files' partition values alone. Returns undefined when it needs
 * other columns (it does not bind), or when a matching file has no row count in its stats.
 */
async function matchByPartition(db: ScratchDb, snapshot: Snapshot, predicate: string): Promise<DeleteMatch | undefined> {
  if (snapshot.partitionColumns.length === 0 || snapshot.files.length === 0) return undefined;
  const columns = snapshot.partitionColumns;
  const rows = snapshot.files.map((file, index) => {
    const values = columns.map((name) => partitionValueToSql(file.partitionValues[name] || null, columnType(snapshot, name)));
    return `(${[String(index), ...values].join(', ')})`;
  });
  await db.connection.run(
    `CREATE OR REPLACE TABLE ${PARTITIONS_TABLE} AS SELECT * FROM (VALUES ${rows.join(', ')})
       v(${[FILE_INDEX_COLUMN, ...columns].map(quoteIdent).join(', ')})`,
  );
  let hits: Record<string, unknown>[];
  try {
    hits = await runPredicateQuery(db, `SELECT ${FILE_INDEX_COLUMN} AS i FROM ${PARTITIONS_TABLE} WHERE (${predicate})`);
  } catch {
    return undefined; // names data columns (or is wrong): the scan decides, and reports errors
  }
  const files = hits.map((row) => snapshot.files[Number(row.i)]!);
  if (files.some((f) => !f.stats || JSON.parse(f.stats).numRecords === undefined)) return undefined;
  return { files, rowsDeleted: recordCount(files), readFiles: files };
}

/** Scans every live file for matching rows; the matching files are rewritten with the other rows. */
async function matchByScan(db: ScratchDb, store: ObjectStore, snapshot: Snapshot, predicate: string): Promise<DeleteMatch> {
  await createFilesView(db, store, snapshot, TABLE_VIEW);
  let hits: Record<string, unknown>[];
  try {
    hits = await runPredicateQuery(
      db,
      `SELECT ${FILE_INDEX_COLUMN} AS i, count(*) AS n FROM ${TABLE_VIEW} WHERE (${predicate}) GROUP BY 1 ORDER BY 1`,
    );
  } catch (e) {
    throw new LakebenchError('USAGE', `predicate ${JSON.stringify(predicate)} cannot be evaluated: ${(e as Error).message}`, {
      object: store.url,
      cause: e,
    });
  }
  const files = hits.map((row) => snapshot.files[Number(row.i)]!);
  const rewritten = hits.map((row) => String(row.i)).join(', ');
  return {
    files,
    rowsDeleted: hits.reduce((sum, row) => sum + Number(row.n), 0),
    readFiles: snapshot.files,
    keptRows:
      `SELECT * EXCLUDE (${FILE_INDEX_COLUMN}) FROM ${TABLE_VIEW}` +
      ` WHERE ${FILE_INDEX_COLUMN} IN (${rewritten}) AND (${predicate}) IS NOT TRUE`,
  };
}

function columnType(snapshot: Snapshot, name: string): DeltaType {
  return snapshot.schema.fields.find((f) => f.name === name)!.type;
}

/** A prepared statement runs exactly one statement: a predicate cannot smuggle in a second one. */
async function runPredicateQuery(db: ScratchDb, sql: string): Promise<Record<string, unknown>[]> {
  const prepared = await db.connection.prepare(sql);
  return (await prepared.runAndReadAll()).getRowObjectsJS();
}
