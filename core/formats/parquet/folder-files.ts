/**
 * What the table view shows for a plain Parquet folder: its files with the partition values their
 * `k=v` folders give, and per-partition sums. Pure over the listing, so it is tested on plain objects.
 */
import type { ObjectInfo } from '../../storage/types';
import { partitionEntries } from '../partition-entries';
import type { FileEntry, PartitionEntry } from '../table-format';

export interface FolderFiles {
  partitionColumns: string[];
  files: FileEntry[];
  partitions: PartitionEntry[];
}

/** `country=DE/year=2024/part-0.parquet` → `{ country: 'DE', year: '2024' }` (hive escapes decoded). */
export function hiveValuesOf(key: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const segment of key.split('/').slice(0, -1)) {
    const at = segment.indexOf('=');
    if (at > 0) values[decodeHive(segment.slice(0, at))] = decodeHive(segment.slice(at + 1));
  }
  return values;
}

function decodeHive(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a lone `%` is a literal character in a folder name
  }
}

export function folderFiles(objects: readonly ObjectInfo[]): FolderFiles {
  const files = objects.map(
    (o): FileEntry => ({ path: o.key, size: o.size, partitionValues: hiveValuesOf(o.key), modificationTime: o.lastModified.toISOString() }),
  );
  const partitionColumns = [...new Set(files.flatMap((f) => Object.keys(f.partitionValues)))];
  return { partitionColumns, files, partitions: partitionEntries(files, partitionColumns) };
}
