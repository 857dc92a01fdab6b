import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { DeltaTable } from '../../core/formats/delta/table';
import { deleteWhere } from '../../core/ops/delete';
import { importFiles } from '../../core/ops/import';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';

let dir: string;
let store: LocalStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-delete-'));
  store = new LocalStore(path.join(dir, 'table'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

let inputCount = 0;
async function append(csv: string, partitionBy?: string[]): Promise<number> {
  const file = path.join(dir, `in-${++inputCount}.csv`);
  await writeFile(file, csv);
  return (await importFiles(store, { inputs: [file], partitionBy })).version;
}

async function snapshot() {
  return (await DeltaTable.open(store)).snapshot();
}

async function rows(): Promise<Record<string, unknown>[]> {
  return queryTable(store, 'SELECT id, p, v FROM t ORDER BY id');
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('deleteWhere', () => {
  beforeEach(async () => {
    await append('id,p,v\n1,a,10\n2,a,20\n');
    await append('id,p,v\n3,b,30\n4,b,40\n');
    await append('id,p,v\n5,c,50\n6,c,60\n');
  });

  it('rewrites only the 2 of 3 files that hold matching rows, in one commit', async () => {
    const before = (await snapshot()).files.map((f) => f.path);
    const result = await deleteWhere(store, 'v IN (20, 30, 40)');
    expect(result).toEqual({ version: 3, rowsDeleted: 3, filesRemoved: 2, filesAdded: 1, deletionVectorsAdded: 0 });

    expect(await rows()).toEqual([
      { id: 1, p: 'a', v: 10 },
      { id: 5, p: 'c', v: 50 },
      { id: 6, p: 'c', v: 60 },
    ]);
    const after = await snapshot();
    expect(after.version).toBe(3);
    expect(after.files.map((f) => f.path)).toContain(before[2]);
    expect(after.files.map((f) => f.path)).not.toContain(before[0]);
    const added = after.files.find((f) => !before.includes(f.path))!;
    expect(JSON.parse(added.stats!)).toMatchObject({ numRecords: 1, minValues: { id: 1 }, maxValues: { id: 1 } });
    // The removed files are still on disk (physical deletes wait for vacuum), so version 2 still reads.
    expect((await queryTable(store, 'SELECT count(*) AS n FROM t', 2))[0]!.n).toBe(6);
  });

  it('skips writing a file when no row of it remains', async () => {
    const result = await deleteWhere(store, 'id >= 3 AND id <= 4');
    expect(result).toMatchObject({ rowsDeleted: 2, filesRemoved: 1, filesAdded: 0, deletionVectorsAdded: 0 });
    expect((await rows()).map((r) => r.id)).toEqual([1, 2, 5, 6]);
  });

  it('commits nothing when no row matches', async () => {
    const result = await deleteWhere(store, 'v > 1000');
    expect(result).toEqual({ version: undefined, rowsDeleted: 0, filesRemoved: 0, filesAdded: 0, deletionVectorsAdded: 0 });
    expect((await snapshot()).version).toBe(2);
    expect(await readdir(path.join(dir, 'table/_delta_log'))).toHaveLength(3);
  });

  it('refuses a predicate that does not bind, naming it', async () => {
    const error = await failure(deleteWhere(store, 'no_such_column = 1'));
    expect(isLakebenchError(error, 'USAGE')).toBe(true);
    expect((error as Error).message).toContain('no_such_column = 1');
    expect((await snapshot()).version).toBe(2);
  });

  it('refuses a predicate that smuggles in a second statement', async () => {
    const error = await failure(deleteWhere(store, "v = 1); DROP VIEW lb_delete_table; SELECT (1"));
    expect(isLakebenchError(error, 'USAGE')).toBe(true);
    expect((await rows()).length).toBe(6);
  });
});

describe('deleteWhere on a partitioned table', () => {
  beforeEach(async () => {
    await append('id,p,v\n1,a,10\n2,b,20\n3,,30\n', ['p']);
    await append('id,p,v\n4,b,40\n', ['p']);
  });

  it('removes whole files by partition value without rewriting', async () => {
    const result = await deleteWhere(store, "p = 'b' OR p IS NULL");
    expect(result).toEqual({ version: 2, rowsDeleted: 3, filesRemoved: 3, filesAdded: 0, deletionVectorsAdded: 0 });
    expect((await rows()).map((r) => r.id)).toEqual([1]);
  });

  it('rewrites within a partition and keeps the partition value', async () => {
    await deleteWhere(store, "p = 'b' AND v = 20");
    expect(await rows()).toEqual([
      { id: 1, p: 'a', v: 10 },
      { id: 3, p: null, v: 30 },
      { id: 4, p: 'b', v: 40 },
    ]);
  });

  it('fails with CONFLICT when an append lands in a partition it read, losing and resurrecting nothing', async () => {
    const error = await failure(
      deleteWhere(store, 'v = 20', {
        beforeCommit: async () => {
          await append('id,p,v\n5,b,20\n', ['p']); // a concurrent writer, between our read and our commit
        },
      }),
    );
    expect(isLakebenchError(error, 'CONFLICT')).toBe(true);
    expect((await snapshot()).version).toBe(2);
    expect((await rows()).map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
  });
});
