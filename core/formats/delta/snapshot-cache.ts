/**
 * Recently read snapshots, shared by every DeltaTable in the process. A committed version never
 * changes (commits are put-if-absent), so a snapshot read once can answer again without reading the
 * log — as long as it is the same log: the key includes the identity of the version's own log object
 * (size and etag or time), so a table deleted and re-created at the same location is read afresh.
 * Callers must treat snapshots as immutable.
 */
import type { ObjectInfo } from '../../storage/types';
import type { Snapshot } from './table';

/** Bounded by live files held (a 50,000-file snapshot is some tens of MB), not by entries. */
const MAX_FILES = 200_000;

const snapshots = new Map<string, Snapshot>(); // insertion order = LRU order
let heldFiles = 0;

export function snapshotCacheKey(storeId: string, version: number, logObject: ObjectInfo): string {
  return `${storeId}\n${version}\n${logObject.key}\n${logObject.size}\n${logObject.etag ?? logObject.lastModified.getTime()}`;
}

export function cachedSnapshot(key: string): Snapshot | undefined {
  const snapshot = snapshots.get(key);
  if (snapshot) {
    snapshots.delete(key);
    snapshots.set(key, snapshot);
  }
  return snapshot;
}

export function rememberSnapshot(key: string, snapshot: Snapshot): void {
  if (snapshot.files.length > MAX_FILES || snapshots.has(key)) return;
  snapshots.set(key, snapshot);
  heldFiles += snapshot.files.length;
  for (const [oldKey, old] of snapshots) {
    if (heldFiles <= MAX_FILES) break;
    snapshots.delete(oldKey);
    heldFiles -= old.files.length;
  }
}
