import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { deleteWhere } from '../../core/ops/delete';
import { vacuumTable } from '../../core/ops/vacuum';
import { LocalStore } from '../../core/storage/local';
import { failure } from '../helpers/failure';
import { appendCsv, DAY, filesUnder, ids, liveKeys, setModified, setTableProperties } from '../helpers/maintenance-table';

let dir: string;
let tableDir: string;
let store: LocalStore;
/** Files the delete below removed (tombstoned at version 3). */
let tombstoned: string[];
const STRAY = 'part-stray-from-a-failed-write.parquet';

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-vacuum-'));
  tableDir = path.join(dir, 'table');
  store = new LocalStore(tableDir);
  await appendCsv(store, dir, 'id,v\n1,a\n2,b\n');
  await appendCsv(store, dir, 'id,v\n3,c\n4,d\n');
  await appendCsv(store, dir, 'id,v\n5,e\n6,f\n');
  const before = await liveKeys(store);
  await deleteWhere(store, 'id IN (2, 3)'); // rewrites two of the three files
  const after = await liveKeys(store);
  tombstoned = before.filter((key) => !after.includes(key));
  await writeFile(path.join(tableDir, STRAY), 'not committed');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const keysOf = (result: { deleted: { object: string }[] }) => result.deleted.map((d) => path.relative(tableDir, d.object)).sort();

describe('vacuumTable', () => {
  it('a dry run lists the old tombstoned files and orphans and deletes nothing; the real run deletes exactly those', async () => {
    const files = await filesUnder(tableDir);
    const rows = await ids(store);
    const now = Date.now() + 8 * DAY;
    const plan = await vacuumTable(store, { retentionMs: 7 * DAY, dryRun: true, now });
    expect(plan.dryRun).toBe(true);
    expect(keysOf(plan)).toEqual([...tombstoned, STRAY].sort());
    expect(plan.deleted.filter((d) => d.reason === 'orphan').map((d) => d.object)).toEqual([store.urlOf(STRAY)]);
    expect(plan.bytes).toBe(plan.deleted.reduce((sum, d) => sum + d.size, 0));
    expect(await filesUnder(tableDir)).toEqual(files);

    const done = await vacuumTable(store, { retentionMs: 7 * DAY, now });
    expect({ ...done, dryRun: true }).toEqual(plan);
    expect(await filesUnder(tableDir)).toEqual(files.filter((key) => ![...tombstoned, STRAY].includes(key)));
    expect(await ids(store)).toEqual(rows);
    // Versions that read the deleted files are gone with them; a second run finds nothing more.
    expect((await vacuumTable(store, { retentionMs: 7 * DAY, now })).deleted).toEqual([]);
  });

  it('keeps files removed or written within the retention: a concurrent writer’s fresh upload survives', async () => {
    const result = await vacuumTable(store, { retentionMs: 7 * DAY });
    expect(result.deleted).toEqual([]);
    // 8 days on, only what is older than 7 days goes: the stray file aged, a second fresh one not.
    await setModified(path.join(tableDir, STRAY), Date.now() - 2 * DAY);
    await writeFile(path.join(tableDir, 'part-uploading-now.parquet'), 'in flight');
    await setModified(path.join(tableDir, 'part-uploading-now.parquet'), Date.now() + 7 * DAY);
    const later = await vacuumTable(store, { retentionMs: 7 * DAY, dryRun: true, now: Date.now() + 8 * DAY });
    expect(keysOf(later)).toEqual([...tombstoned, STRAY].sort());
  });

  it('refuses a retention under 7 days without force, naming it and the table property', async () => {
    const refused = await failure(vacuumTable(store, { retentionMs: 3600_000 }));
    expect(isLakebenchError(refused, 'USAGE')).toBe(true);
    expect((refused as Error).message).toMatch(/retention of 1h, under the 7d minimum/);
    expect((refused as Error).message).toContain(store.url);

    await setTableProperties(store, { 'delta.deletedFileRetentionDuration': 'interval 30 days' });
    const named = await failure(vacuumTable(store, { retentionMs: 3600_000 }));
    expect((named as Error).message).toContain(`the table's delta.deletedFileRetentionDuration is "interval 30 days"`);
    expect(await filesUnder(tableDir)).toContain(STRAY);

    const forced = await vacuumTable(store, { retentionMs: 0, force: true, dryRun: true });
    expect(keysOf(forced)).toEqual([...tombstoned, STRAY].sort());
  });

  it('takes a longer delta.deletedFileRetentionDuration as the retention', async () => {
    await setTableProperties(store, { 'delta.deletedFileRetentionDuration': 'interval 30 days' });
    const at8days = await vacuumTable(store, { dryRun: true, now: Date.now() + 8 * DAY });
    expect(at8days.deleted).toEqual([]);
    expect(at8days.retentionMs).toBe(30 * DAY);
    expect(at8days.retention).toBe(`30d (the table's delta.deletedFileRetentionDuration, "interval 30 days")`);
    // An explicit shorter retention does not undercut the table's without force.
    expect((await vacuumTable(store, { retentionMs: 7 * DAY, dryRun: true, now: Date.now() + 8 * DAY })).deleted).toEqual([]);
    const at31days = await vacuumTable(store, { dryRun: true, now: Date.now() + 31 * DAY });
    expect(keysOf(at31days)).toEqual([...tombstoned, STRAY].sort());
  });

  it('with retention 0 (forced) leaves only the log and the live files, and every row', async () => {
    const rows = await ids(store);
    const rowsAt2 = await ids(store, 2);
    await vacuumTable(store, { retentionMs: 0, force: true });
    const live = await liveKeys(store);
    expect((await filesUnder(tableDir)).filter((key) => !key.startsWith('_delta_log/'))).toEqual(live);
    expect(await ids(store)).toEqual(rows);
    expect(rowsAt2).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(ids(store, 2)).rejects.toThrow(); // its removed files are gone: time travel past the retention ends
  });

  it('stops when cancelled mid-way, having deleted nothing live', async () => {
    const strays = Array.from({ length: 100 }, (_, i) => `part-stray-${i}.parquet`);
    for (const key of strays) await writeFile(path.join(tableDir, key), 'not committed');
    const doomed = [...tombstoned, STRAY, ...strays];
    const rows = await ids(store);
    const abort = new AbortController();
    const cancelled = await failure(
      vacuumTable(store, {
        retentionMs: 0,
        force: true,
        signal: abort.signal,
        // Deletes go in batches (64 keys locally): stop after the first of them.
        onProgress: (p) => p.phase === 'delete' && p.done > 0 && abort.abort(),
      }),
    );
    expect(isLakebenchError(cancelled, 'CANCELLED')).toBe(true);
    const left = (await filesUnder(tableDir)).filter((key) => doomed.includes(key));
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(doomed.length);
    expect(await ids(store)).toEqual(rows);
    await vacuumTable(store, { retentionMs: 0, force: true });
    expect((await filesUnder(tableDir)).filter((key) => doomed.includes(key))).toEqual([]);
    expect(await ids(store)).toEqual(rows);
  });
});
