/** Small builders shared by the jobs that change a table (import, delete). */
import type { AddFile, Metadata, RemoveFile, StructType } from '../formats/delta/actions';
import { checkpointInterval } from '../formats/delta/checkpoint-write';
import type { CommitRequest, PartitionValues } from '../formats/delta/commit';
import { deletionVectorOf } from '../formats/delta/deletion-vector';
import type { Snapshot } from '../formats/delta/table';
import { statsRecordCount } from '../formats/delta/stats';

export { statsRecordCount };

/**
 * The `remove` that retires a live file (extended metadata so readers of tombstones need no stats). It
 * carries the file's deletion vector: a logical file is its path and its DV, so a remove without the DV
 * would retire nothing.
 */
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
      ...(file.deletionVector ? { deletionVector: file.deletionVector } : {}),
      ...(file.baseRowId !== undefined && file.baseRowId !== null ? { baseRowId: file.baseRowId } : {}),
      ...(file.defaultRowCommitVersion !== undefined && file.defaultRowCommitVersion !== null
        ? { defaultRowCommitVersion: file.defaultRowCommitVersion }
        : {}),
    },
  };
}

/** What every commit to an existing table takes from it: its checkpoint interval and, with in-commit timestamps on, the last one. */
export function commitSettings(snapshot: Snapshot): Pick<CommitRequest, 'checkpointInterval' | 'inCommitTimestampAfter'> {
  const inCommitTimestamps = snapshot.metadata.configuration?.['delta.enableInCommitTimestamps'] === 'true';
  return { checkpointInterval: checkpointInterval(snapshot.metadata), ...(inCommitTimestamps && { inCommitTimestampAfter: snapshot.timestamp }) };
}

/** Rows of the files that their deletion vectors leave (physical rows less DV cardinality); undefined when a count is unknown. */
export function liveRecordCount(files: AddFile[]): number | undefined {
  let total = 0;
  for (const file of files) {
    const records = statsRecordCount(file);
    if (records === undefined) return undefined;
    total += records - (deletionVectorOf(file)?.cardinality ?? 0);
  }
  return total;
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

