/**
 * What the retained versions of a Delta table reference: the live files of the latest version and every
 * tombstone the log still keeps, as a snapshot read finds them — from the newest checkpoint and the
 * commits after it, as delta-rs and Spark do for VACUUM. A checkpoint carries the tombstones younger than
 * the deleted-file retention (checkpoint-write.ts keeps every one that retention could need), so the
 * commits before it need not be read: the work follows what changed since the checkpoint, not the log's
 * length. A file whose tombstone has aged out of the checkpoints shows as an orphan, aged by its own time.
 */
import { LakebenchError } from '../errors';
import type { Action, AddFile, RemoveFile } from '../formats/delta/actions';
import { dvFileKey } from '../formats/delta/deleted-rows';
import { deletionVectorOf, dvLocation } from '../formats/delta/deletion-vector';
import { loadCheckpoint } from '../formats/delta/checkpoint-read';
import { assertReadable } from '../formats/delta/features';
import { latestListedVersion, listLog, type LogListing, planReplay } from '../formats/delta/log-listing';
import { parseCommit } from '../formats/delta/parse';
import { decodedPath, emptyState, replay, type TableState } from '../formats/delta/replay';
import { mapWithConcurrency } from '../storage/concurrency';
import type { ObjectInfo, ObjectStore } from '../storage/types';

export interface RetainedVersions {
  latestVersion: number;
  /** The table at the latest version: live files and the tombstones the log keeps. */
  latest: TableState & Required<Pick<TableState, 'protocol' | 'metadata'>>;
  /** Keys (decoded paths relative to the table) of the files (and DV files) the state and the commits read add or remove. */
  referenced: Set<string>;
}

/** Parallel reads of log entries (as in DeltaTable). */
const READ_CONCURRENCY = 16;

/** Reads the retained state from `listing` (the log's, or the one found in a listing of the whole table). */
export async function readRetainedVersions(store: ObjectStore, listing: LogListing, signal?: AbortSignal): Promise<RetainedVersions> {
  const latestVersion = latestListedVersion(listing);
  if (latestVersion === undefined) {
    throw new LakebenchError('NOT_A_TABLE', `${store.url} is not a Delta table: _delta_log/ has no readable version`, { object: store.url });
  }
  const plan = planReplay(listing, latestVersion, store.url, (key) => store.urlOf(key))!;
  checkCancelled(signal, store);
  const [checkpointActions, commits] = await Promise.all([
    plan.checkpoint ? loadCheckpoint(store, plan.checkpoint.parts) : [],
    readCommits(store, plan.commits, signal),
  ]);
  const replayed = [...(plan.checkpoint ? [{ version: plan.checkpoint.version, actions: checkpointActions }] : []), ...commits];
  const referenced = new Set<string>();
  for (const { actions } of replayed) for (const action of actions) addReferencedPath(referenced, action, store.url);
  const latest = replay(emptyState(), replayed);
  if (!latest.protocol || !latest.metadata) {
    throw new LakebenchError('CORRUPT', `${store.url}: the log has no ${latest.protocol ? 'metaData' : 'protocol'} action`, { object: store.url });
  }
  // Files of features Lakebench does not read would look unreferenced: refuse instead.
  assertReadable(latest.protocol, store.url, latest.metadata);
  return { latestVersion, latest: { ...latest, protocol: latest.protocol, metadata: latest.metadata }, referenced };
}

/**
 * The latest state again, right before deleting: the commits made since `retained` was read, applied to
 * it. One listing from the latest version read on; a log that no longer continues from there (it was
 * re-created or cleaned up meanwhile) is read afresh.
 */
export async function refreshRetained(store: ObjectStore, retained: RetainedVersions, signal?: AbortSignal): Promise<TableState> {
  const since = await listLog(store, retained.latestVersion);
  const newer = [...since.commits].filter(([version]) => version > retained.latestVersion).sort(([a], [b]) => a - b);
  const continuous = since.commits.has(retained.latestVersion) && newer.every(([version], i) => version === retained.latestVersion + 1 + i);
  if (!continuous) return (await readRetainedVersions(store, await listLog(store), signal)).latest;
  return replay(retained.latest, await readCommits(store, newer.map(([version, info]) => ({ version, info })), signal));
}

async function readCommits(
  store: ObjectStore,
  commits: readonly { version: number; info: ObjectInfo }[],
  signal: AbortSignal | undefined,
): Promise<{ version: number; actions: Action[] }[]> {
  return mapWithConcurrency(commits, READ_CONCURRENCY, async ({ version, info }) => {
    checkCancelled(signal, store);
    return { version, actions: parseCommit(await store.get(info.key), store.urlOf(info.key)) };
  });
}

/** Adds and removes name data files and their deletion vectors' files; `cdc` actions (kept as `other`) name change-data files. */
function addReferencedPath(referenced: Set<string>, action: Action, tableUrl: string): void {
  if ('add' in action || 'remove' in action) {
    const file = 'add' in action ? action.add : action.remove;
    referenced.add(decodedPath(file.path));
    const dvFile = dvFileKeyOf(file, tableUrl);
    if (dvFile) referenced.add(dvFile);
    return;
  }
  const path = 'other' in action ? (action.other.cdc as { path?: unknown } | undefined)?.path : undefined;
  if (typeof path === 'string') referenced.add(decodedPath(path));
}

/** Store key of the file holding a logical file's deletion vector; undefined without one or for an inline DV. */
export function dvFileKeyOf(file: AddFile | RemoveFile, tableUrl: string): string | undefined {
  const dv = deletionVectorOf(file, tableUrl);
  const location = dv && dvLocation(dv, tableUrl);
  return location?.kind === 'file' ? dvFileKey(location.path, tableUrl) : undefined;
}

export function checkCancelled(signal: AbortSignal | undefined, store: ObjectStore): void {
  if (signal?.aborted) throw new LakebenchError('CANCELLED', 'cancelled', { object: store.url });
}
