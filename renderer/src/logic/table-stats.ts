/** Derived facts about a table version for the table view: partition labels, small files, commit metrics. */
import type { HistoryEntry, PartitionEntry } from '../../../core/api/types';

/**
 * Files under this size count as small. Query engines read best from files of ~128 MB–1 GB; many files
 * under 16 MB in one partition means per-file overhead dominates a scan.
 */
export const SMALL_FILE_BYTES = 16 * 1024 * 1024;

export function partitionLabel(values: Record<string, string | null>): string {
  const parts = Object.entries(values).map(([k, v]) => `${k}=${v ?? 'null'}`);
  return parts.length ? parts.join('/') : '(table)';
}

/** Partitions of more than one file whose average file is small. */
export function smallFilePartitions<P extends PartitionEntry>(partitions: readonly P[]): P[] {
  return partitions.filter((p) => p.files > 1 && p.bytes / p.files < SMALL_FILE_BYTES);
}

export interface CommitSummary {
  rowsAdded?: number;
  rowsRemoved?: number;
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
 * Rows, files and bytes a commit added and removed, from `operationMetrics` as Spark and delta-rs name
 * them, or from an Iceberg snapshot summary (`added-records`, `deleted-data-files`, …).
 */
export function commitSummary(entry: HistoryEntry): CommitSummary {
  const m = entry.operationMetrics ?? {};
  return {
    rowsAdded: metric(m, 'numOutputRows', 'num_added_rows', 'numTargetRowsInserted', 'added-records'),
    rowsRemoved: metric(m, 'numDeletedRows', 'num_deleted_rows', 'numTargetRowsDeleted', 'deleted-records', 'added-position-deletes'),
    filesAdded: metric(m, 'numAddedFiles', 'numFiles', 'num_added_files', 'added-data-files'),
    filesRemoved: metric(m, 'numRemovedFiles', 'num_removed_files', 'deleted-data-files'),
    bytesAdded: metric(m, 'numAddedBytes', 'numOutputBytes', 'num_added_bytes', 'added-files-size'),
    bytesRemoved: metric(m, 'numRemovedBytes', 'num_removed_bytes', 'removed-files-size'),
    deleteFilesAdded: metric(m, 'added-delete-files'),
  };
}
