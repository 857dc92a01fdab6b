/** Small builders shared by the jobs that change a table (import, delete). */
import type { AddFile, Metadata, RemoveFile, StructType } from '../formats/delta/actions';
import type { PartitionValues } from '../formats/delta/commit';
import { statsRecordCount } from '../formats/delta/stats';

export { statsRecordCount };

/** The `remove` that retires a live file (extended metadata so readers of tombstones need no stats). */
export function removeOf(file: AddFile, deletionTimestamp: number): { remove: RemoveFile } {
  return {
    remove: {
      path: file.path,
      deletionTimestamp,
      dataChange: true,
      extendedFileMetadata: true,
      partitionValues: file.partitionValues,
      size: file.size,
      ...(file.stats ? { stats: file.stats } : {}),
    },
  };
}

/** The distinct partition-value maps of some files (what a commit read, for conflict detection). */
export function partitionsOf(files: AddFile[]): PartitionValues[] {
  const seen = new Map<string, PartitionValues>();
  for (const file of files) seen.set(JSON.stringify(file.partitionValues), file.partitionValues);
  return [...seen.values()];
}

/** The table's metaData with a new schema (same id, partitioning and configuration). */
export function withSchema(metadata: Metadata, schema: StructType): { metaData: Metadata } {
  return { metaData: { ...metadata, schemaString: JSON.stringify(schema) } };
}

/** Sum of `numRecords` over files whose stats carry it. */
export function recordCount(files: AddFile[]): number {
  return files.reduce((sum, f) => sum + (statsRecordCount(f) ?? 0), 0);
}

