/**
 * Choosing a snapshot the way Spark, Trino and pyiceberg do: the current one, by id, by tag or branch
 * name, or as of a time (the snapshot that was current on `main` then, from the snapshot log; tables
 * without one fall back to the current snapshot's ancestry). Pure functions over the metadata.
 */
import { LakebenchError } from '../../errors';
import type { IcebergSnapshot, TableMetadata } from './metadata';

export type SnapshotSelector =
  | { kind: 'current' }
  | { kind: 'id'; id: string }
  | { kind: 'time'; asOf: Date }
  | { kind: 'tag'; name: string }
  | { kind: 'branch'; name: string };

/**
 * The selector a version suffix names: `<snapshot id>` (digits), `tag:<name>`, `branch:<name>`, or an
 * ISO time. USAGE for anything else.
 */
export function parseSnapshotSuffix(text: string, object?: string): SnapshotSelector {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) return { kind: 'id', id: BigInt(trimmed).toString() };
  const ref = /^(tag|branch):(.+)$/.exec(trimmed);
  if (ref) return { kind: ref[1] as 'tag' | 'branch', name: ref[2]! };
  // Only full dates count as times: a bare number was taken above as a snapshot id.
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const asOf = new Date(trimmed);
    if (!Number.isNaN(asOf.getTime())) return { kind: 'time', asOf };
  }
  throw new LakebenchError('USAGE', `"${text}" is not an Iceberg snapshot: give a snapshot id, an ISO time, tag:<name> or branch:<name>`, {
    object,
  });
}

/** The snapshot with this id; NOT_FOUND listing what exists. */
export function snapshotById(metadata: TableMetadata, id: string, object: string): IcebergSnapshot {
  const snapshot = metadata.snapshots.find((s) => s.id === id);
  if (!snapshot) {
    throw new LakebenchError('NOT_FOUND', `snapshot ${id} is not in the table (${describeRange(metadata)})`, { object });
  }
  return snapshot;
}

/** The selected snapshot, or undefined for the current state of a table without snapshots (it reads empty). */
export function selectSnapshot(metadata: TableMetadata, selector: SnapshotSelector, object: string): IcebergSnapshot | undefined {
  switch (selector.kind) {
    case 'current':
      return metadata.currentSnapshotId === undefined ? undefined : snapshotById(metadata, metadata.currentSnapshotId, object);
    case 'id':
      return snapshotById(metadata, selector.id, object);
    case 'tag':
    case 'branch': {
      const ref = metadata.refs[selector.name];
      if (!ref || ref.type !== selector.kind) {
        const names = Object.entries(metadata.refs)
          .filter(([, r]) => r.type === selector.kind)
          .map(([name]) => name);
        throw new LakebenchError(
          'NOT_FOUND',
          `the table has no ${selector.kind} named ${selector.name} (${selector.kind === 'tag' ? 'tags' : 'branches'}: ${names.length ? names.join(', ') : 'none'})`,
          { object },
        );
      }
      return snapshotById(metadata, ref.snapshotId, object);
    }
    case 'time':
      return snapshotAsOf(metadata, selector.asOf, object);
  }
}

/** The snapshot current on `main` at `asOf`. */
function snapshotAsOf(metadata: TableMetadata, asOf: Date, object: string): IcebergSnapshot {
  const wanted = asOf.getTime();
  if (Number.isNaN(wanted)) throw new LakebenchError('USAGE', 'the time to travel to is not a valid date', { object });
  const log = metadata.snapshotLog.length > 0 ? metadata.snapshotLog : ancestryLog(metadata);
  let found: string | undefined;
  for (const entry of log) if (entry.timestampMs <= wanted) found = entry.snapshotId;
  if (found === undefined) {
    throw new LakebenchError('NOT_FOUND', `${asOf.toISOString()} is before the table's first snapshot (${describeRange(metadata)})`, { object });
  }
  return snapshotById(metadata, found, object);
}

/** The current snapshot and its ancestors, oldest first, as a stand-in snapshot log. */
function ancestryLog(metadata: TableMetadata): { timestampMs: number; snapshotId: string }[] {
  const byId = new Map(metadata.snapshots.map((s) => [s.id, s]));
  const chain: { timestampMs: number; snapshotId: string }[] = [];
  for (let id = metadata.currentSnapshotId; id !== undefined; ) {
    const snapshot = byId.get(id);
    if (!snapshot) break;
    chain.unshift({ timestampMs: snapshot.timestampMs, snapshotId: snapshot.id });
    id = snapshot.parentId;
  }
  return chain;
}

function describeRange(metadata: TableMetadata): string {
  if (metadata.snapshots.length === 0) return 'it has no snapshots';
  const sorted = [...metadata.snapshots].sort((a, b) => a.timestampMs - b.timestampMs);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  return `${sorted.length} snapshots from ${first.id} at ${new Date(first.timestampMs).toISOString()} to ${last.id} at ${new Date(last.timestampMs).toISOString()}`;
}
