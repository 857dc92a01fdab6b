/** Statistics of a logical file (PROTOCOL.md, "Per-file Statistics") that readers and writers rely on. */
import type { AddFile, RemoveFile } from './actions';

/**
 * The file's `stats.numRecords` (its physical rows, DV-deleted ones included); undefined when it has
 * no stats, they leave the count out (both optional in Delta) or cannot be parsed.
 */
export function statsRecordCount(file: Pick<AddFile | RemoveFile, 'stats'>): number | undefined {
  if (!file.stats) return undefined;
  try {
    const numRecords: unknown = (JSON.parse(file.stats) as { numRecords?: unknown }).numRecords;
    return numRecords === undefined || numRecords === null ? undefined : Number(numRecords);
  } catch {
    return undefined;
  }
}
