import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteWhere } from '../../core/ops/delete';
import { expireLog } from '../../core/ops/expire';
import { findOrphans } from '../../core/ops/orphans';
import { LocalStore } from '../../core/storage/local';
import { TEMP_FILE_PREFIX } from '../../core/storage/temp-file';
import { appendCsv, DAY, filesUnder, ids, liveKeys, setModified } from '../helpers/maintenance-table';
import { fixture } from '../helpers/fixtures';

let dir: string;
let tableDir: string;
let store: LocalStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-orphans-'));
  tableDir = path.join(dir, 'table');
  store = new LocalStore(tableDir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('findOrphans', () => {
  beforeEach(async () => {
    await appendCsv(store, dir, 'id,v\n1,a\n2,b\n');
    await appendCsv(store, dir, 'id,v\n3,c\n4,d\n');
  });

  it('finds the files of a delete that failed after its upload, and nothing live', async () => {
    const before = await filesUnder(tableDir);
    const failure = await deleteWhere(store, 'id = 1', {
      beforeCommit: async () => {
        throw new Error('writer died before its commit');
      },
    }).catch((e: Error) => e);
    expect((failure as Error).message).toBe('writer died before its commit');
    const uploaded = (await filesUnder(tableDir)).filter((key) => !before.includes(key));
    expect(uploaded).toHaveLength(1); // the rewrite of the file that held id 1

    const result = await findOrphans(store, { olderThanMs: 0 });
    expect(result.orphans.map((o) => o.key)).toEqual(uploaded);
    const [orphan] = result.orphans;
    expect(orphan).toMatchObject({ reason: 'unreferenced', object: store.urlOf(uploaded[0]) });
    expect(orphan.size).toBeGreaterThan(0);
    expect(result.bytes).toBe(orphan.size);
    expect(orphan.ageMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(orphan.lastModified)).toBeLessThanOrEqual(Date.now());
    expect(await ids(store)).toEqual([1, 2, 3, 4]);
  });

  it('does not count a file removed by a retained version, but does once expire drops the removal', async () => {
    const before = await liveKeys(store);
    await deleteWhere(store, 'id <= 2'); // removes the first file whole
    const live = await liveKeys(store);
    const [original, ...more] = before.filter((key) => !live.includes(key));
    expect(more).toEqual([]);
    expect((await findOrphans(store, { olderThanMs: 0 })).orphans).toEqual([]);

    // 31 days on, with the default 30-day log retention, the log before the latest version goes: the
    // checkpoint written at the cut no longer carries the (expired) tombstone.
    const now = Date.now() + 31 * DAY;
    const expired = await expireLog(store, { now });
    expect(expired.oldestVersion).toBe(2);
    const orphans = await findOrphans(store, { olderThanMs: 0, now });
    expect(orphans.orphans.map((o) => [o.key, o.reason])).toEqual([[original, 'unreferenced']]);
    expect(orphans.orphans[0].ageMs).toBeGreaterThanOrEqual(31 * DAY - 60_000);
    expect(await ids(store)).toEqual([3, 4]);
  });

  it('reports temp leftovers as temporary, leaves hidden non-data files alone, and filters by age', async () => {
    const leftovers = [
      '_temporary/0/task_1/part-00000.parquet',
      'part-00001.parquet.tmp',
      `${TEMP_FILE_PREFIX}0b5c0e4e-0000-4000-8000-000000000000`,
      `_delta_log/${TEMP_FILE_PREFIX}1c5c0e4e-0000-4000-8000-000000000000`,
    ];
    const hidden = ['_delta_index/.gitkeep', '.part-00000.parquet.crc', '_SUCCESS'];
    const stray = 'part-99999-stray.parquet';
    for (const key of [...leftovers, ...hidden, stray]) {
      await mkdir(path.dirname(path.join(tableDir, key)), { recursive: true });
      await writeFile(path.join(tableDir, key), 'x'.repeat(10));
    }
    const result = await findOrphans(store, { olderThanMs: 0 });
    const byKey = Object.fromEntries(result.orphans.map((o) => [o.key, o.reason]));
    expect(byKey).toEqual({ ...Object.fromEntries(leftovers.map((k) => [k, 'temporary'])), [stray]: 'unreferenced' });
    expect(result.bytes).toBe(50);

    await setModified(path.join(tableDir, stray), Date.now() - 10 * DAY);
    const old = await findOrphans(store, { olderThanMs: 7 * DAY });
    expect(old.orphans.map((o) => o.key)).toEqual([stray]);
    expect(old.orphans[0].ageMs).toBeGreaterThanOrEqual(10 * DAY);
  });

  it('leaves a table nested in the folder alone', async () => {
    const nested = new LocalStore(path.join(tableDir, 'archive', 'old-table'));
    await appendCsv(nested, dir, 'id,v\n9,z\n');
    expect((await findOrphans(store, { olderThanMs: 0 })).orphans).toEqual([]);
    expect(await ids(nested)).toEqual([9]);
  });

  it('reads a log that no longer starts at version 0', async () => {
    const before = await liveKeys(store);
    await deleteWhere(store, 'id = 3'); // v2: rewrites the second file
    const after = await liveKeys(store);
    const rewritten = before.filter((key) => !after.includes(key));
    expect(rewritten).toHaveLength(1);
    await appendCsv(store, dir, 'id,v\n5,e\n'); // v3
    const now = Date.now() + 31 * DAY;
    await expireLog(store, { now, logRetentionMs: 30 * DAY });
    await expect(ids(store, 1)).rejects.toThrow(/version 1 is no longer readable.*available versions: 3\.\.3/);
    expect(await ids(store)).toEqual([1, 2, 4, 5]);
    const orphans = await findOrphans(store, { olderThanMs: 0, now });
    expect(orphans.orphans.map((o) => o.key)).toEqual(rewritten);
  });
});

describe('findOrphans on delta-rs tables', () => {
  it('counts the deletion vector files of a DV table as referenced, and an unreferenced one as an orphan', async () => {
    await cp(fixture('delta-rs', 'table-with-dv-small'), tableDir, { recursive: true });
    expect((await findOrphans(store, { olderThanMs: 0 })).orphans).toEqual([]);
    await writeFile(path.join(tableDir, 'deletion_vector_00000000-0000-0000-0000-000000000000.bin'), 'x');
    expect((await findOrphans(store, { olderThanMs: 0 })).orphans.map((o) => o.key)).toEqual(['deletion_vector_00000000-0000-0000-0000-000000000000.bin']);
  });

  it('reports the uncommitted `_delta_log/.tmp/` commit and the data file only it adds', async () => {
    await cp(fixture('delta-rs', 'simple_table'), tableDir, { recursive: true });
    const result = await findOrphans(store, { olderThanMs: 0 });
    expect(result.orphans.map((o) => [o.key, o.reason])).toEqual([
      ['_delta_log/.tmp/00000000000000000005.json', 'temporary'],
      ['part-00000-c1777d7d-89d9-4790-b38a-6ee7e24456b1-c001.snappy.parquet', 'unreferenced'],
    ]);
  });
});
