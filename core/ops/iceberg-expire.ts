/**
 * expire on an Iceberg table (Iceberg's expire_snapshots): removes the snapshots older than the
 * retention in one commit through the table's pointer (FileSystemTarget, or its catalog's), then
 * deletes the manifest lists, manifests, data and delete files that only removed snapshots reach.
 *
 * What is kept follows Iceberg's RemoveSnapshots: on every branch, the head and its ancestors younger
 * than the branch's `max-snapshot-age-ms` (else the table's `history.expire.max-snapshot-age-ms`, else
 * 5 days), and at least its `min-snapshots-to-keep` (else `history.expire.min-snapshots-to-keep`, else
 * 1) newest ancestors; every tag's snapshot; snapshots no ref reaches that are younger than the table's
 * age. A ref older than its `max-ref-age-ms` (never `main`) protects nothing and goes with its snapshot.
 *
 * The files to delete are those reached through snapshots that older metadata files of the log still
 * hold and the current one no longer does, less all the current one reaches: so a run killed between
 * its commit and its deletes leaves files that the next run (or its dry run) finds and deletes again.
 */
import { LakebenchError } from '../errors';
import { commitWithRetry, type CommitTarget } from '../formats/iceberg/commit';
import { FileSystemTarget } from '../formats/iceberg/commit-targets';
import type { IcebergSnapshot, TableMetadata } from '../formats/iceberg/metadata';
import { reachableFiles } from '../formats/iceberg/reachable';
import { removeSnapshotsCommit } from '../formats/iceberg/snapshot-producer';
import type { ObjectStore } from '../storage/types';
import { formatDuration } from '../units';
import type { OpOptions } from './maintenance/operations';
import { checkCancelled } from './table-references';
import { deleteDoomed, type Doomed } from './vacuum';
import { MAINTENANCE_DEFAULTS } from './maintenance/defaults';

export const MAX_SNAPSHOT_AGE_PROPERTY = 'history.expire.max-snapshot-age-ms';
export const MIN_SNAPSHOTS_PROPERTY = 'history.expire.min-snapshots-to-keep';
export const MAX_REF_AGE_PROPERTY = 'history.expire.max-ref-age-ms';
/** Iceberg's default of `history.expire.max-snapshot-age-ms`: 5 days. */
export const DEFAULT_MAX_SNAPSHOT_AGE_MS = MAINTENANCE_DEFAULTS.icebergSnapshotAgeMs;

export interface IcebergExpireOptions extends OpOptions {
  /** Expire snapshots older than this (default: the table's property, else 5 days). */
  olderThanMs?: number;
  /** Keep at least this many newest snapshots per branch (default: the table's property, else 1). */
  retainLast?: number;
  dryRun?: boolean;
  /** The time ages are measured from (default: now). */
  now?: number;
}

export interface IcebergExpireResult {
  dryRun: boolean;
  /** Snapshot ids removed (or, dry, to remove) by this run. */
  expired: string[];
  /** Snapshots the table keeps. */
  retained: number;
  /** Objects deleted (or, dry, to delete): reached only through removed snapshots. */
  deleted: { object: string; size: number }[];
  bytes: number;
  /** "120h (the table's history.expire.max-snapshot-age-ms)" style, for reports. */
  retention: string;
}

/** Expires the table at `store`, committing through `commitTarget` when a catalog holds its pointer. */
export function expireIceberg(store: ObjectStore, commitTarget: (() => CommitTarget) | undefined, options: IcebergExpireOptions): Promise<IcebergExpireResult> {
  return expireIcebergTable(store, commitTarget?.() ?? new FileSystemTarget(store), options);
}

export async function expireIcebergTable(store: ObjectStore, target: CommitTarget, options: IcebergExpireOptions): Promise<IcebergExpireResult> {
  const now = options.now ?? Date.now();
  const state = await target.load();
  const policy = retentionPolicy(state.table.metadata, options, target.url);
  let expired = snapshotsToExpire(state.table.metadata, policy, now);
  let metadataKey = state.table.metadataKey;
  if (!options.dryRun && expired.length > 0) {
    checkCancelled(options.signal, store);
    options.onProgress?.({ phase: 'commit', done: 0, total: 1, bytes: 0 });
    // A retry recomputes what to expire on the table as it is then.
    const committed = await commitWithRetry(
      target,
      async (fresh) => {
        const ids = snapshotsToExpire(fresh.table.metadata, retentionPolicy(fresh.table.metadata, options, target.url), now);
        return { commit: removeSnapshotsCommit(fresh.table, ids), result: ids };
      },
      { signal: options.signal },
    );
    expired = committed.result;
    metadataKey = (await target.load()).table.metadataKey;
    options.onProgress?.({ phase: 'commit', done: 1, total: 1, bytes: 0 });
  }
  // Dry: the plan's snapshots count as gone. Else: the committed metadata no longer holds them.
  const reach = await reachableFiles(store, { metadataKey, signal: options.signal, onProgress: options.onProgress, ...(options.dryRun && { expiring: new Set(expired) }) });
  const doomed: Doomed[] = [];
  for await (const info of store.listAll('')) {
    if (reach.keys.has(info.key) && !reach.retainedKeys.has(info.key)) doomed.push({ key: info.key, size: info.size, reason: 'tombstone' });
  }
  const result = await deleteDoomed(store, doomed, { ...options, retentionMs: policy.maxAgeMs, retention: policy.description });
  return {
    dryRun: options.dryRun ?? false,
    expired,
    retained: reach.current.metadata.snapshots.length - (options.dryRun ? expired.length : 0),
    deleted: result.deleted.map(({ object, size }) => ({ object, size })),
    bytes: result.bytes,
    retention: policy.description,
  };
}

interface RetentionPolicy {
  maxAgeMs: number;
  minSnapshots: number;
  maxRefAgeMs: number;
  description: string;
}

/** The table's expire settings, overridden by the options; a property that is not a number is refused. */
function retentionPolicy(metadata: TableMetadata, options: IcebergExpireOptions, url: string): RetentionPolicy {
  const property = (name: string, fallback: number): number => {
    const text = metadata.properties[name];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new LakebenchError('CORRUPT', `${url}: table property ${name} = "${text}" is not a whole number`, { object: url });
    }
    return value;
  };
  const fromTable = metadata.properties[MAX_SNAPSHOT_AGE_PROPERTY] !== undefined && options.olderThanMs === undefined;
  const maxAgeMs = options.olderThanMs ?? property(MAX_SNAPSHOT_AGE_PROPERTY, DEFAULT_MAX_SNAPSHOT_AGE_MS);
  const minSnapshots = options.retainLast ?? property(MIN_SNAPSHOTS_PROPERTY, 1);
  if (!Number.isSafeInteger(minSnapshots) || minSnapshots < 1) {
    throw new LakebenchError('USAGE', `expire keeps at least 1 snapshot per branch (asked to keep ${minSnapshots})`, { object: url });
  }
  return {
    maxAgeMs,
    minSnapshots,
    maxRefAgeMs: property(MAX_REF_AGE_PROPERTY, Number.POSITIVE_INFINITY),
    description: `${formatDuration(maxAgeMs)}${fromTable ? ` (the table's ${MAX_SNAPSHOT_AGE_PROPERTY})` : ''}, keeping at least ${minSnapshots} per branch`,
  };
}

/** Ids of the snapshots the policy removes (Iceberg's RemoveSnapshots), oldest first. */
export function snapshotsToExpire(metadata: TableMetadata, policy: Omit<RetentionPolicy, 'description'>, now: number): string[] {
  const byId = new Map(metadata.snapshots.map((s) => [s.id, s]));
  const ancestry = (id: string): IcebergSnapshot[] => {
    const chain: IcebergSnapshot[] = [];
    for (let s = byId.get(id); s && !chain.includes(s); s = s.parentId === undefined ? undefined : byId.get(s.parentId)) chain.push(s);
    return chain;
  };
  const retain = new Set<string>();
  const onBranches = new Set<string>();
  for (const [name, ref] of Object.entries(metadata.refs)) {
    const head = byId.get(ref.snapshotId);
    if (!head) continue;
    const refExpired = name !== 'main' && now - head.timestampMs > (ref.maxRefAgeMs ?? policy.maxRefAgeMs);
    if (ref.type === 'tag') {
      if (!refExpired) retain.add(head.id);
      continue;
    }
    const chain = ancestry(head.id);
    for (const s of chain) onBranches.add(s.id);
    if (refExpired) continue;
    const maxAge = ref.maxSnapshotAgeMs ?? policy.maxAgeMs;
    const minKeep = ref.minSnapshotsToKeep ?? policy.minSnapshots;
    let kept = 0;
    for (const s of chain) {
      if (kept >= minKeep && now - s.timestampMs > maxAge) break;
      retain.add(s.id);
      kept++;
    }
  }
  // Snapshots on no branch nor tag go by the table's age alone.
  for (const s of metadata.snapshots) if (!onBranches.has(s.id) && now - s.timestampMs <= policy.maxAgeMs) retain.add(s.id);
  if (metadata.currentSnapshotId !== undefined) retain.add(metadata.currentSnapshotId);
  return metadata.snapshots.filter((s) => !retain.has(s.id)).sort((a, b) => a.timestampMs - b.timestampMs).map((s) => s.id);
}
