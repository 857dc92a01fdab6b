/**
 * What `_delta_log/` holds (commits and complete checkpoints by version), and the plan for reaching
 * one version from it: the newest complete checkpoint at or before it, then every commit after.
 * The plan is pure; only `listLog` and `readLastCheckpointHint` touch storage.
 */
import { isLakebenchError, LakebenchError } from '../../errors';
import type { ObjectInfo, ObjectStore } from '../../storage/types';
import { commitKey, LAST_CHECKPOINT_KEY, LOG_DIR, parseLogFileName, versionPrefix } from './log-files';

export interface LogListing {
  commits: Map<number, ObjectInfo>;
  /** Checkpoints by version, each as its parts in order; only complete checkpoints are kept. */
  checkpoints: Map<number, ObjectInfo[]>;
  /** Versions before this one were not listed (the listing started at a `_last_checkpoint` hint). */
  listedFrom: number;
}

export interface ReplayPlan {
  version: number;
  /** Checkpoint to start from (its parts), or undefined to replay from version 0. */
  checkpoint?: { version: number; parts: ObjectInfo[] };
  /** Commits to replay after the checkpoint, in order. */
  commits: { version: number; info: ObjectInfo }[];
  /** The commit file of `version` itself when listed (its commitInfo holds the version's timestamp). */
  versionCommit?: ObjectInfo;
}

/** Lists the log, from the given version on (a hint) or from the start. */
export async function listLog(store: ObjectStore, fromVersion?: number): Promise<LogListing> {
  const startAfter = fromVersion === undefined ? undefined : `${LOG_DIR}${versionPrefix(fromVersion)}`;
  const objects: ObjectInfo[] = [];
  for await (const info of store.listAll(LOG_DIR, { startAfter })) objects.push(info);
  return logListingOf(objects, fromVersion);
}

/**
 * The log listing within objects listed by someone else — a listing of the whole table holds the log's
 * too, so an operation that lists the table anyway need not list the log again. Keys are relative to the
 * table; objects outside `_delta_log/` are ignored.
 */
export function logListingOf(objects: Iterable<ObjectInfo>, fromVersion?: number): LogListing {
  const commits = new Map<number, ObjectInfo>();
  /**
   * version → part count → part number → object: a version can have several checkpoints, some
   * incomplete. A UUID-named checkpoint counts as one of one part (any one complete checkpoint will do).
   */
  const parts = new Map<number, Map<number, Map<number, ObjectInfo>>>();
  for (const info of objects) {
    if (!info.key.startsWith(LOG_DIR)) continue;
    const name = parseLogFileName(info.key);
    if (name.kind === 'commit') commits.set(name.version, info);
    if (name.kind === 'checkpoint') {
      const byCount = parts.get(name.version) ?? new Map<number, Map<number, ObjectInfo>>();
      const byPart = byCount.get(name.parts) ?? new Map<number, ObjectInfo>();
      byPart.set(name.part, info);
      byCount.set(name.parts, byPart);
      parts.set(name.version, byCount);
    }
  }
  const checkpoints = new Map<number, ObjectInfo[]>();
  for (const [version, byCount] of parts) {
    // A multi-part checkpoint with a part missing (a writer crashed mid-way) is skipped.
    const complete = [...byCount].filter(([count, byPart]) => byPart.size === count);
    if (complete.length > 0) {
      const [, byPart] = complete.sort(([a], [b]) => a - b)[0];
      checkpoints.set(version, [...byPart].sort(([a], [b]) => a - b).map(([, info]) => info));
    }
  }
  return { commits, checkpoints, listedFrom: fromVersion ?? 0 };
}

/** The newest version the listing shows, or undefined when it holds no commit or checkpoint. */
export function latestListedVersion(listing: LogListing): number | undefined {
  const versions = [...listing.commits.keys(), ...listing.checkpoints.keys()];
  return versions.length === 0 ? undefined : Math.max(...versions);
}

/** The oldest version that can be rebuilt from what was listed (version 0's commit, or the oldest checkpoint). */
export function earliestReadableVersion(listing: LogListing): number | undefined {
  const starts = [...listing.checkpoints.keys()];
  if (listing.commits.has(0)) starts.push(0);
  return starts.length === 0 ? undefined : Math.min(...starts);
}

/**
 * How to build `version` from the listing, or undefined when the listing does not reach back far
 * enough (the caller then lists from the start). Throws NOT_FOUND for a version that does not exist
 * or was cleaned up, CORRUPT for a missing commit between the start and the version.
 */
export function planReplay(listing: LogListing, version: number, tableUrl: string, urlOf: (key: string) => string): ReplayPlan | undefined {
  const latest = latestListedVersion(listing);
  const checkpointVersion = Math.max(-1, ...[...listing.checkpoints.keys()].filter((v) => v <= version));
  const fullListing = listing.listedFrom === 0;
  if (latest === undefined || version > latest || (checkpointVersion < 0 && !listing.commits.has(0))) {
    if (!fullListing) return undefined;
    const earliest = earliestReadableVersion(listing);
    const why =
      earliest !== undefined && version < earliest
        ? `is no longer readable: the log entries before version ${earliest} were expired (cleaned up)`
        : 'does not exist';
    throw new LakebenchError('NOT_FOUND', `${tableUrl}: version ${version} ${why}; ${availableRange(listing)}`, {
      object: tableUrl,
    });
  }
  const commits: ReplayPlan['commits'] = [];
  for (let v = checkpointVersion + 1; v <= version; v++) {
    const info = listing.commits.get(v);
    if (!info) {
      throw new LakebenchError('CORRUPT', `${tableUrl}: the log has no commit for version ${v} (missing ${urlOf(commitKey(v))})`, {
        object: urlOf(commitKey(v)),
      });
    }
    commits.push({ version: v, info });
  }
  const parts = listing.checkpoints.get(checkpointVersion);
  return { version, checkpoint: parts && { version: checkpointVersion, parts }, commits, versionCommit: listing.commits.get(version) };
}

/** "available versions: a..b" for messages; assumes a full listing. */
export function availableRange(listing: LogListing): string {
  const earliest = earliestReadableVersion(listing);
  const latest = latestListedVersion(listing);
  return earliest === undefined || latest === undefined
    ? 'the log holds no readable version'
    : `available versions: ${earliest}..${latest}`;
}

/**
 * The version `_last_checkpoint` names, or undefined when it is missing or unreadable: the hint only
 * saves listing time, and a reader must work without it.
 */
export async function readLastCheckpointHint(store: ObjectStore): Promise<number | undefined> {
  const bytes = await readLastCheckpointFile(store);
  if (bytes === undefined) return undefined;
  try {
    const version = (JSON.parse(new TextDecoder().decode(bytes)) as { version?: unknown }).version;
    return typeof version === 'number' && Number.isSafeInteger(version) && version >= 0 ? version : undefined;
  } catch {
    return undefined;
  }
}

/** The bytes of `_last_checkpoint`, or undefined when there is none. */
export async function readLastCheckpointFile(store: ObjectStore): Promise<Uint8Array | undefined> {
  try {
    return await store.get(LAST_CHECKPOINT_KEY);
  } catch (e) {
    if (isLakebenchError(e, 'NOT_FOUND')) return undefined;
    throw e;
  }
}
