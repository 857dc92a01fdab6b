/** Snapshots remembered per (table, version) must never outlive the log they were read from. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { importFiles } from '../../core/ops/import';
import { LocalStore } from '../../core/storage/local';
import { writeFile } from 'node:fs/promises';

let dir: string;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function tableWith(root: string, csv: string): Promise<LocalStore> {
  const input = path.join(dir, `input-${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(input, csv);
  const store = new LocalStore(root);
  await importFiles(store, { inputs: [input] });
  return store;
}

describe('snapshot cache', () => {
  it('reads a table re-created at the same location afresh, at the same version number', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-snapcache-'));
    const root = path.join(dir, 'table');
    const first = await (await DeltaTable.open(await tableWith(root, 'id,name\n1,a\n'))).snapshot();
    expect(first.version).toBe(0);
    await rm(root, { recursive: true });
    const second = await (await DeltaTable.open(await tableWith(root, 'id,name,extra\n1,a,x\n2,b,y\n'))).snapshot();
    expect(second.version).toBe(0);
    expect(second.schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'extra']);
    expect(second.files.map((f) => f.path)).not.toEqual(first.files.map((f) => f.path));
  });

  it('sees a new commit made by another writer after the table was opened', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-snapcache-'));
    const store = await tableWith(path.join(dir, 'table'), 'id\n1\n');
    const table = await DeltaTable.open(store);
    expect((await table.snapshot()).files).toHaveLength(1);
    const input = path.join(dir, 'more.csv');
    await writeFile(input, 'id\n2\n');
    await importFiles(new LocalStore(path.join(dir, 'table')), { inputs: [input] });
    const latest = await table.snapshot();
    expect(latest.version).toBe(1);
    expect(latest.files).toHaveLength(2);
  });
});
