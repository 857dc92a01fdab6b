/**
 * Delta commits with optimistic concurrency (PROTOCOL.md, "Optimistic concurrency"): the next log
 * entry is created with put-if-absent; a writer that loses the race reads the winning commit(s),
 * decides whether its own commit still holds (Delta's conflict rules, below) and, if it does,
 * tries again after the newest version.
 *
 * Every commit carries a fresh `commitInfo.txnId`. A put-if-absent whose answer was lost is settled by
 * reading the entry back (storage/conditional-write.ts): our txnId there means the commit landed, so it
 * is never reported as a conflict nor applied again at the next version.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { version as lakebenchVersion } from '../../../package.json';
import { LakebenchError } from '../../errors';
import { mapWithConcurrency } from '../../storage/concurrency';
import { conditionalPut } from '../../storage/conditional-write';
import type { ObjectStore } from '../../storage/types';
import type { Action, CommitInfo } from './actions';
import { writeCheckpoint } from './checkpoint-write';
import { commitKey } from './log-files';
import { listLog } from './log-listing';
import { parseCommit, serializeActions } from './parse';
import { DeltaTable } from './table';

export type PartitionValues = Record<string, string | null>;

export interface CommitRequest {
  /** The commit's actions, without commitInfo (added here). */
  actions: Action[];
  /** The version this transaction read; -1 for a new table. */
  readVersion: number;
  /** WRITE, DELETE, MERGE, CREATE TABLE, OPTIMIZE … (shown by DESCRIBE HISTORY). */
  operation: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  /** Only adds files, decided without reading the table: never conflicts with concurrent adds. */
  isBlindAppend: boolean;
  /** Files this transaction read (decided its output from); a concurrent remove of any ⇒ conflict. */
  readFiles?: string[];
  /**
   * Partitions (values maps; a map may name only some partition columns) it read, or 'all'; a
   * concurrent dataChange add there ⇒ conflict for non-blind commits. Default for a non-blind
   * commit: 'all'. Pass [] for a commit that read no partition as a whole (e.g. compaction).
   */
  readPartitions?: PartitionValues[] | 'all';
  /** Lost put-if-absent attempts to tolerate before giving up (default 20). */
  maxRetries?: number;
  /** The table's `delta.checkpointInterval` (default 10): a checkpoint follows every so many versions. */
  checkpointInterval?: number;
  /**
   * With in-commit timestamps on: the previous version's inCommitTimestamp. The commit then records its
   * own, later than that one (PROTOCOL.md, "In-Commit Timestamps").
   */
  inCommitTimestampAfter?: number;
}

export interface CommitResult {
  version: number;
  /** Put-if-absent attempts lost to concurrent writers before this one landed. */
  retries: number;
}

const DEFAULT_MAX_RETRIES = 20;
/** Spark's default `delta.checkpointInterval`. */
const CHECKPOINT_INTERVAL = 10;
const MAX_BACKOFF_MS = 25;
/** Winning commits read at once after a lost race. */
const READ_CONCURRENCY = 8;
const ENGINE_INFO = `Lakebench/${lakebenchVersion}`;

export async function commit(store: ObjectStore, request: CommitRequest): Promise<CommitResult> {
  const maxRetries = request.maxRetries ?? DEFAULT_MAX_RETRIES;
  const txnId = randomUUID();
  let version = request.readVersion + 1;
  let previousTimestamp = request.inCommitTimestampAfter;
  for (let retries = 0; ; retries++) {
    const entry = serializeActions([{ commitInfo: commitInfo(request, txnId, previousTimestamp) }, ...request.actions]);
    const key = commitKey(version);
    if (await conditionalPut(store, { key, body: entry, isOurs: (bytes) => txnIdOf(bytes, store.urlOf(key)) === txnId })) {
      if (version > 0 && version % (request.checkpointInterval ?? CHECKPOINT_INTERVAL) === 0) await checkpointQuietly(store, version);
      return { version, retries };
    }
    if (request.readVersion < 0) {
      throw new LakebenchError('CONFLICT', `${store.url}: table was created concurrently (version 0 exists)`, {
        object: store.urlOf(commitKey(0)),
      });
    }
    const since = await assertNoConflictSince(store, version, request, txnId);
    // Belt and braces: a commit of ours that landed where we believed we lost is ours, not a winner.
    if ('ours' in since) return { version: since.ours, retries };
    const latest = since.latest;
    if (previousTimestamp !== undefined) previousTimestamp = since.inCommitTimestamp ?? previousTimestamp;
    if (retries >= maxRetries) {
      throw new LakebenchError('CONFLICT', `${store.url}: gave up after losing ${retries + 1} commit races (latest: version ${latest})`, {
        object: store.urlOf(commitKey(latest)),
      });
    }
    // A short jittered pause so that writers racing in lockstep spread out.
    await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** retries));
    version = latest + 1;
  }
}

/**
 * Checks every commit from `taken` (known to exist) to the newest one against the request and
 * returns the newest version (and its in-commit timestamp, when it has one) — or the version of one
 * that carries our own txnId. Catching up on all of them at once, rather than one version per attempt,
 * keeps a writer that fell behind from being outrun for ever by a faster one.
 */
async function assertNoConflictSince(
  store: ObjectStore,
  taken: number,
  request: CommitRequest,
  txnId: string,
): Promise<{ latest: number; inCommitTimestamp?: number } | { ours: number }> {
  const listed = (await listLog(store, taken)).commits;
  let latest = taken;
  while (listed.has(latest + 1)) latest++;
  const versions = Array.from({ length: latest - taken + 1 }, (_, i) => taken + i);
  const winners = await mapWithConcurrency(versions, READ_CONCURRENCY, async (version) => {
    const key = commitKey(version);
    return parseCommit(await store.get(key), store.urlOf(key));
  });
  const own = winners.findIndex((winner) => winner.some((a) => 'commitInfo' in a && a.commitInfo.txnId === txnId));
  if (own >= 0) return { ours: versions[own]! };
  winners.forEach((winner, i) => {
    const conflict = findConflict(winner, request);
    if (conflict) {
      const key = commitKey(versions[i]);
      throw new LakebenchError('CONFLICT', `${store.url}: concurrent commit ${versions[i]} ${conflict}; read the table again and retry`, {
        object: store.urlOf(key),
      });
    }
  });
  const newest = winners.at(-1)?.find((a) => 'commitInfo' in a) as { commitInfo: CommitInfo } | undefined;
  const inCommitTimestamp = newest?.commitInfo.inCommitTimestamp;
  return { latest, ...(typeof inCommitTimestamp === 'number' && { inCommitTimestamp }) };
}

/** The commitInfo.txnId of a log entry's bytes. */
function txnIdOf(bytes: Uint8Array, object: string): unknown {
  const info = parseCommit(bytes, object).find((a) => 'commitInfo' in a);
  return info && 'commitInfo' in info ? info.commitInfo.txnId : undefined;
}

function commitInfo(request: CommitRequest, txnId: string, previousTimestamp: number | undefined): CommitInfo {
  const now = Date.now();
  return {
    timestamp: now,
    ...(previousTimestamp !== undefined && { inCommitTimestamp: Math.max(now, previousTimestamp + 1) }),
    operation: request.operation,
    operationParameters: stringValues(request.operationParameters),
    ...(request.operationMetrics && { operationMetrics: stringValues(request.operationMetrics) }),
    ...(request.readVersion >= 0 && { readVersion: request.readVersion }),
    isBlindAppend: request.isBlindAppend,
    engineInfo: ENGINE_INFO,
    txnId,
  };
}

/** Spark reads operationParameters/operationMetrics as map<string,string>: other JSON values break DESCRIBE HISTORY. */
function stringValues(values: Record<string, unknown> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/**
 * Delta's conflict rules for a commit that lost the race to `winner`; returns why it conflicts, or
 * undefined when it can go on top of it.
 */
export function findConflict(winner: Action[], request: CommitRequest): string | undefined {
  const ourRemoves = new Set(request.actions.flatMap((a) => ('remove' in a ? [a.remove.path] : [])));
  const readFiles = new Set(request.readFiles ?? []);
  const ourTxnApps = new Set(request.actions.flatMap((a) => ('txn' in a ? [a.txn.appId] : [])));
  const readPartitions = request.readPartitions ?? 'all';
  for (const action of winner) {
    if ('protocol' in action) return 'changed the protocol'; // ProtocolChangedException
    if ('metaData' in action) return 'changed the table metadata (schema, partitioning or properties)'; // MetadataChangedException
    if ('remove' in action) {
      const path = action.remove.path;
      if (ourRemoves.has(path)) return `also removed ${path}`; // ConcurrentDeleteDeleteException
      if (readFiles.has(path)) return `removed ${path}, which this commit read`; // ConcurrentDeleteReadException
    }
    if ('add' in action && action.add.dataChange && !request.isBlindAppend) {
      if (readPartitions === 'all' || readPartitions.some((p) => inPartition(action.add.partitionValues, p))) {
        return `added ${action.add.path} where this commit read`; // ConcurrentAppendException
      }
    }
    if ('txn' in action && ourTxnApps.has(action.txn.appId)) {
      return `committed a transaction of application ${action.txn.appId}`; // ConcurrentTransactionException
    }
  }
  return undefined;
}

/** Whether a file's partition values fall in a (possibly partial) read partition; '' and null both mean null. */
function inPartition(values: PartitionValues, partition: PartitionValues): boolean {
  return Object.entries(partition).every(([column, value]) => (values[column] || null) === (value || null));
}

/** Checkpoints speed readers up but are never required: a failure here must not fail the commit. */
async function checkpointQuietly(store: ObjectStore, version: number): Promise<void> {
  try {
    const snapshot = await (await DeltaTable.open(store)).snapshot({ version });
    await writeCheckpoint(store, snapshot);
  } catch (e) {
    console.error(`lakebench: checkpoint of ${store.url} at version ${version} not written: ${(e as Error).message}`);
  }
}
