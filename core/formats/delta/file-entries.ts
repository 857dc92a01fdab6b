/**
 * Pure functions from a Delta snapshot's live files to the API's JSON file entries, stats parsed. No
 * I/O, so they are tested on plain objects.
 */
import { LakebenchError } from '../../errors';
import type { FileEntry, FileStats } from '../table-format';
import type { AddFile, FileStats as DeltaFileStats } from './actions';

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

export function fileEntry(add: AddFile, tableUrl: string): FileEntry {
  const stats = parseStats(add, tableUrl);
  return {
    path: add.path,
    size: add.size,
    partitionValues: add.partitionValues ?? {},
    ...(stats && { stats }),
    modificationTime: new Date(add.modificationTime).toISOString(),
  };
}
