/**
 * `verify` of a Lakeside bucket (formats.md §2): every `_lakeside_log` entry parses and the versions have
 * no gap; the compacted Parquet files the log holds live exist with their logged size and row count and
 * pass the Parquet file checks; every staged record fits `schema/schema.json` (those that do not are named
 * by file and line — compact-staging would quarantine them). Files the log removed or never added are
 * orphans, listed as the reconcile report lists them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLakebenchError } from '../../errors';
import { listLakesideLog, parseLakesideLogEntry, replayLakesideLog, type LakesideLogEntry, type LakesideState } from '../../formats/lakeside/log';
import { reconcileLakeside } from '../../formats/lakeside/reconcile';
import { pendingSources } from '../../formats/lakeside/run-manifests';
import { listStagingSources, notPartitioned, readStagingSchema } from '../../formats/lakeside/staging';
import { readStagingRecords } from '../../formats/lakeside/staging-records';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { checkCancelled } from '../table-references';
import { checkDataFiles, corruptionRate } from './data-files';
import type { VerifyProblem, VerifyReport } from './problems';

export async function verifyLakeside(store: ObjectStore, options: OpOptions = {}): Promise<VerifyReport> {
  const { problems, state } = await checkLog(store);
  const files = await checkDataFiles(store, [...state.live.values()].map((a) => ({ path: a.path, size: a.size, numRecords: a.rowCount })), options);
  checkCancelled(options.signal, store);
  const [staged, reconcile] = await Promise.all([stagingProblems(store, state, options), reconcileLakeside(store, state)]);
  return {
    location: store.url,
    problems: [...problems, ...files.problems, ...staged],
    checked: files.checked,
    corruption_rate: corruptionRate(files),
    orphans: reconcile.orphans.map((o) => o.object),
  };
}

/** Entry by entry, so one unreadable entry is reported and the others still replayed. */
async function checkLog(store: ObjectStore): Promise<{ problems: VerifyProblem[]; state: LakesideState }> {
  const problems: VerifyProblem[] = [];
  const versions = await listLakesideLog(store);
  for (const [i, { key, version }] of versions.entries()) {
    const previous = versions[i - 1]?.version;
    if (previous !== undefined && version !== previous + 1) {
      problems.push({ object: store.urlOf(key), kind: 'log-gap', detail: `versions ${previous + 1}..${version - 1} are missing` });
    }
  }
  const parsed = await mapWithConcurrency(versions, 16, async ({ key, version }) => {
    try {
      return parseLakesideLogEntry(await store.get(key), version, store.urlOf(key));
    } catch (e) {
      if (!isLakebenchError(e, 'CORRUPT')) throw e;
      problems.push({ object: store.urlOf(key), kind: 'log-unparsable', detail: e.message });
      return undefined;
    }
  });
  return { problems, state: replayLakesideLog(parsed.filter((e): e is LakesideLogEntry => e !== undefined)) };
}

/** Records still staged (not taken by a logged run) that do not fit the schema. */
async function stagingProblems(store: ObjectStore, state: LakesideState, options: OpOptions): Promise<VerifyProblem[]> {
  const [listed, fields] = await Promise.all([listStagingSources(store), readStagingSchema(store)]);
  const sources = await pendingSources(store, state, listed);
  if (sources.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'lakebench-verify-staging-'));
  try {
    const staged = await readStagingRecords(store, sources, {
      fields,
      partitionProblem: notPartitioned,
      dir,
      checkCancelled: () => checkCancelled(options.signal, store),
    });
    return staged.quarantined.map((r) => ({ object: `${store.urlOf(r.file)}:${r.line}`, kind: 'bad-record', detail: r.error }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
