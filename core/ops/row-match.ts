/**
 * Which live files of a snapshot hold rows matching a SQL predicate, how many, and the SELECT of the
 * rows to keep when they are rewritten: what copy-on-write jobs (delete, repack's purge) decide before
 * writing anything.
 *
 * When the predicate names partition columns only, it is decided per file from the log's partition
 * values, without reading any data: matching files are removed whole.
 */
import type { AddFile } from '../formats/delta/actions';
import type { Snapshot } from '../formats/delta/table';
import { LakebenchError } from '../errors';
import type { ObjectStore } from '../storage/types';
import type { ColumnType, ScratchDb } from './scratch-db';
import { quoteIdent } from '../sql-text';
import { createFilesView, FILE_INDEX_COLUMN } from './table-files';
import { liveRecordCount } from './table-changes';
import { deltaTypeToDuckDB } from '../formats/delta/schema';
import { columnType } from '../sql/views';
import { filesMatchingPartitions, runPredicateQuery } from './partition-predicate';

/** The files holding matching rows, the rows that match, and what was read deciding that. */
export interface RowMatch {
  files: AddFile[];
  rowsMatched: number;
  readFiles: AddFile[];
  /** SELECT of the rows to keep from `files`, when they must be rewritten (undefined: files go whole). */
  keptRows?: string;
}

export interface MatchOptions {
  /**
   * Also pick files whose deletion vectors hide matching rows: their bytes still hold them, which a
   * purge must erase (the rewritten file drops them with every other deleted row).
   */
  includeDeleted?: boolean;
}

/**
 * Matches `predicate` against the snapshot's live files. `view` names the DuckDB view of the files
 * that `keptRows` reads, so a job matching more than one file set keeps each SELECT valid.
 */
export async function matchRows(
  db: ScratchDb,
  store: ObjectStore,
  snapshot: Snapshot,
  predicate: string,
  view: string,
  options: MatchOptions = {},
): Promise<RowMatch> {
  return (await matchByPartition(db, snapshot, predicate)) ?? (await matchByScan(db, store, snapshot, predicate, view, options));
}

/** The snapshot's partition columns with their DuckDB types, in partition order (what writers take). */
export function partitionColumnTypes(snapshot: Snapshot): ColumnType[] {
  return snapshot.partitionColumns.map((name) => ({ name, type: deltaTypeToDuckDB(columnType(snapshot.schema, name)) }));
}

/**
 * Decides the predicate over the files' partition values alone. Returns undefined when it needs
 * other columns (it does not bind), or when a matching file has no row count in its stats.
 */
export async function matchByPartition(db: ScratchDb, snapshot: Snapshot, predicate: string): Promise<RowMatch | undefined> {
  if (snapshot.partitionColumns.length === 0 || snapshot.files.length === 0) return undefined;
  let files: AddFile[];
  try {
    files = await filesMatchingPartitions(db, snapshot, snapshot.files, predicate);
  } catch {
    return undefined; // names data columns (or is wrong): the scan decides, and reports errors
  }
  const rowsMatched = liveRecordCount(files);
  if (rowsMatched === undefined) return undefined;
  return { files, rowsMatched, readFiles: files };
}

/**
 * Scans every live file for matching rows; the matching files are rewritten with the other rows (rows
 * their deletion vectors delete included among those left out).
 */
async function matchByScan(
  db: ScratchDb,
  store: ObjectStore,
  snapshot: Snapshot,
  predicate: string,
  view: string,
  options: MatchOptions,
): Promise<RowMatch> {
  await createFilesView(db, store, snapshot, view);
  const hidden = options.includeDeleted && snapshot.files.some((f) => f.deletionVector);
  const searched = hidden ? `${view}_with_deleted` : view;
  if (hidden) await createFilesView(db, store, snapshot, searched, { ignoreDeletionVectors: true });
  const matching = async (from: string) => {
    try {
      return await runPredicateQuery(
        db,
        `SELECT ${FILE_INDEX_COLUMN} AS i, count(*) AS n FROM ${quoteIdent(from)} WHERE (${predicate}) GROUP BY 1 ORDER BY 1`,
      );
    } catch (e) {
      throw new LakebenchError('USAGE', `predicate ${JSON.stringify(predicate)} cannot be evaluated: ${(e as Error).message}`, {
        object: store.url,
        cause: e,
      });
    }
  };
  const hits = await matching(searched);
  const visible = hidden ? await matching(view) : hits;
  const files = hits.map((row) => snapshot.files[Number(row.i)]!);
  const rewritten = hits.map((row) => String(row.i)).join(', ');
  return {
    files,
    rowsMatched: visible.reduce((sum, row) => sum + Number(row.n), 0),
    readFiles: snapshot.files,
    keptRows:
      `SELECT * EXCLUDE (${FILE_INDEX_COLUMN}) FROM ${quoteIdent(view)}` +
      ` WHERE ${FILE_INDEX_COLUMN} IN (${rewritten}) AND (${predicate}) IS NOT TRUE`,
  };
}
