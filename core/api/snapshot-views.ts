/**
 * Pure functions from a Delta snapshot's live files to the API's JSON results: one entry per file with
 * its stats parsed, and per-partition sums. No I/O, so they are tested on plain objects.
 */
import { LakebenchError } from '../errors';
import type { AddFile, FileStats } from '../formats/delta/actions';
import { deletionVectorOf } from '../formats/delta/deletion-vector';
import type { Snapshot } from '../formats/delta/table';
import { partitionValueOf } from '../sql/views';
import type { FileEntry, FileStatsJson, PartitionEntry } from './types';

/** Parses `add.stats`; a file without stats has none, a malformed one is a CORRUPT log entry. */
export function parseStats(add: AddFile, tableUrl: string): FileStatsJson | undefined {
  if (!add.stats) return undefined;
  let parsed: FileStats;
  try {
    parsed = JSON.parse(add.stats) as FileStats;
  } catch (e) {
    throw new LakebenchError('CORRUPT', `stats of ${add.path} are not valid JSON`, { object: tableUrl, cause: e });
  }
  const { numRecords, minValues, maxValues, nullCount } = parsed;
  return { numRecords, minValues, maxValues, nullCount };
}

/**
 * One live file for display: partition values under the columns' display names (the log keys them by
 * physical name under column mapping) and the rows its deletion vector deletes.
 */
export function fileEntry(add: AddFile, snapshot: Pick<Snapshot, 'tableUrl' | 'schema' | 'partitionColumns' | 'columnMapping'>): FileEntry {
  const stats = parseStats(add, snapshot.tableUrl);
  const dv = deletionVectorOf(add, snapshot.tableUrl);
  const partitionValues =
    snapshot.columnMapping === 'none'
      ? (add.partitionValues ?? {})
      : Object.fromEntries(snapshot.partitionColumns.map((c) => [c, partitionValueOf(snapshot, add, c)]));
  return {
    path: add.path,
    size: add.size,
    partitionValues,
    ...(stats && { stats }),
    ...(dv && { deletedRows: dv.cardinality }),
    modificationTime: new Date(add.modificationTime).toISOString(),
  };
}

/** Rows the files hold that no deletion vector deletes; undefined when a file has no row count. */
export function liveRows(files: FileEntry[]): number | undefined {
  let total = 0;
  for (const file of files) {
    if (!file.stats) return undefined;
    total += file.stats.numRecords - (file.deletedRows ?? 0);
  }
  return total;
}

/** Files, live rows (stats.numRecords less DV-deleted rows; absent when a file has no stats) and bytes per partition, sorted. */
export function partitionEntries(files: FileEntry[], partitionColumns: string[]): PartitionEntry[] {
  const byPartition = new Map<string, PartitionEntry>();
  for (const file of files) {
    const values = Object.fromEntries(partitionColumns.map((c) => [c, file.partitionValues[c] || null]));
    const id = JSON.stringify(partitionColumns.map((c) => values[c]));
    const entry = byPartition.get(id) ?? { partitionValues: values, files: 0, rows: 0, bytes: 0 };
    entry.files += 1;
    entry.bytes += file.size;
    entry.rows = entry.rows !== undefined && file.stats ? entry.rows + file.stats.numRecords - (file.deletedRows ?? 0) : undefined;
    byPartition.set(id, entry);
  }
  return [...byPartition.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
}
