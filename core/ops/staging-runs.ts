/**
 * How compact-staging takes every staged record exactly once, whatever crashes. A run:
 *   1. writes a manifest under the staging area naming the sources it consumes (key + ETag), the target
 *      version it read and the `txn` version its commit will carry — before anything else it writes;
 *   2. writes its quarantine object and data files, then commits once, with a `txn` action of one
 *      application id (so two runs that read the same version cannot both commit: Delta's
 *      ConcurrentTransaction rule) and its run id in commitInfo.operationParameters;
 *   3. only then deletes its sources (those still with the listed ETag: a newer object under the same key
 *      is new data) and finally its manifest.
 * Every run starts by settling the manifests it finds (`settleEarlierRuns`): a committed run's sources are
 * deleted instead of ingested again; a run that can no longer commit is discarded with its quarantine.
 * The same protocol serves both targets: a Delta table (`runOutcome`, its `txn`) and the Lakeside layout
 * of the staging bucket itself (compact-staging-lakeside.ts, its `_lakeside_log` entry).
 */
import { newRunId } from './run-id';
import { LakebenchError } from '../errors';
import type { Txn } from '../formats/delta/actions';
import { commitKey } from '../formats/delta/log-files';
import { listLog } from '../formats/delta/log-listing';
import { parseCommit } from '../formats/delta/parse';
import { listRuns, MANIFEST_FORMAT, runManifestKey, type ConsumedSource, type ListedRun, type RunManifest, type StagingTargetLayout } from '../formats/lakeside/run-manifests';
import { sourceEtag, STAGING_DATA_PREFIX } from '../formats/lakeside/staging';

import { conditionalPut, jsonFieldIs } from '../storage/conditional-write';
import type { ObjectStore } from '../storage/types';
import { deleteAllInBatches } from './batch-delete';

/** The `txn.appId` of every compact-staging commit. */
export const STAGING_TXN_APP_ID = 'lakebench-compact-staging';
const QUARANTINE_PREFIX = 'quarantine/';

/**
 * committed: its commit landed; its sources are consumed.
 * superseded: another commit of this application landed after the version it read: it can never commit.
 * open: it has not committed; it may still be running, or have died before its commit.
 */
export type RunOutcome = 'committed' | 'superseded' | 'open';

/** Per kind of target: what a run manifest records of it, and how a user finishes an earlier run into it. */
const TARGET_KINDS: Record<StagingTargetLayout, { recorded?: StagingTargetLayout; rerun: string }> = {
  // Older manifests have no layout: a Delta target keeps writing none, so older versions still read them.
  delta: { rerun: 'run again with that table as the target' },
  lakeside: { recorded: 'lakeside', rerun: 'run again with --lakeside' },
};
/** The target of a manifest that names none (written before Lakeside targets existed). */
const UNNAMED_TARGET: StagingTargetLayout = 'delta';

/** Where runs commit, and how to tell whether an earlier run's commit landed there. */
export interface RunTarget {
  url: string;
  layout: StagingTargetLayout;
  outcomeOf(manifest: RunManifest): Promise<RunOutcome>;
}

/** Earlier runs, as found at the start. */
export interface EarlierRuns {
  /** Sources that committed runs consumed and that are still there (only left in place on a dry run). */
  consumed: Map<string, string>;
  sourcesDeleted: number;
  resumed: number;
  /** Runs that have not committed: once this run commits they never can, and are discarded. */
  open: ListedRun[];
}

/** A new run's manifest, consuming `sources` (as listed) into `target`. */
export function newRunManifest(
  target: Pick<RunTarget, 'url' | 'layout'>,
  readVersion: number,
  txnVersion: number,
  sources: readonly ConsumedSource[],
): RunManifest {
  return {
    format: MANIFEST_FORMAT,
    runId: newRunId(),
    target: target.url,
    ...(TARGET_KINDS[target.layout].recorded && { layout: TARGET_KINDS[target.layout].recorded }),
    readVersion,
    txnVersion,
    createdAt: new Date().toISOString(),
    quarantine: [],
    sources: sources.map(({ key, etag }) => ({ key, etag })),
  };
}

const quarantineKey = (runId: string): string => `${QUARANTINE_PREFIX}${runId}/records.ndjson`;

export function stagingTxn(txnVersion: number, now: number): { txn: Txn } {
  return { txn: { appId: STAGING_TXN_APP_ID, version: txnVersion, lastUpdated: now } };
}

async function writeRunManifest(staging: ObjectStore, manifest: RunManifest): Promise<void> {
  const key = runManifestKey(manifest.runId);
  const isOurs = (bytes: Uint8Array) => jsonFieldIs(bytes, (d) => d.runId, manifest.runId);
  if (!(await conditionalPut(staging, { key, body: JSON.stringify(manifest), isOurs }))) {
    throw new LakebenchError('CONFLICT', 'a run with this id already exists', { object: staging.urlOf(key) });
  }
}

/** Records a run before it writes anything else: its manifest, naming its quarantine object when it has records for one. */
export async function startRun(staging: ObjectStore, manifest: RunManifest, quarantinedRecords: number): Promise<ListedRun> {
  if (quarantinedRecords > 0) manifest.quarantine.push(quarantineKey(manifest.runId));
  await writeRunManifest(staging, manifest);
  return { key: runManifestKey(manifest.runId), manifest };
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
 * Deletes, in batches, the sources that still hold what committed runs consumed (same key, same ETag) and
 * answers how many; any refused stops the run with their keys named (the manifests naming them stay).
 * One listing of `data/` gives every ETag, however many sources.
 */
async function deleteConsumedSources(
  staging: ObjectStore,
  sources: ConsumedSource[],
  onDeleted?: (progress: { done: number; total: number }) => void,
): Promise<number> {
  if (sources.length === 0) return 0;
  const current = new Map<string, string>();
  for await (const info of staging.listAll(STAGING_DATA_PREFIX)) current.set(info.key, sourceEtag(info));
  const consumed = [...new Set(sources.filter((s) => current.get(s.key) === s.etag).map((s) => s.key))];
  await deleteAllInBatches(staging, consumed, 'consumed staged files', { onProgress: onDeleted });
  return consumed.length;
}

/**
 * Finishes what earlier runs left: committed runs' sources are deleted, then their manifests (on a dry run
 * only noted), superseded runs are discarded, open runs are returned for after this run's commit.
 */
export async function settleEarlierRuns(staging: ObjectStore, target: RunTarget, dryRun: boolean): Promise<EarlierRuns> {
  const earlier: EarlierRuns = { consumed: new Map(), sourcesDeleted: 0, resumed: 0, open: [] };
  const committed: ListedRun[] = [];
  const superseded: ListedRun[] = [];
  for (const run of await listRuns(staging)) {
    const manifest = run.manifest;
    if (!manifest) {
      earlier.open.push(run);
      continue;
    }
    const layout = manifest.layout ?? UNNAMED_TARGET;
    if (manifest.target !== target.url || layout !== target.layout) {
      const again = TARGET_KINDS[layout].rerun;
      throw new LakebenchError('USAGE', `an earlier compact-staging run into ${manifest.target} is unfinished; ${again}`, {
        object: staging.urlOf(run.key),
      });
    }
    const outcome = await target.outcomeOf(manifest);
    if (outcome === 'open') earlier.open.push(run);
    else if (outcome === 'committed') committed.push(run);
    else superseded.push(run);
  }
  earlier.resumed = committed.length;
  const consumed = committed.flatMap((run) => run.manifest!.sources);
  if (dryRun) {
    for (const source of consumed) earlier.consumed.set(source.key, source.etag);
    return earlier;
  }
  earlier.sourcesDeleted = await deleteConsumedSources(staging, consumed);
  await deleteAllInBatches(staging, committed.map((run) => run.key), 'manifests of finished runs');
  await discardRuns(staging, superseded);
  return earlier;
}

/** Writes the run's quarantine objects (the keys its manifest lists) and answers their URLs. */
export async function writeQuarantine(staging: ObjectStore, manifest: RunManifest, records: readonly object[]): Promise<string[]> {
  const body = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
  for (const key of manifest.quarantine) await staging.put(key, body);
  return manifest.quarantine.map((key) => staging.urlOf(key));
}

/**
 * After a run's commit: deletes its sources, discards the runs that can no longer commit, then its own
 * manifest. Answers how many sources were deleted.
 */
export async function finishCommittedRun(
  staging: ObjectStore,
  manifest: RunManifest,
  open: ListedRun[],
  onDeleted?: (progress: { done: number; total: number }) => void,
): Promise<number> {
  const deleted = await deleteConsumedSources(staging, manifest.sources, onDeleted);
  await discardRuns(staging, open);
  await staging.delete(runManifestKey(manifest.runId));
  return deleted;
}

/**
 * Removes what runs that never committed wrote under the staging area, in batches: their quarantine, then
 * their manifests (kept, with the keys named, when any quarantine object was refused).
 */
export async function discardRuns(staging: ObjectStore, runs: readonly ListedRun[]): Promise<void> {
  await deleteAllInBatches(staging, runs.flatMap((run) => run.manifest?.quarantine ?? []), 'quarantine objects of unfinished runs');
  await deleteAllInBatches(staging, runs.map((run) => run.key), 'manifests of unfinished runs');
}
