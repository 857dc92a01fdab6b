/**
 * Pure functions from a Delta snapshot's live files to the API's JSON file entries, stats parsed. No
 * I/O, so they are tested on plain objects.
 */
import { LakebenchError } from '../../errors';
import type { DeletionVectorInfo, FileEntry, FileStats } from '../table-format';
import type { AddFile, FileStats as DeltaFileStats } from './actions';
import { deletionVectorOf, dvLocation, type DeletionVectorDescriptor } from './deletion-vector';
import { partitionValueOf } from './partition-values';
import type { Snapshot } from './table';

/** Parses `add.stats`; a file without stats has none, a malformed one is a CORRUPT log entry. */
export function parseStats(add: AddFile, tableUrl: string): FileStats | undefined {
  if (!add.stats) return undefined;
  let parsed: DeltaFileStats;
  try {
    parsed = JSON.parse(add.stats) as DeltaFileStats;
  } catch (e) {
    throw new LakebenchError('CORRUPT', `stats of ${add.path} are not valid JSON`, { object: tableUrl, cause: e });
  }
  const { numRecords, minValues, maxValues, nullCount } = parsed;
  return { numRecords, minValues, maxValues, nullCount };
}

/**
 * One live file for display: partition values under the columns' display names (the log keys them by
 * physical name under column mapping) and the deletion vector that hides some of its rows.
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
    ...(dv && { deletionVector: deletionVectorInfo(dv, snapshot.tableUrl) }),
    modificationTime: new Date(add.modificationTime).toISOString(),
  };
}

function deletionVectorInfo(dv: DeletionVectorDescriptor, tableUrl: string): DeletionVectorInfo {
  const location = dvLocation(dv, tableUrl);
  return {
    storage: location.kind === 'inline' ? 'inline' : location.path,
    ...(dv.offset !== undefined && { offset: dv.offset }),
    size: dv.sizeInBytes,
    cardinality: dv.cardinality,
  };
}

/** Rows the files hold that no deletion vector deletes; undefined when a file has no row count. */
export function liveRows(files: readonly FileEntry[]): number | undefined {
  let total = 0;
  for (const file of files) {
    if (!file.stats) return undefined;
    total += file.stats.numRecords - (file.deletionVector?.cardinality ?? 0);
  }
  return total;
}
