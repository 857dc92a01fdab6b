/**
 * Row-level diff of two versions (api `diffRows`, CLI `lakebench diff`) on a partitioned Delta table that
 * a MERGE (updates and inserts) and a DELETE changed: counts, counts per partition and samples, by key
 * and by whole rows. The expected numbers come from the rows the test wrote. Then the same on an Iceberg
 * table written by Iceberg's Java API, between snapshots that a position delete and an equality delete
 * made (what changed is in test/fixtures/iceberg/README.md).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { diffRows } from '../../core/api/row-diff';
import { isLakebenchError } from '../../core/errors';
import { runCli } from '../helpers/cli-process';
import { fixture } from '../helpers/fixtures';

const REGIONS = ['a', 'b', 'c'];
const region = (id: number) => REGIONS[id % REGIONS.length];
const csv = (ids: number[], amount: (id: number) => number) => 'id,region,amount\n' + ids.map((id) => `${id},${region(id)},${amount(id)}\n`).join('');
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const ORIGINAL = range(1, 60);
const UPDATED = range(1, 6);
const INSERTED = range(61, 64);
const DELETED = range(30, 32);

let dir: string;
let api: LakebenchApi;
let table: string;
let env: Record<string, string>;

async function input(name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, body);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-row-diff-'));
  api = createApi({ catalogPath: path.join(dir, 'catalog.sqlite'), cacheDir: path.join(dir, 'cache') });
  env = { LAKEBENCH_HOME: path.join(dir, 'home') };
  table = path.join(dir, 'sales');
  // v0: the rows; v1: a MERGE updating some amounts and inserting new ids; v2: a DELETE of a few ids.
  await api.importFiles({ location: table, inputs: [await input('v0.csv', csv(ORIGINAL, (id) => id))], partitionBy: ['region'] });
  const merged = [...UPDATED, ...INSERTED];
  await api.importFiles({ location: table, inputs: [await input('v1.csv', csv(merged, (id) => id + 1000))], mode: 'merge', key: ['id'] });
  await api.deleteWhere({ location: table, where: `id BETWEEN ${DELETED[0]} AND ${DELETED.at(-1)}` });
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Counts per region of the ids of each kind, for the regions that have any. */
function perRegion(kinds: { added: number[]; removed: number[]; changed: number[] }) {
  return REGIONS.map((r) => ({
    partition: { region: r },
    added: kinds.added.filter((id) => region(id) === r).length,
    removed: kinds.removed.filter((id) => region(id) === r).length,
    changed: kinds.changed.filter((id) => region(id) === r).length,
  })).filter((p) => p.added + p.removed + p.changed > 0);
}

describe('diffRows', () => {
  it('by key: inserted ids are added, deleted ids removed, updated ids changed with the columns that changed', async () => {
    const diff = await diffRows(api, { location: table, from: '0', to: '2', key: ['id'], limit: 2 });
    expect(diff).toMatchObject({ from: '0', to: '2', key: ['id'], columns: ['id', 'region', 'amount'], partitionColumns: ['region'] });
    expect([diff.added, diff.removed, diff.changed]).toEqual([INSERTED.length, DELETED.length, UPDATED.length]);
    expect(diff.partitions).toEqual(perRegion({ added: INSERTED, removed: DELETED, changed: UPDATED }));
    expect(diff.partitionCount).toBe(diff.partitions.length);
    expect(diff.sample.added.map((r) => Number(r.id))).toEqual(INSERTED.slice(0, 2));
    expect(diff.sample.removed.map((r) => Number(r.id))).toEqual(DELETED.slice(0, 2));
    const [first] = diff.sample.changed;
    expect(first.columns).toEqual(['amount']);
    expect(Number(first.key.id)).toBe(UPDATED[0]);
    expect([Number(first.before.amount), Number(first.after.amount)]).toEqual([UPDATED[0], UPDATED[0] + 1000]);
  });

  it('by whole rows: an updated row is one removed and one added', async () => {
    const diff = await diffRows(api, { location: table, from: '0', to: '2' });
    expect(diff.key).toEqual([]);
    expect([diff.added, diff.removed, diff.changed]).toEqual([UPDATED.length + INSERTED.length, UPDATED.length + DELETED.length, 0]);
    expect(diff.partitions).toEqual(perRegion({ added: [...UPDATED, ...INSERTED], removed: [...UPDATED, ...DELETED], changed: [] }));
  });

  it('between one commit and the next: only what that commit did', async () => {
    const diff = await diffRows(api, { location: table, from: '1', to: '2', key: ['id'] });
    expect([diff.added, diff.removed, diff.changed]).toEqual([0, DELETED.length, 0]);
  });

  it('counts duplicated rows as often as they occur, and refuses a key that is not unique', async () => {
    const dupes = path.join(dir, 'dupes');
    await api.importFiles({ location: dupes, inputs: [await input('d0.csv', 'x,y\n1,p\n1,p\n2,q\n')] });
    await api.importFiles({ location: dupes, inputs: [await input('d1.csv', 'x,y\n1,p\n2,r\n')] });
    const diff = await diffRows(api, { location: dupes, from: '0', to: '1' });
    expect([diff.added, diff.removed]).toEqual([2, 0]);
    const refused = await diffRows(api, { location: dupes, from: '0', to: '1', key: ['x'] }).catch((e: unknown) => e);
    expect(isLakebenchError(refused, 'USAGE')).toBe(true);
    expect(String(refused)).toContain('key (x) is not unique in version 0: 1 key value occurs more than once');
  });

  it('refuses a key column that is not in both versions, naming it and the table', async () => {
    const refused = await diffRows(api, { location: table, from: '0', to: '2', key: ['nope'] }).catch((e: unknown) => e);
    expect(isLakebenchError(refused, 'USAGE')).toBe(true);
    expect(String(refused)).toContain(`${table}: key column nope is not a column of both version 0 and version 2`);
  });
});

describe('diffRows on an Iceberg table (java/bunnies)', () => {
  const bunnies = fixture('iceberg', 'java', 'bunnies');
  const BREED = 'Breed Name';
  /** The snapshot ids: an append of 21 rows, a delete (position deletes), an overwrite (an equality delete and its replacement row). */
  let appended: string, deleted: string, overwritten: string;
  beforeAll(async () => {
    const byOperation = new Map((await api.history({ location: bunnies })).map((h) => [h.operation, h.version]));
    [appended, deleted, overwritten] = ['append', 'delete', 'overwrite'].map((op) => byOperation.get(op)!);
  });

  it('by key: the rows a position delete removed', async () => {
    const diff = await diffRows(api, { location: bunnies, from: appended, to: deleted, key: [BREED], limit: 10 });
    expect([diff.added, diff.removed, diff.changed]).toEqual([0, 6, 0]);
    expect(diff.sample.removed.map((r) => r[BREED]).sort()).toEqual(['English Lop', 'Flemish Giant', 'French Angora', 'Lionhead', 'Mini Lop', 'Rex']);
  });

  it('by key, an equality delete and its replacement row are one changed row; by whole rows one removed and one added', async () => {
    const keyed = await diffRows(api, { location: bunnies, from: deleted, to: overwritten, key: [BREED] });
    expect([keyed.added, keyed.removed, keyed.changed]).toEqual([0, 0, 1]);
    const [changed] = keyed.sample.changed;
    expect(changed.key).toEqual({ [BREED]: 'New Zealand' });
    expect(changed.columns).toEqual(['Popularity Rank', '__happy__']);
    expect(changed.after.__happy__).toBe(true);
    const whole = await diffRows(api, { location: bunnies, from: deleted, to: overwritten });
    expect([whole.added, whole.removed, whole.changed]).toEqual([1, 1, 0]);
  });
});

describe('lakebench diff', () => {
  it('prints the counts, per partition and samples', async () => {
    const run = await runCli(['diff', table, '--from', '0', '--to', '2', '--key', 'id', '--limit', '3'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`version 0 → 2, by key (id)\nadded ${INSERTED.length}, removed ${DELETED.length}, changed ${UPDATED.length}\n`);
    expect(run.stdout).toMatch(/per partition\nregion\s+added\s+removed\s+changed/);
    expect(run.stdout).toMatch(/changed rows\nid\s+column\s+before\s+after/);
  });

  it('--json prints the api result', async () => {
    const json = await runCli(['diff', table, '--from', '0', '--to', '2', '--key', 'id', '--limit', '3', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual(await diffRows(api, { location: table, from: '0', to: '2', key: ['id'], limit: 3 }));
  });

  it('exits with a usage error for a key column that does not exist', async () => {
    const run = await runCli(['diff', table, '--from', '0', '--to', '2', '--key', 'nope'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('key column nope is not a column of both version 0 and version 2');
  });
});
