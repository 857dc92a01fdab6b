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
import { listLakesideLog, readLakesideLogEntry, type LakesideAdd } from '../../formats/lakeside/log';
import { reconcileLakeside } from '../../formats/lakeside/reconcile';
import { listStagingSources, readStagingSchema } from '../../formats/lakeside/staging';
import { readStagingRecords } from '../../formats/lakeside/staging-records';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { checkCancelled } from '../table-references';
import { checkDataFiles } from './data-files';
import type { VerifyProblem, VerifyReport } from './problems';

export async function verifyLakeside(store: ObjectStore, options: OpOptions = {}): Promise<VerifyReport> {
  const { problems, live } = await checkLog(store);
  const files = await checkDataFiles(store, [...live.values()].map((a) => ({ path: a.path, size: a.size, numRecords: a.rowCount })), options);
  checkCancelled(options.signal, store);
  const staged = await stagingProblems(store, options);
  const reconcile = await reconcileLakeside(store);
  return {
    location: store.url,
    problems: [...problems, ...files.problems, ...staged],
    checked: files.checked,
    corruption_rate: files.checked.files === 0 ? 0 : files.corruptFiles / files.checked.files,
    orphans: reconcile.orphans.map((o) => o.object),
  };
}

/** Entry by entry, so one unreadable entry is reported and the others still replayed. */
async function checkLog(store: ObjectStore): Promise<{ problems: VerifyProblem[]; live: Map<string, LakesideAdd> }> {
  const problems: VerifyProblem[] = [];
  const live = new Map<string, LakesideAdd>();
  const versions = await listLakesideLog(store);
  for (const [i, { key, version }] of versions.entries()) {
    const previous = versions[i - 1]?.version;
    if (previous !== undefined && version !== previous + 1) {
      problems.push({ object: store.urlOf(key), kind: 'log-gap', detail: `versions ${previous + 1}..${version - 1} are missing` });
    }
    try {
      const entry = await readLakesideLogEntry(store, version);
      for (const r of entry?.remove ?? []) live.delete(r.path);
      for (const a of entry?.add ?? []) live.set(a.path, a);
    } catch (e) {
      if (!isLakebenchError(e, 'CORRUPT')) throw e;
      problems.push({ object: store.urlOf(key), kind: 'log-unparsable', detail: e.message });
    }
  }
  return { problems, live };
}

async function stagingProblems(store: ObjectStore, options: OpOptions): Promise<VerifyProblem[]> {
  const [sources, fields] = await Promise.all([listStagingSources(store), readStagingSchema(store)]);
  if (sources.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'lakebench-verify-staging-'));
  try {
    const staged = await readStagingRecords(store, sources, {
      fields,
      partitionProblem: (source) => (source.partition ? undefined : 'not under a <column>=<value> partition folder'),
      dir,
      checkCancelled: () => checkCancelled(options.signal, store),
    });
    return staged.quarantined.map((r) => ({ object: `${store.urlOf(r.file)}:${r.line}`, kind: 'bad-record', detail: r.error }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
