import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { commitKey } from '../../core/formats/delta/log-files';
import { DeltaTable } from '../../core/formats/delta/table';
import { expireLog } from '../../core/ops/expire';
import { LocalStore } from '../../core/storage/local';
import { appendCsv, DAY, filesUnder, ids, setModified, setTableProperties } from '../helpers/maintenance-table';

/** Versions 0..11, one row `id = v` each; the commit writer checkpoints version 10 on its own. */
const LATEST = 11;
let template: string;
let dir: string;
let tableDir: string;
let store: LocalStore;
/** Commit v was made at base + v days. */
let base: number;

beforeAll(async () => {
  template = await mkdtemp(path.join(os.tmpdir(), 'lakebench-expire-template-'));
  const templateStore = new LocalStore(path.join(template, 'table'));
  for (let v = 0; v <= LATEST; v++) await appendCsv(templateStore, template, `id\n${v}\n`);
});
afterAll(async () => {
  await rm(template, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-expire-'));
  tableDir = path.join(dir, 'table');
  await cp(path.join(template, 'table'), tableDir, { recursive: true });
  store = new LocalStore(tableDir);
  base = Date.now() - 100 * DAY;
  for (let v = 0; v <= LATEST; v++) await setModified(path.join(tableDir, commitKey(v)), base + v * DAY);
  return () => rm(dir, { recursive: true, force: true });
});

const logFiles = async () => (await filesUnder(tableDir)).filter((key) => key.startsWith('_delta_log/'));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const lastCheckpoint = async () => JSON.parse(await readFile(path.join(tableDir, '_delta_log', '_last_checkpoint'), 'utf8')).version;

async function expectReadableFrom(oldest: number): Promise<void> {
  for (const v of range(oldest, LATEST)) expect(await ids(store, v)).toEqual(range(0, v));
  const expired = await ids(store, oldest - 1).catch((e: Error) => e);
  expect(isLakebenchError(expired, 'NOT_FOUND')).toBe(true);
  expect((expired as Error).message).toContain(`version ${oldest - 1} is no longer readable`);
  expect((expired as Error).message).toContain(`available versions: ${oldest}..${LATEST}`);
}

describe('expireLog', () => {
  it('deletes the entries before the cut, writing a checkpoint at the cut first; every later version still reads', async () => {
    const now = base + 20 * DAY; // 15 days of retention: the cut is version 5
    const plan = await expireLog(store, { logRetentionMs: 15 * DAY, now, dryRun: true });
    expect(plan).toMatchObject({ oldestVersion: 5, checkpointWritten: 5, dryRun: true, logRetentionMs: 15 * DAY });
    expect(plan.deleted).toEqual(range(0, 4).map((v) => store.urlOf(commitKey(v))));
    const before = await logFiles();
    expect(before).not.toContain('_delta_log/00000000000000000005.checkpoint.parquet');

    const done = await expireLog(store, { logRetentionMs: 15 * DAY, now });
    expect(done).toEqual({ ...plan, dryRun: false });
    expect(await logFiles()).toEqual(
      [...before.filter((key) => !range(0, 4).some((v) => key === commitKey(v))), '_delta_log/00000000000000000005.checkpoint.parquet'].sort(),
    );
    expect(await lastCheckpoint()).toBe(10); // the older checkpoint does not move the hint back
    await expectReadableFrom(5);
    const history = await (await DeltaTable.open(store)).history();
    expect(history.map((c) => c.version)).toEqual(range(5, LATEST).reverse());

    const again = await expireLog(store, { logRetentionMs: 15 * DAY, now });
    expect(again).toMatchObject({ deleted: [], oldestVersion: 5 });
  });

  it('cuts at an existing checkpoint without writing one, deleting older checkpoints too', async () => {
    await expireLog(store, { logRetentionMs: 15 * DAY, now: base + 20 * DAY });
    const result = await expireLog(store, { logRetentionMs: 15 * DAY, now: base + 25 * DAY }); // cut: 10
    expect(result.checkpointWritten).toBeUndefined();
    expect(result.oldestVersion).toBe(10);
    expect(result.deleted.map((url) => path.relative(tableDir, url))).toEqual([
      '_delta_log/00000000000000000005.checkpoint.parquet',
      '_delta_log/00000000000000000005.json',
      ...range(6, 9).map(commitKey),
    ]);
    await expectReadableFrom(10);
  });

  it('keeps everything younger than the retention, and never the latest version', async () => {
    expect(await expireLog(store, { logRetentionMs: 200 * DAY, now: base + 20 * DAY })).toMatchObject({ deleted: [], oldestVersion: 0 });
    const all = await expireLog(store, { logRetentionMs: DAY, now: base + 1000 * DAY });
    expect(all.oldestVersion).toBe(LATEST);
    expect(all.checkpointWritten).toBe(LATEST);
    expect(await ids(store)).toEqual(range(0, LATEST));
  });

  it('a kill after the entries a reader starts from leaves a log that reads from the cut on, and a re-run finishes', async () => {
    const abort = new AbortController();
    const cancelled = await expireLog(store, {
      logRetentionMs: 15 * DAY,
      now: base + 20 * DAY,
      signal: abort.signal,
      // The first batch holds only version 0's commit (no checkpoint is older than the cut): stop after it.
      onProgress: (p) => p.phase === 'delete' && p.done === 1 && abort.abort(),
    }).catch((e: unknown) => e);
    expect(isLakebenchError(cancelled, 'CANCELLED')).toBe(true);
    expect(await logFiles()).not.toContain(commitKey(0));
    expect(await logFiles()).toEqual(expect.arrayContaining(range(1, 4).map(commitKey)));
    await expectReadableFrom(5); // commits 1..4 are left, but nothing can start a replay before the cut
    const finished = await expireLog(store, { logRetentionMs: 15 * DAY, now: base + 20 * DAY });
    expect(finished.deleted.map((url) => path.relative(tableDir, url))).toEqual(range(1, 4).map(commitKey));
    await expectReadableFrom(5);
  });

  it('deletes older checkpoints before the commits after them', async () => {
    await expireLog(store, { logRetentionMs: 15 * DAY, now: base + 20 * DAY }); // checkpoint at 5, log from 5
    const abort = new AbortController();
    const cancelled = await expireLog(store, {
      logRetentionMs: 15 * DAY,
      now: base + 25 * DAY, // cut: 10
      signal: abort.signal,
      onProgress: (p) => p.phase === 'delete' && p.done > 0 && abort.abort(),
    }).catch((e: unknown) => e);
    expect(isLakebenchError(cancelled, 'CANCELLED')).toBe(true);
    expect(await logFiles()).not.toContain('_delta_log/00000000000000000005.checkpoint.parquet');
    expect(await logFiles()).toEqual(expect.arrayContaining(range(5, 9).map(commitKey)));
    await expectReadableFrom(10);
  });

  it('takes delta.logRetentionDuration as the default retention', async () => {
    await setTableProperties(store, { 'delta.logRetentionDuration': 'interval 15 days' }); // version 12, made now
    const result = await expireLog(store, { now: base + 20 * DAY, dryRun: true });
    expect(result).toMatchObject({ oldestVersion: 5, logRetentionMs: 15 * DAY });
    expect(result.logRetention).toBe(`15d (the table's delta.logRetentionDuration, "interval 15 days")`);
  });
});
