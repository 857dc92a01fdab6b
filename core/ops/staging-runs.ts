/**
 * How compact-staging takes every staged record exactly once, whatever crashes. A run:
 *   1. writes a manifest under the staging area naming the sources it consumes (key + ETag), the target
 *      version it read and the `txn` version its commit will carry — before anything else it writes;
 *   2. writes its quarantine object and data files, then commits once, with a `txn` action of one
 *      application id (so two runs that read the same version cannot both commit: Delta's
 *      ConcurrentTransaction rule) and its run id in commitInfo.operationParameters;
 *   3. only then deletes its sources (those still with the listed ETag: a newer object under the same key
 *      is new data) and finally its manifest.
 * Every run starts by settling the manifests it finds (`runOutcome`): a committed run's sources are
 * deleted instead of ingested again; a run that can no longer commit is discarded with its quarantine.
 */
import { randomBytes } from 'node:crypto';
import { LakebenchError } from '../errors';
import type { Txn } from '../formats/delta/actions';
import { commitKey } from '../formats/delta/log-files';
import { listLog } from '../formats/delta/log-listing';
import { parseCommit } from '../formats/delta/parse';
import { sourceEtag, STAGING_DATA_PREFIX } from '../formats/lakeside/staging';
import { mapWithConcurrency } from '../storage/concurrency';
import type { ObjectStore } from '../storage/types';

/** The `txn.appId` of every compact-staging commit. */
export const STAGING_TXN_APP_ID = 'lakebench-compact-staging';
const RUNS_PREFIX = '_lakebench/staging-runs/';
const QUARANTINE_PREFIX = 'quarantine/';
const MANIFEST_FORMAT = 'lakebench-staging-run/1';
const DELETE_CONCURRENCY = 16;

export interface ConsumedSource {
  key: string;
  etag: string;
}

export interface RunManifest {
  format: typeof MANIFEST_FORMAT;
  runId: string;
  /** URL of the target table. */
  target: string;
  /** The target version the run read (-1: the table did not exist). */
  readVersion: number;
  /** The version of the run's `txn` action. */
  txnVersion: number;
  createdAt: string;
  /** Quarantine objects the run writes (keys under the staging area). */
  quarantine: string[];
  sources: ConsumedSource[];
}

export interface ListedRun {
  key: string;
  /** Undefined when the manifest cannot be read (its write was cut short: the run never committed). */
  manifest?: RunManifest;
}

/**
 * committed: its commit landed; its sources are consumed.
 * superseded: another commit of this application landed after the version it read: it can never commit.
 * open: it has not committed; it may still be running, or have died before its commit.
 */
export type RunOutcome = 'committed' | 'superseded' | 'open';

/** Sortable by start time, unique: `20261123T081500123Z-1a2b3c4d`. */
export function newRunId(now = Date.now()): string {
  return `${new Date(now).toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
}

export const runManifestKey = (runId: string): string => `${RUNS_PREFIX}${runId}.json`;
export const quarantineKey = (runId: string): string => `${QUARANTINE_PREFIX}${runId}/records.ndjson`;

export function stagingTxn(txnVersion: number, now: number): { txn: Txn } {
  return { txn: { appId: STAGING_TXN_APP_ID, version: txnVersion, lastUpdated: now } };
}

export async function writeRunManifest(staging: ObjectStore, manifest: RunManifest): Promise<void> {
  const key = runManifestKey(manifest.runId);
  if (!(await staging.putIfAbsent(key, JSON.stringify(manifest)))) {
    throw new LakebenchError('CONFLICT', 'a run with this id already exists', { object: staging.urlOf(key) });
  }
}

export async function listRuns(staging: ObjectStore): Promise<ListedRun[]> {
  const runs: ListedRun[] = [];
  for await (const info of staging.listAll(RUNS_PREFIX)) {
    if (!info.key.endsWith('.json')) continue;
    let manifest: RunManifest | undefined;
    try {
      const parsed = JSON.parse(new TextDecoder().decode(await staging.get(info.key))) as RunManifest;
      if (parsed?.format === MANIFEST_FORMAT) manifest = parsed;
    } catch {
      manifest = undefined;
    }
    runs.push({ key: info.key, manifest });
  }
  return runs;
}

/**
 * Whether a run committed, given the target's current `txn` version of this application (-1 for none).
 * When a txn of ours landed after the version the run read, the first such commit decides: a run can
 * only commit while no other one has since that version.
 */
export async function runOutcome(target: ObjectStore, currentTxnVersion: number, manifest: RunManifest): Promise<RunOutcome> {
  if (currentTxnVersion < manifest.txnVersion) return 'open';
  const first = manifest.readVersion + 1;
  const { commits } = await listLog(target, first);
  for (let version = first; commits.has(version); version++) {
    const key = commitKey(version);
    const actions = parseCommit(await target.get(key), target.urlOf(key));
    if (!actions.some((a) => 'txn' in a && a.txn.appId === STAGING_TXN_APP_ID)) continue;
    const info = actions.find((a) => 'commitInfo' in a);
    const runId = info && 'commitInfo' in info ? info.commitInfo.operationParameters?.runId : undefined;
    return runId === manifest.runId ? 'committed' : 'superseded';
  }
  throw new LakebenchError(
    'CONFLICT',
    `cannot tell whether compact-staging run ${manifest.runId} committed: the log entries after version ` +
      `${manifest.readVersion} are gone (expired). Check the table for its records, then delete the manifest`,
    { object: target.url },
  );
}

/**
 * Deletes the sources that still hold what a committed run consumed (same key, same ETag) and answers how
 * many. One listing of `data/` gives every ETag, however many sources.
 */
export async function deleteConsumedSources(
  staging: ObjectStore,
  sources: ConsumedSource[],
  onDeleted?: (progress: { done: number; total: number }) => void,
): Promise<number> {
  if (sources.length === 0) return 0;
  const current = new Map<string, string>();
  for await (const info of staging.listAll(STAGING_DATA_PREFIX)) current.set(info.key, sourceEtag(info));
  const consumed = sources.filter((s) => current.get(s.key) === s.etag);
  let done = 0;
  await mapWithConcurrency(consumed, DELETE_CONCURRENCY, async ({ key }) => {
    await staging.delete(key);
    onDeleted?.({ done: ++done, total: consumed.length });
  });
  return consumed.length;
}

/** Removes what a run that never committed wrote under the staging area: its quarantine, then its manifest. */
export async function discardRun(staging: ObjectStore, run: ListedRun): Promise<void> {
  for (const key of run.manifest?.quarantine ?? []) await staging.delete(key);
  await staging.delete(run.key);
}
