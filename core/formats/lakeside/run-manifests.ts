/**
 * The run manifests compact-staging writes under a staging bucket (`_lakebench/staging-runs/<runId>.json`):
 * which sources (key + ETag) a run consumes, written before anything else it writes. The protocol that
 * uses them is core/ops/staging-runs.ts; the real-time view reads them too, to leave out the sources a
 * logged run has consumed but not deleted yet.
 */
import type { ObjectStore } from '../../storage/types';
import type { LakesideState } from './log';
import type { StagingSource } from './staging';

const RUNS_PREFIX = '_lakebench/staging-runs/';
export const MANIFEST_FORMAT = 'lakebench-staging-run/1';

export type StagingTargetLayout = 'delta' | 'lakeside';

export interface ConsumedSource {
  key: string;
  etag: string;
}

export interface RunManifest {
  format: typeof MANIFEST_FORMAT;
  runId: string;
  /** URL of the target table (for the Lakeside layout: the staging bucket itself). */
  target: string;
  /** What the run commits to; absent in manifests written before Lakeside targets existed: a Delta table. */
  layout?: StagingTargetLayout;
  /** The target version the run read (-1: the table or log did not exist). */
  readVersion: number;
  /** Delta: the version of the run's `txn` action; Lakeside: the `_lakeside_log` version it commits as. */
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

export const runManifestKey = (runId: string): string => `${RUNS_PREFIX}${runId}.json`;

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
 * The staged sources still to compact: those listed, less the ones a run already logged in
 * `_lakeside_log` took but has not deleted yet (runs name themselves in the entry's metadata) — else
 * they would count twice.
 */
export async function pendingSources(store: ObjectStore, state: LakesideState, listed: StagingSource[]): Promise<StagingSource[]> {
  const logged = new Set(state.entries.map((e) => e.metadata?.runId).filter((id): id is string => typeof id === 'string'));
  if (logged.size === 0) return listed;
  const runs = await listRuns(store);
  const consumed = new Set(runs.flatMap((r) => (r.manifest && logged.has(r.manifest.runId) ? r.manifest.sources.map((s) => `${s.key}\n${s.etag}`) : [])));
  return listed.filter((s) => !consumed.has(`${s.key}\n${s.etag}`));
}
