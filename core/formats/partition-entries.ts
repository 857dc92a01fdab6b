/** Per-partition sums of a table's files, for every format's partitions view. Pure, tested on plain objects. */
import type { FileEntry, PartitionEntry } from './table-format';

/** Files, live rows (stats.numRecords less deletion-vector rows; absent when a file has no stats) and bytes per partition, sorted. */
export function partitionEntries(files: readonly FileEntry[], partitionColumns: readonly string[]): PartitionEntry[] {
  const byPartition = new Map<string, PartitionEntry>();
  for (const file of files) {
    const values = Object.fromEntries(partitionColumns.map((c) => [c, file.partitionValues[c] || null]));
    const id = JSON.stringify(partitionColumns.map((c) => values[c]));
    const entry = byPartition.get(id) ?? { partitionValues: values, files: 0, rows: 0, bytes: 0 };
    entry.files += 1;
    entry.bytes += file.size;
    entry.rows = entry.rows !== undefined && file.stats ? entry.rows + file.stats.numRecords - (file.deletionVector?.cardinality ?? 0) : undefined;
    byPartition.set(id, entry);
  }
  return [...byPartition.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
}
