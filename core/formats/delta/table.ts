/**
 * A Delta table opened on an ObjectStore: snapshots at any version or time, and the commit history.
 * Reading a snapshot lists `_delta_log/` from the `_last_checkpoint` hint on, reads the newest
 * complete checkpoint once and the commits after it in parallel, and replays them (replay.ts).
 */
import { LakebenchError } from '../../errors';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectInfo, ObjectStore } from '../../storage/types';
import type { Action, AddFile, CommitInfo, DomainMetadata, Metadata, Protocol, RemoveFile, StructType, Txn } from './actions';
import { loadCheckpoint } from './checkpoint-read';
import { type ColumnMappingMode, columnMappingMode } from './column-mapping';
import { assertReadable } from './features';
import {
  availableRange,
  earliestReadableVersion,
  latestListedVersion,
  listLog,
  type LogListing,
  planReplay,
  type ReplayPlan,
  readLastCheckpointHint,
} from './log-listing';
import { parseCommit } from './parse';
import { decodedPath, emptyState, replay, type TableState } from './replay';
import { parseSchema } from './schema';
import { cachedSnapshot, rememberSnapshot, snapshotCacheKey } from './snapshot-cache';

export interface Snapshot {
  tableUrl: string;
  version: number;
  /** Commit time of `version` in ms since the epoch (in-commit timestamp, commitInfo.timestamp, or the file's mtime). */
  timestamp: number;
  protocol: Protocol;
  metadata: Metadata;
  schema: StructType;
  partitionColumns: string[];
  /** How columns are named in data files, partition values and stats. */
  columnMapping: ColumnMappingMode;
  /** Live files. */
  files: AddFile[];
  /** Removed files whose tombstones are still in the log (for VACUUM and conflict checks). */
  tombstones: RemoveFile[];
  /** Latest transaction version per application id. */
  txns: Record<string, Txn>;
  /** Live metadata domains (liquid clustering, row tracking, …): writers keep them. */
  domainMetadata: DomainMetadata[];
}

/**
 * A version as a checkpoint's Parquet files plus what the commits after it do, replayed from nothing:
 * for readers that take the checkpoint's file actions in bulk (DuckDB) instead of as JS objects.
 */
export interface LogSegment {
  tableUrl: string;
  version: number;
  /** Parquet checkpoint parts still to read (empty when there is none, or it was JSON and is in `tail`). */
  checkpointParts: ObjectInfo[];
  /** The commits after the checkpoint replayed onto an empty state (with a JSON checkpoint: it too). */
  tail: TableState;
  /** The log object that identifies the version (its commit, else its checkpoint): see snapshotCacheKey. */
  identity: ObjectInfo;
}

/** A version found in the log listing, not read yet (DeltaTable.segmentPlan). */
export interface SegmentPlan {
  version: number;
  /** As LogSegment.identity. */
  identity: ObjectInfo;
  /** Reads the commits after the checkpoint (not the checkpoint). */
  read(): Promise<LogSegment>;
}

/** Which version to read: by number, or the latest commit at or before a time. Neither = latest. */
export interface VersionSpec {
  version?: number;
  asOf?: Date;
}

export interface CommitSummary {
  version: number;
  timestamp: number;
  operation: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  userName?: string;
  engineInfo?: string;
  readVersion?: number;
  isBlindAppend?: boolean;
  /** The commit only gave files new deletion vectors (every add re-adds a path it removes, with a DV). */
  onlyDeletionVectors?: boolean;
}

/** Parallel reads of log files: enough to hide per-request latency on S3 without flooding it. */
const READ_CONCURRENCY = 16;

interface ReadCommit {
  version: number;
  actions: Action[];
  info: ObjectInfo;
}

/**
 * Where the next listing of a table's log starts, by store id: the newest checkpoint seen so far in this
 * process. Listing from there finds every newer commit and checkpoint, so `_last_checkpoint` (one more
 * request) is read only the first time a table is opened. A start that no longer fits (the table was
 * re-created, or its log cleaned up) only costs a full listing: see currentListing and plan.
 */
const listStarts = new Map<string, number>();

export class DeltaTable {
  private constructor(readonly store: ObjectStore) {}

  /**
   * Throws NOT_A_TABLE (naming the location) when `_delta_log/` holds no commit or checkpoint. A log
   * this process has listed before, or a readable `_last_checkpoint` hint, is taken as enough (reads list
   * the log and throw the same error if it is gone): listing a log of 100,000 commits here and again to
   * read a version cost a big table's open a second.
   */
  static async open(store: ObjectStore): Promise<DeltaTable> {
    const table = new DeltaTable(store);
    if (listStarts.has(store.id)) return table;
    const hint = await readLastCheckpointHint(store);
    if (hint === undefined) await table.latestVersion();
    else listStarts.set(store.id, hint);
    return table;
  }

  static async exists(store: ObjectStore): Promise<boolean> {
    return (await new DeltaTable(store).currentListing()) !== undefined;
  }

  async latestVersion(): Promise<number> {
    return latestListedVersion(await this.requireListing())!;
  }

  async snapshot(spec: VersionSpec = {}): Promise<Snapshot> {
    return this.snapshotAt(await this.resolveVersion(spec));
  }

  /** The log segment of a version (see LogSegment): reads the commits after the checkpoint, not the checkpoint. */
  async segment(spec: VersionSpec = {}): Promise<LogSegment> {
    return (await this.segmentPlan(spec)).read();
  }

  /** Which version `spec` names and the log object identifying it, from the listing alone: a cache of segments checks it before reading any commit. */
  async segmentPlan(spec: VersionSpec = {}): Promise<SegmentPlan> {
    const plan = await this.plan(await this.resolveVersion(spec));
    const identity = plan.versionCommit ?? plan.checkpoint!.parts[0];
    return { version: plan.version, identity, read: () => this.readSegment(plan, identity) };
  }

  private async readSegment(plan: ReplayPlan, identity: ObjectInfo): Promise<LogSegment> {
    const parts = plan.checkpoint?.parts ?? [];
    const parquet = parts.every((part) => part.key.endsWith('.parquet'));
    const [checkpointActions, commits] = await Promise.all([
      parquet ? [] : this.readCheckpoint(parts),
      mapWithConcurrency(plan.commits, READ_CONCURRENCY, ({ version, info }) => this.readCommit(version, info)),
    ]);
    const start = plan.checkpoint && !parquet ? [{ version: plan.checkpoint.version, actions: checkpointActions }] : [];
    const tail = replay(emptyState(), [...start, ...commits]);
    tail.version = plan.version;
    return { tableUrl: this.store.url, version: plan.version, checkpointParts: parquet ? parts : [], tail, identity };
  }

  private async resolveVersion(spec: VersionSpec): Promise<number | undefined> {
    if (spec.version !== undefined && (!Number.isSafeInteger(spec.version) || spec.version < 0)) {
      throw new LakebenchError('USAGE', `version must be a whole number ≥ 0, not ${spec.version}`, { object: this.store.url });
    }
    if (spec.version !== undefined && spec.asOf !== undefined) {
      throw new LakebenchError('USAGE', 'give a version or a time to travel to, not both', { object: this.store.url });
    }
    return spec.asOf !== undefined ? this.versionAsOf(spec.asOf) : spec.version;
  }

  /** Every commit still in the log, newest first. */
  async history(): Promise<CommitSummary[]> {
    const listing = await listLog(this.store);
    const commits = await mapWithConcurrency([...listing.commits], READ_CONCURRENCY, ([version, info]) => this.readCommit(version, info));
    return commits
      .map((commit) => commitSummary(commit))
      .sort((a, b) => b.version - a.version);
  }

  /** The listing from the `_last_checkpoint` hint on; the whole log when the hint is missing or stale. */
  private async currentListing(): Promise<LogListing | undefined> {
    const start = listStarts.get(this.store.id) ?? (await readLastCheckpointHint(this.store));
    if (start !== undefined) {
      const listing = await listLog(this.store, start);
      if (latestListedVersion(listing) !== undefined) return this.remember(listing);
    }
    const listing = await listLog(this.store);
    return latestListedVersion(listing) === undefined ? undefined : this.remember(listing);
  }

  private remember(listing: LogListing): LogListing {
    listStarts.set(this.store.id, Math.max(listing.listedFrom, ...listing.checkpoints.keys()));
    return listing;
  }

  private async requireListing(): Promise<LogListing> {
    const listing = await this.currentListing();
    if (!listing) throw this.notATable();
    return listing;
  }

  private notATable(): LakebenchError {
    return new LakebenchError('NOT_A_TABLE', `${this.store.url} is not a Delta table: _delta_log/ has no commit or checkpoint`, {
      object: this.store.url,
    });
  }

  private async plan(version: number | undefined): Promise<ReplayPlan> {
    const listing = await this.requireListing();
    const target = version ?? latestListedVersion(listing)!;
    const urlOf = (key: string) => this.store.urlOf(key);
    return (
      planReplay(listing, target, this.store.url, urlOf) ??
      planReplay(await listLog(this.store), target, this.store.url, urlOf)!
    );
  }

  private async snapshotAt(version: number | undefined): Promise<Snapshot> {
    const plan = await this.plan(version);
    const { checkpoint, versionCommit } = plan;
    const cacheKey = snapshotCacheKey(this.store.id, plan.version, versionCommit ?? checkpoint!.parts[0]);
    const cached = cachedSnapshot(cacheKey);
    if (cached) return cached;
    // When the version is the checkpoint's, its commit file (if still there) is read only for its timestamp.
    const [checkpointActions, commits, ownCommit] = await Promise.all([
      checkpoint ? this.readCheckpoint(checkpoint.parts) : [],
      mapWithConcurrency(plan.commits, READ_CONCURRENCY, ({ version, info }) => this.readCommit(version, info)),
      plan.commits.length === 0 && versionCommit ? this.readCommit(plan.version, versionCommit) : undefined,
    ]);
    const fromCheckpoint = checkpoint ? [{ version: checkpoint.version, actions: checkpointActions }] : [];
    const state = replay(emptyState(), [...fromCheckpoint, ...commits]);
    const last = commits.at(-1) ?? ownCommit;
    const timestamp = last ? commitTimestamp(last) : checkpoint!.parts[0].lastModified.getTime();
    const snapshot = this.toSnapshot(state, timestamp);
    rememberSnapshot(cacheKey, snapshot);
    return snapshot;
  }

  private toSnapshot(state: TableState, timestamp: number): Snapshot {
    const tableUrl = this.store.url;
    if (!state.protocol || !state.metadata) {
      throw new LakebenchError('CORRUPT', `${tableUrl}: the log up to version ${state.version} has no ${state.protocol ? 'metaData' : 'protocol'} action`, {
        object: tableUrl,
      });
    }
    assertReadable(state.protocol, tableUrl, state.metadata);
    return {
      tableUrl,
      version: state.version,
      timestamp,
      protocol: state.protocol,
      metadata: state.metadata,
      schema: parseSchema(state.metadata.schemaString, tableUrl),
      partitionColumns: state.metadata.partitionColumns ?? [],
      columnMapping: columnMappingMode(state.protocol, state.metadata),
      files: [...state.files.values()],
      tombstones: [...state.tombstones.values()],
      txns: Object.fromEntries(state.txns),
      domainMetadata: [...state.domains.values()],
    };
  }

  private async readCheckpoint(parts: ObjectInfo[]): Promise<Action[]> {
    return loadCheckpoint(this.store, parts);
  }

  private async readCommit(version: number, info: ObjectInfo): Promise<ReadCommit> {
    return { version, actions: parseCommit(await this.store.get(info.key), this.store.urlOf(info.key)), info };
  }

  /**
   * The latest version whose commit time is ≤ asOf. Commit times grow with versions (in-commit
   * timestamps guarantee it; writers' clocks nearly do), so a binary search reads ~log2(n) commits
   * instead of all of them.
   */
  private async versionAsOf(asOf: Date): Promise<number> {
    const wanted = asOf.getTime();
    if (Number.isNaN(wanted)) throw new LakebenchError('USAGE', 'the time to travel to is not a valid date', { object: this.store.url });
    const listing = await listLog(this.store);
    const earliest = earliestReadableVersion(listing);
    const latest = latestListedVersion(listing);
    if (earliest === undefined || latest === undefined) throw this.notATable();
    const timeOf = async (version: number): Promise<number> => {
      const info = listing.commits.get(version);
      if (info) return commitTimestamp(await this.readCommit(version, info));
      return listing.checkpoints.get(version)![0].lastModified.getTime();
    };
    const earliestTime = await timeOf(earliest);
    if (earliestTime > wanted) {
      throw new LakebenchError(
        'NOT_FOUND',
        `${this.store.url}: ${asOf.toISOString()} is before the earliest available commit (version ${earliest} at ${new Date(earliestTime).toISOString()}); ${availableRange(listing)}`,
        { object: this.store.url },
      );
    }
    let [low, high] = [earliest, latest]; // invariant: time(low) ≤ wanted
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if ((await timeOf(mid)) <= wanted) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

function commitInfoIn(actions: Action[]): CommitInfo | undefined {
  for (const action of actions) if ('commitInfo' in action) return action.commitInfo;
  return undefined;
}

/** In-commit timestamp when the table has them, else commitInfo.timestamp, else the file's mtime. */
function commitTimestamp(commit: ReadCommit): number {
  const info = commitInfoIn(commit.actions);
  const inCommit = info?.inCommitTimestamp;
  if (typeof inCommit === 'number') return inCommit;
  if (typeof info?.timestamp === 'number') return info.timestamp;
  return commit.info.lastModified.getTime();
}

function commitSummary(commit: ReadCommit): CommitSummary {
  const info = commitInfoIn(commit.actions) ?? {};
  return {
    version: commit.version,
    timestamp: commitTimestamp(commit),
    operation: info.operation ?? 'UNKNOWN',
    ...(info.operationParameters && { operationParameters: info.operationParameters }),
    ...(info.operationMetrics && { operationMetrics: info.operationMetrics }),
    ...(info.userName !== undefined && { userName: info.userName }),
    ...(info.engineInfo !== undefined && { engineInfo: info.engineInfo }),
    ...(info.readVersion !== undefined && { readVersion: info.readVersion }),
    ...(info.isBlindAppend !== undefined && { isBlindAppend: info.isBlindAppend }),
    ...(onlyDeletionVectors(commit.actions) && { onlyDeletionVectors: true }),
  };
}

/** Whether every add re-adds, with a DV, a path the same commit removes, and every remove is such a path. */
function onlyDeletionVectors(actions: Action[]): boolean {
  const adds = actions.flatMap((a) => ('add' in a ? [a.add] : []));
  const removed = new Set(actions.flatMap((a) => ('remove' in a ? [decodedPath(a.remove.path)] : [])));
  const readded = new Set(adds.map((add) => decodedPath(add.path)));
  return adds.length > 0 && adds.every((add) => add.deletionVector && removed.has(decodedPath(add.path))) && [...removed].every((p) => readded.has(p));
}
