/**
 * `expire`: log cleanup (PROTOCOL.md, "Metadata Cleanup"). The cut is the newest version committed
 * longer ago than the log retention; every log entry (commit, checkpoint, checksum) of a version before
 * the cut is deleted, and the table stays readable from the cut's checkpoint on. Then v2 checkpoint
 * sidecars that no remaining checkpoint names go, once a day old (younger ones may belong to a
 * checkpoint being written). Data files are not touched: files only the expired versions referenced
 * become orphans for vacuum.
 */
import { checkpointSidecars } from '../formats/delta/checkpoint-read';
import { writeCheckpoint } from '../formats/delta/checkpoint-write';
import { LakebenchError } from '../errors';
import { LOG_DIR, parseLogFileName, SIDECAR_DIR } from '../formats/delta/log-files';
import { earliestReadableVersion, logListingOf, type LogListing } from '../formats/delta/log-listing';
import { DeltaTable } from '../formats/delta/table';
import type { ObjectInfo, ObjectStore } from '../storage/types';
import { deleteInBatches, type FailedDelete } from './batch-delete';
import type { OpOptions } from './maintenance/operations';
import { DEFAULT_LOG_RETENTION_MS, describeRetention, LOG_RETENTION_PROPERTY, tableRetention } from './retention';
import { checkCancelled } from './table-references';
import { writableSnapshot } from './writable-snapshot';

export interface ExpireOptions {
  /** Keep log entries younger than this. Default: the table's delta.logRetentionDuration, else 30 days. */
  logRetentionMs?: number;
  dryRun?: boolean;
  /** The time ages are measured from (default: now). */
  now?: number;
}

export interface ExpireResult {
  /** URLs of the log entries deleted (or, in a dry run, to delete), oldest first. */
  deleted: string[];
  /** The oldest version still readable afterwards. */
  oldestVersion: number;
  dryRun: boolean;
  /** Log entries that could not be deleted (a re-run tries again), each with the store's reason. */
  failed?: FailedDelete[];
  /** The version a checkpoint was written at (or would be, in a dry run) so that the cut is readable. */
  checkpointWritten?: number;
  /** The retention applied. */
  logRetentionMs: number;
  /** "30d (the table's delta.logRetentionDuration, …)", for reports. */
  logRetention: string;
}

/** `_delta_log/<20-digit version>.…`: commits, checkpoint parts, checksums, compacted logs. */
const VERSIONED_LOG_FILE = /^_delta_log\/(\d{20})\.[^/]+$/;
/** A sidecar younger than this may be part of a checkpoint still being written. */
const SIDECAR_GRACE_MS = 86_400_000;

export async function expireLog(store: ObjectStore, options: ExpireOptions & OpOptions): Promise<ExpireResult> {
  const { signal, onProgress, dryRun = false } = options;
  const now = options.now ?? Date.now();
  // Expire may write a checkpoint and deletes log entries: both are writes.
  const latest = await writableSnapshot(store);
  const table = tableRetention(latest.metadata, LOG_RETENTION_PROPERTY, store.url);
  const logRetentionMs = options.logRetentionMs ?? table?.ms ?? DEFAULT_LOG_RETENTION_MS;
  // One listing of the log serves for the versions, the entries to delete and the sidecars.
  const logObjects: ObjectInfo[] = [];
  for await (const info of store.listAll(LOG_DIR)) logObjects.push(info);
  const listing = logListingOf(logObjects);
  const oldest = earliestReadableVersion(listing)!;
  const cut = cutVersion(listing, oldest, now - logRetentionMs);
  const doomed = cut === undefined ? [] : logFilesBefore(logObjects, cut);
  if (doomed.length > 0) doomed.push(await unreferencedSidecars(store, logObjects, listing, cut!, now));
  const result = {
    deleted: doomed.flat().map((key) => store.urlOf(key)),
    oldestVersion: doomed.length > 0 ? cut! : oldest,
    dryRun,
    logRetentionMs,
    logRetention: describeRetention(logRetentionMs, table),
  };
  if (doomed.length === 0) return result;

  // Without a checkpoint at the cut, the versions after it could only be rebuilt from version 0, so
  // nothing before it could go. Writing one there makes the cut exact (an older checkpoint would keep
  // versions the retention lets go — which matters when expire is run to purge old data).
  const checkpointWritten = listing.checkpoints.has(cut!) ? undefined : cut!;
  if (dryRun) return { ...result, checkpointWritten };
  checkCancelled(signal, store);
  if (checkpointWritten !== undefined) {
    await writeCheckpoint(store, await (await DeltaTable.open(store)).snapshot({ version: checkpointWritten }), now);
  }

  // The entries a reader could start from go first: version 0's commit and the checkpoints before the cut.
  // A kill after that leaves only commits no reader can reach (no start at or before them), and every
  // version from the cut's checkpoint on intact, whatever order a batch's deletes take. A start that
  // could not be deleted stops the run: the commits after it must stay for it to read.
  const [starts, rest] = partition(doomed.slice(0, -1).flat(), isReplayStart);
  const progress = { phase: 'delete', done: 0, total: result.deleted.length, bytes: 0 };
  onProgress?.({ ...progress });
  const startFailures = await deleteInBatches(store, starts.map((key) => ({ key })), progress, options);
  if (startFailures.length > 0) {
    const [first] = startFailures;
    throw new LakebenchError('IO', `${store.url}: ${startFailures.length} log entries could not be deleted, so the commits after them stay (first: ${first.object}: ${first.code} ${first.message})`, {
      object: first.object,
    });
  }
  // Sidecars last: only once no checkpoint before the cut can name them any more.
  const failed = [
    ...(await deleteInBatches(store, rest.map((key) => ({ key })), progress, options)),
    ...(await deleteInBatches(store, doomed.at(-1)!.map((key) => ({ key })), progress, options)),
  ];
  return { ...result, checkpointWritten, ...(failed.length > 0 && { failed }) };
}

/** Version 0's commit and checkpoint parts: the log entries a replay can start from. */
function isReplayStart(key: string): boolean {
  const name = parseLogFileName(key);
  return name.kind === 'checkpoint' || (name.kind === 'commit' && name.version === 0);
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

/**
 * The newest version committed at or before `cutoff`, among the readable ones. Commit times are the
 * log files' modification times made strictly increasing (as Spark does), so a clock step back on
 * one writer cannot put the cut after a younger version.
 */
function cutVersion(listing: LogListing, oldest: number, cutoff: number): number | undefined {
  const versions = [...new Set([...listing.commits.keys(), ...listing.checkpoints.keys()])].filter((v) => v >= oldest).sort((a, b) => a - b);
  let cut: number | undefined;
  let previous = Number.NEGATIVE_INFINITY;
  for (const version of versions) {
    const info = listing.commits.get(version) ?? listing.checkpoints.get(version)![0];
    previous = Math.max(info.lastModified.getTime(), previous + 1);
    if (previous > cutoff) break;
    cut = version;
  }
  return cut;
}

/** Sidecars older than a day that no checkpoint from `cut` on names (checkpoints are read only when there are sidecars). */
async function unreferencedSidecars(store: ObjectStore, logObjects: ObjectInfo[], listing: LogListing, cut: number, now: number): Promise<string[]> {
  const sidecars = logObjects.filter((info) => info.key.startsWith(SIDECAR_DIR));
  if (sidecars.length === 0) return [];
  const kept = new Set<string>();
  for (const [version, parts] of listing.checkpoints) {
    if (version >= cut) for (const key of await checkpointSidecars(store, parts)) kept.add(key);
  }
  return sidecars.filter((info) => !kept.has(info.key) && now - info.lastModified.getTime() >= SIDECAR_GRACE_MS).map((info) => info.key);
}

/** Keys of the log files of versions before `cut`, grouped by version, oldest first. */
function logFilesBefore(logObjects: ObjectInfo[], cut: number): string[][] {
  const byVersion = new Map<number, string[]>();
  for (const info of logObjects) {
    const match = VERSIONED_LOG_FILE.exec(info.key);
    const version = match ? Number(match[1]) : undefined;
    if (version === undefined || version >= cut) continue;
    byVersion.set(version, [...(byVersion.get(version) ?? []), info.key]);
  }
  return [...byVersion].sort(([a], [b]) => a - b).map(([, keys]) => keys);
}
