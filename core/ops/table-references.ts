/**
 * What the retained versions of a Delta table reference — every version still readable from the log,
 * from the oldest checkpoint (or version 0) to the latest. Orphans are the objects none of them
 * references; vacuum deletes tombstoned files and old orphans. The log is replayed here from the
 * oldest readable version (not from the newest checkpoint, as a snapshot read is), because every
 * version in between counts.
 */
import { LakebenchError } from '../errors';
import type { Action, AddFile, RemoveFile } from '../formats/delta/actions';
import { dvFileKey } from '../formats/delta/deleted-rows';
import { deletionVectorOf, dvLocation } from '../formats/delta/deletion-vector';
import { loadCheckpoint } from '../formats/delta/checkpoint-read';
import { assertReadable } from '../formats/delta/features';
import { commitKey } from '../formats/delta/log-files';
import { earliestReadableVersion, latestListedVersion, listLog } from '../formats/delta/log-listing';
import { parseCommit } from '../formats/delta/parse';
import { decodedPath, emptyState, replay, type TableState } from '../formats/delta/replay';
import { mapWithConcurrency } from '../storage/concurrency';
import type { ObjectInfo, ObjectStore } from '../storage/types';

export interface RetainedVersions {
  oldestVersion: number;
  latestVersion: number;
  /** The table at the latest version, replayed from `oldestVersion`: live files and every tombstone since. */
  latest: TableState & Required<Pick<TableState, 'protocol' | 'metadata'>>;
  /** Keys (decoded paths relative to the table) of the files (and DV files) any retained version adds or removes. */
  referenced: Set<string>;
}

/** Parallel reads of log entries (as in DeltaTable). */
const READ_CONCURRENCY = 16;

export async function readRetainedVersions(store: ObjectStore, signal?: AbortSignal): Promise<RetainedVersions> {
  const listing = await listLog(store);
  const oldestVersion = earliestReadableVersion(listing);
  const latestVersion = latestListedVersion(listing);
  if (oldestVersion === undefined || latestVersion === undefined) {
    throw new LakebenchError('NOT_A_TABLE', `${store.url} is not a Delta table: _delta_log/ has no readable version`, { object: store.url });
  }
  // Unlike a snapshot read (from the newest checkpoint), every version from the oldest readable one on counts.
  const start = oldestVersion === 0 && !listing.checkpoints.has(0) ? -1 : oldestVersion;
  const startParts = listing.checkpoints.get(start);
  const commits: { version: number; info: ObjectInfo }[] = [];
  for (let v = start + 1; v <= latestVersion; v++) {
    const info = listing.commits.get(v);
    if (!info) {
      throw new LakebenchError('CORRUPT', `${store.url}: the log has no commit for version ${v}`, { object: store.urlOf(commitKey(v)) });
    }
    commits.push({ version: v, info });
  }
  checkCancelled(signal, store);

  const checkpointActions = startParts ? await loadCheckpoint(store, startParts) : [];
  const read = await mapWithConcurrency(commits, READ_CONCURRENCY, async ({ version, info }) => {
    checkCancelled(signal, store);
    return { version, actions: parseCommit(await store.get(info.key), store.urlOf(info.key)) };
  });
  const replayed = [...(startParts ? [{ version: start, actions: checkpointActions }] : []), ...read];
  const referenced = new Set<string>();
  for (const { actions } of replayed) for (const action of actions) addReferencedPath(referenced, action, store.url);
  const latest = replay(emptyState(), replayed);
  if (!latest.protocol || !latest.metadata) {
    throw new LakebenchError('CORRUPT', `${store.url}: the log has no ${latest.protocol ? 'metaData' : 'protocol'} action`, { object: store.url });
  }
  // Files of features Lakebench does not read would look unreferenced: refuse instead.
  assertReadable(latest.protocol, store.url, latest.metadata);
  return { oldestVersion, latestVersion, latest: { ...latest, protocol: latest.protocol, metadata: latest.metadata }, referenced };
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
