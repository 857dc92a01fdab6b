/** Derived facts about a table version for the table view: partition labels, partitions to compact, commit metrics. */
import type { HistoryEntry, PartitionEntry } from '../../../core/api/types';

export function partitionLabel(values: Record<string, string | null>): string {
  const parts = Object.entries(values).map(([k, v]) => `${k}=${v ?? 'null'}`);
  return parts.length ? parts.join('/') : '(table)';
}

/** Partitions where Compact with its defaults would merge files (the engine's rule, PartitionEntry.compactable). */
export function compactablePartitions<P extends PartitionEntry>(partitions: readonly P[]): P[] {
  return partitions.filter((p) => p.compactable);
}

export interface CommitSummary {
  /** Changed rows, where the writer's metrics count them row by row (an append's rows are inserts). */
  rowsInserted?: number;
  rowsUpdated?: number;
  rowsDeleted?: number;
  /** File-level: rows in the files the commit wrote (copied, merged and new rows alike) and in files it removed. */
  fileRowsAdded?: number;
  fileRowsRemoved?: number;
  filesAdded?: number;
  filesRemoved?: number;
  bytesAdded?: number;
  bytesRemoved?: number;
  /** Delete files a commit added (Iceberg position and equality deletes, deletion vectors). */
  deleteFilesAdded?: number;
}

/** The first of `keys` present in the metrics, as a number (writers store them as strings or numbers). */
function metric(metrics: Record<string, unknown>, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = metrics[key];
    if (value !== undefined && value !== null && value !== '' && Number.isFinite(Number(value))) return Number(value);
  }
  return undefined;
}

/**
 * Changed rows, files and bytes of a commit, from `operationMetrics` as Spark and delta-rs name them, or
 * from an Iceberg snapshot summary (`added-records`, `deleted-data-files`, …). Rows in written files are
 * not changed rows (a copy-on-write DELETE rewrites the rows it keeps): they count as inserts only for a
 * commit that removed no file and merged nothing, i.e. an append.
 */
export function commitSummary(entry: HistoryEntry): CommitSummary {
  const m = entry.operationMetrics ?? {};
  const filesRemoved = metric(m, 'numRemovedFiles', 'num_removed_files', 'deleted-data-files');
  const fileRowsAdded = metric(m, 'numOutputRows', 'num_output_rows', 'num_added_rows', 'added-records');
  const inserted = metric(m, 'numTargetRowsInserted', 'num_target_rows_inserted', 'numInsertedRows', 'num_inserted_rows');
  const appended = !filesRemoved && !/MERGE|UPDATE|DELETE|overwrite/i.test(entry.operation ?? '') ? fileRowsAdded : undefined;
  return {
    rowsInserted: inserted ?? appended,
    rowsUpdated: metric(m, 'numUpdatedRows', 'num_updated_rows', 'numTargetRowsUpdated', 'num_target_rows_updated'),
    rowsDeleted: metric(m, 'numDeletedRows', 'num_deleted_rows', 'numTargetRowsDeleted', 'num_target_rows_deleted', 'added-position-deletes'),
    fileRowsAdded: appended === undefined ? fileRowsAdded : undefined,
    fileRowsRemoved: metric(m, 'deleted-records'),
    filesAdded: metric(m, 'numAddedFiles', 'numFiles', 'num_added_files', 'added-data-files'),
    filesRemoved,
    bytesAdded: metric(m, 'numAddedBytes', 'numOutputBytes', 'num_added_bytes', 'added-files-size'),
    bytesRemoved: metric(m, 'numRemovedBytes', 'num_removed_bytes', 'removed-files-size'),
    deleteFilesAdded: metric(m, 'added-delete-files'),
  };
}

/** Changed rows as History and Compare show them: `+3 inserted · 2 updated · −41 deleted`. */
export function changedRowsText(s: Pick<CommitSummary, 'rowsInserted' | 'rowsUpdated' | 'rowsDeleted'>, format: (n: number) => string): string {
  return [
    s.rowsInserted ? `+${format(s.rowsInserted)} inserted` : '',
    s.rowsUpdated ? `${format(s.rowsUpdated)} updated` : '',
    s.rowsDeleted ? `−${format(s.rowsDeleted)} deleted` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/** The changed rows of the commits after `from` up to `to` (as the slider orders versions), summed. */
export function changedRowsBetween(history: readonly HistoryEntry[], from: number, to: number): Pick<CommitSummary, 'rowsInserted' | 'rowsUpdated' | 'rowsDeleted'> {
  const sum = { rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0 };
  for (const entry of history) {
    if (entry.ordinal <= from || entry.ordinal > to) continue;
    const s = commitSummary(entry);
    sum.rowsInserted += s.rowsInserted ?? 0;
    sum.rowsUpdated += s.rowsUpdated ?? 0;
    sum.rowsDeleted += s.rowsDeleted ?? 0;
  }
  return sum;
}
