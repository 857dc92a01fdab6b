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

/** What the compaction rule reads of a file: a log's add action or a table's listed file alike. */
export interface SizedFile {
  size: number;
  /** By the names `partitionColumns` uses; '' and null both mean null. */
  partitionValues: Readonly<Record<string, string | null>>;
  deletionVector?: unknown;
}

/** Files that compaction may rewrite: under the target, or carrying a deletion vector. */
export function smallFiles<F extends SizedFile>(files: readonly F[], targetSize: number): F[] {
  return files.filter((f) => f.size < targetSize || hasDv(f));
}

const hasDv = (f: SizedFile) => f.deletionVector !== undefined && f.deletionVector !== null;

/** The files of partitions holding at least `minFiles` of them, or a file with a DV (no schema group elsewhere can reach it). */
export function inBusyPartitions<F extends SizedFile>(files: readonly F[], partitionColumns: readonly string[], minFiles: number): F[] {
  const groups = groupBy(files, (f) => partitionKey(f, partitionColumns));
  return [...groups.values()].filter((g) => g.length >= minFiles || g.some(hasDv)).flat();
}

/**
 * The partitions (as partitionKey names them) where a compaction with `limits` finds files to merge: the one
 * rule behind the Partitions view's "compaction would help" and the start of Compact's plan (which then also
 * groups by physical schema, read from the files' footers).
 */
export function compactablePartitions(files: readonly SizedFile[], partitionColumns: readonly string[], limits: CompactLimits): Set<string> {
  return new Set(inBusyPartitions(smallFiles(files, limits.targetSize), partitionColumns, limits.minFiles).map((f) => partitionKey(f, partitionColumns)));
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

/** A partition's identity: its values in column order, '' read as null (as the log means it). */
export function partitionKey(file: Pick<SizedFile, 'partitionValues'>, partitionColumns: readonly string[]): string {
  return JSON.stringify(partitionColumns.map((c) => file.partitionValues[c] || null));
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
