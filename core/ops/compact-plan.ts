/**
 * Which files a compaction merges, decided from the log and the files' physical schemas alone: small
 * files (under the target size) are grouped by partition and schema, and each group with enough of them
 * is bin-packed into output files near the target. A file with a deletion vector is always rewritten
 * (alone if need be), as Spark's OPTIMIZE does: the new file leaves the deleted rows out and needs no
 * DV. Pure functions, no I/O.
 */
import type { AddFile } from '../formats/delta/actions';
import type { PartitionValues } from '../formats/delta/commit';
import { logValue } from '../formats/delta/partition-values';
import type { PhysicalSchema } from './parquet-footer';

export interface CompactLimits {
  /** Files smaller than this are small; output files are packed up to it. */
  targetSize: number;
  /** A group is compacted only when it has at least this many small files. */
  minFiles: number;
}

/** Small files of one partition and one physical schema, and how they are packed. */
export interface CompactGroup {
  /** Partition values as the log means them ('' read as null). */
  partition: PartitionValues;
  schema: PhysicalSchema;
  /** Each bin becomes one output file; every bin holds at least two files, or a file with a DV. */
  bins: AddFile[][];
}

/** Files that compaction may rewrite: under the target, or carrying a deletion vector. */
export function smallFiles(files: readonly AddFile[], targetSize: number): AddFile[] {
  return files.filter((f) => f.size < targetSize || hasDv(f));
}

const hasDv = (f: AddFile) => f.deletionVector !== undefined && f.deletionVector !== null;

/** The files of partitions holding at least `minFiles` of them, or a file with a DV (no schema group elsewhere can reach it). */
export function inBusyPartitions(files: readonly AddFile[], partitionColumns: readonly string[], minFiles: number): AddFile[] {
  const groups = groupBy(files, (f) => partitionKey(f, partitionColumns));
  return [...groups.values()].filter((g) => g.length >= minFiles || g.some(hasDv)).flat();
}

/** Groups small files by partition and schema and packs every group that has enough of them. */
export function planGroups(
  files: readonly { add: AddFile; schema: PhysicalSchema }[],
  partitionColumns: readonly string[],
  limits: CompactLimits,
): CompactGroup[] {
  const groups = groupBy(files, ({ add, schema }) => JSON.stringify([partitionKey(add, partitionColumns), schema.signature]));
  const planned: CompactGroup[] = [];
  for (const members of groups.values()) {
    if (members.length < limits.minFiles && !members.some((m) => hasDv(m.add))) continue;
    const bins = binPack(
      members.map((m) => m.add),
      limits.targetSize,
    ).filter((bin) => bin.length > 1 || bin.some(hasDv)); // a file alone would only be copied, unless its DV goes
    if (bins.length === 0) continue;
    const first = members[0]!.add;
    planned.push({
      partition: Object.fromEntries(partitionColumns.map((c) => [c, logValue(first, c)])),
      schema: members[0]!.schema,
      bins,
    });
  }
  return planned;
}

/**
 * Next-fit packing in the order files were written (oldest first), so rows that arrived together stay
 * together: a bin is closed when the next file would take it past the target.
 */
export function binPack(files: readonly AddFile[], targetSize: number): AddFile[][] {
  return packInOrder([...files].sort((a, b) => a.modificationTime - b.modificationTime), targetSize, (file) => file.size);
}

/** Next-fit packing of items in the order given: a bin is closed when the next item would take it past the target. */
export function packInOrder<T>(items: readonly T[], targetSize: number, sizeOf: (item: T) => number): T[][] {
  const bins: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && bytes + sizeOf(item) > targetSize) {
      bins.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += sizeOf(item);
  }
  if (current.length > 0) bins.push(current);
  return bins;
}

function partitionKey(file: AddFile, partitionColumns: readonly string[]): string {
  return JSON.stringify(partitionColumns.map((c) => logValue(file, c)));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
