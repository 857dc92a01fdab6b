/** compactTable on local tables: packing, partitions, schemas, --where, --sort-by, dry run, conflicts, cancel. */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import type { Action } from '../../core/formats/delta/actions';
import { commitKey } from '../../core/formats/delta/log-files';
import { parseCommit } from '../../core/formats/delta/parse';
import { DeltaTable } from '../../core/formats/delta/table';
import { compactTable, type CompactOptions } from '../../core/ops/compact';
import { deleteWhere } from '../../core/ops/delete';
import { importFiles } from '../../core/ops/import';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';
import { failure } from '../helpers/failure';
import { FIXTURES } from '../helpers/fixtures';

let dir: string;
let store: LocalStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-compact-'));
  store = new LocalStore(path.join(dir, 'table'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

let inputCount = 0;
async function append(csv: string, partitionBy?: string[]): Promise<void> {
  const file = path.join(dir, `in-${++inputCount}.csv`);
  await writeFile(file, csv);
  await importFiles(store, { inputs: [file], partitionBy });
}

const BIG = 128 * 1024 * 1024;
const compact = (options: Partial<CompactOptions> = {}) => compactTable(store, { targetSize: BIG, minFiles: 2, ...options });
const snapshot = async (version?: number) => (await DeltaTable.open(store)).snapshot(version === undefined ? {} : { version });
const allRows = (version?: number) => queryTable(store, 'SELECT * FROM t ORDER BY ALL', version);
const commitActions = async (version: number): Promise<Action[]> => parseCommit(await store.get(commitKey(version)), commitKey(version));

/** Rows of one Parquet file in stored order, and its column names. */
async function readParquetFile(file: string): Promise<{ rows: Record<string, unknown>[]; columns: string[] }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}', hive_partitioning = false)`);
    return { rows: reader.getRowObjectsJS(), columns: reader.columnNames() };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('compactTable on an unpartitioned table', () => {
  beforeEach(async () => {
    for (let i = 0; i < 6; i++) await append(`id,v\n${2 * i + 1},${i}0\n${2 * i},${i}5\n`);
  });

  it('merges the small files into one in an OPTIMIZE commit; rows, history and time travel hold', async () => {
    const before = await allRows();
    const beforeSnapshot = await snapshot();
    expect(beforeSnapshot.files).toHaveLength(6);

    const result = await compact({ minFiles: 5 });
    expect(result).toMatchObject({ version: 6, filesRemoved: 6, filesAdded: 1 });
    expect(result.plan).toEqual([{ partition: {}, files: 6, bytes: result.bytesRemoved, outputFiles: 1 }]);
    expect(result.bytesRemoved).toBe(beforeSnapshot.files.reduce((n, f) => n + f.size, 0));

    const after = await snapshot();
    expect(after.version).toBe(beforeSnapshot.version + 1);
    expect(after.files).toHaveLength(1);
    expect(after.files[0]!.size).toBe(result.bytesAdded);
    expect(JSON.parse(after.files[0]!.stats!)).toMatchObject({ numRecords: 12, minValues: { id: 0 }, maxValues: { id: 11 } });
    expect(await allRows()).toEqual(before);
    expect(await allRows(beforeSnapshot.version)).toEqual(before);

    const actions = await commitActions(6);
    const changes = actions.flatMap((a): { dataChange: boolean }[] => ('add' in a ? [a.add] : 'remove' in a ? [a.remove] : []));
    expect(changes).toHaveLength(7);
    expect(changes.every((c) => c.dataChange === false)).toBe(true);
    const [last] = (await (await DeltaTable.open(store)).history()).sort((a, b) => b.version - a.version);
    expect(last).toMatchObject({ version: 6, operation: 'OPTIMIZE', isBlindAppend: false, readVersion: 5 });
    expect(last!.operationParameters).toMatchObject({ targetSize: String(BIG), minFiles: '5', predicate: '[]', sortBy: '[]' });
    expect(last!.operationMetrics).toMatchObject({ numFilesAdded: '1', numFilesRemoved: '6', numBytesRemoved: String(result.bytesRemoved) });
  });

  it('commits nothing when fewer small files than --min-files, or on a dry run', async () => {
    expect(await compact({ minFiles: 7 })).toEqual({ version: undefined, plan: [], filesRemoved: 0, filesAdded: 0, bytesRemoved: 0, bytesAdded: 0 });
    const dry = await compact({ dryRun: true });
    expect(dry.version).toBeUndefined();
    expect(dry.plan).toMatchObject([{ partition: {}, files: 6, outputFiles: 1 }]);
    expect((await snapshot()).version).toBe(5);
  });

  it('packs files into several outputs near the target size', async () => {
    const sizes = (await snapshot()).files.map((f) => f.size);
    const target = Math.floor(Math.max(...sizes) * 2.5); // two files fit, a third does not
    expect(3 * Math.min(...sizes)).toBeGreaterThan(target);
    const result = await compact({ targetSize: target });
    expect(result).toMatchObject({ filesRemoved: 6, filesAdded: 3, plan: [{ files: 6, outputFiles: 3 }] });
    expect((await snapshot()).files).toHaveLength(3);
  });

  it('sorts the rows of each new file by --sort-by', async () => {
    await compact({ sortBy: ['ID'] });
    const [file] = (await snapshot()).files;
    const { rows } = await readParquetFile(store.localPath(decodeURIComponent(file!.path))!);
    expect(rows.map((r) => Number(r.id))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const error = await failure(compact({ sortBy: ['nope'] }));
    expect(isLakebenchError(error, 'USAGE')).toBe(true);
    expect((error as Error).message).toContain('"nope"');
  });

  it('refuses --where on an unpartitioned table, naming the column', async () => {
    const error = await failure(compact({ where: 'v > 10' }));
    expect(isLakebenchError(error, 'USAGE')).toBe(true);
    expect((error as Error).message).toContain('"v" is a data column');
  });

  it('fails with CONFLICT when a concurrent delete removed one of its files: no row comes back', async () => {
    const error = await failure(compact({ beforeCommit: async () => void (await deleteWhere(store, 'id = 4')) }));
    expect(isLakebenchError(error, 'CONFLICT')).toBe(true);
    expect((await snapshot()).version).toBe(6); // the delete's commit, not ours
    expect((await allRows()).map((r) => r.id)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('fails with CONFLICT when a concurrent compaction replaced its files', async () => {
    const before = await allRows();
    const error = await failure(compact({ beforeCommit: async () => void (await compact()) }));
    expect(isLakebenchError(error, 'CONFLICT')).toBe(true);
    expect((await snapshot()).files).toHaveLength(1);
    expect(await allRows()).toEqual(before);
  });

  it('commits on top of a concurrent append, which keeps its rows', async () => {
    const result = await compact({ beforeCommit: () => append('id,v\n100,1000\n') });
    expect(result.version).toBe(7);
    expect((await allRows()).map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 100]);
    expect((await snapshot()).files).toHaveLength(2);
  });

  it('stops before the commit when cancelled', async () => {
    const abort = new AbortController();
    const phases: string[] = [];
    const error = await failure(
      compact({
        signal: abort.signal,
        onProgress: (p) => {
          phases.push(p.phase);
          if (p.phase === 'write' && p.done > 0) abort.abort();
        },
      }),
    );
    expect(isLakebenchError(error, 'CANCELLED')).toBe(true);
    expect(phases).toContain('plan');
    expect(phases).not.toContain('commit');
    expect((await snapshot()).version).toBe(5);
  });
});

describe('compactTable on a partitioned table', () => {
  beforeEach(async () => {
    for (let i = 0; i < 3; i++) await append(`id,p,v\n${10 * i},a,1\n${10 * i + 1},b,2\n${10 * i + 2},,3\n`, ['p']);
    for (let i = 3; i < 5; i++) await append(`id,p,v\n${10 * i},a,4\n`, ['p']);
  });

  it('compacts only partitions with at least --min-files small files, keeping partition values', async () => {
    const before = await allRows();
    const result = await compact({ minFiles: 4 });
    expect(result.plan).toEqual([{ partition: { p: 'a' }, files: 5, bytes: result.bytesRemoved, outputFiles: 1 }]);
    const after = await snapshot();
    expect(after.files.filter((f) => f.partitionValues.p === 'a')).toHaveLength(1);
    expect(after.files.find((f) => f.partitionValues.p === 'a')!.path).toMatch(/^p=a\/part-[0-9a-f-]{36}-c000\.zstd\.parquet$/);
    expect(after.files).toHaveLength(7);
    expect(await allRows()).toEqual(before);

    const rest = await compact({ minFiles: 3 });
    expect(rest.plan.map((p) => p.partition).sort((x, y) => String(x.p).localeCompare(String(y.p)))).toEqual([{ p: 'b' }, { p: null }]);
    expect((await snapshot()).files).toHaveLength(3);
    expect(await allRows()).toEqual(before);
  });

  it('--where picks partitions by their values', async () => {
    const result = await compact({ where: "p = 'b' OR p IS NULL" });
    expect(result.plan.map((p) => p.partition.p).sort()).toEqual(['b', null]);
    const history = await (await DeltaTable.open(store)).history();
    expect(history.find((h) => h.version === result.version)!.operationParameters).toMatchObject({
      predicate: JSON.stringify(["p = 'b' OR p IS NULL"]),
    });
  });

  it('refuses a --where touching a data column or no column, naming it, and changes nothing', async () => {
    const data = await failure(compact({ where: "p = 'a' AND v > 1" }));
    expect(isLakebenchError(data, 'USAGE')).toBe(true);
    expect((data as Error).message).toContain('"v" is a data column');
    const unknown = await failure(compact({ where: 'q = 1' }));
    expect((unknown as Error).message).toContain('"q" is not a column of the table');
    const broken = await failure(compact({ where: "p = 'a'); DROP TABLE x; SELECT (1" }));
    expect(isLakebenchError(broken, 'USAGE')).toBe(true);
    expect((await snapshot()).version).toBe(4);
  });
});

describe('compactTable on a table whose schema grew', () => {
  it('never puts files of different physical schemas together', async () => {
    for (let i = 0; i < 3; i++) await append(`id,v\n${i},${i}\n`);
    for (let i = 3; i < 6; i++) await append(`id,v,w\n${i},${i},w${i}\n`);
    const before = await allRows();
    expect(before.filter((r) => r.w === null)).toHaveLength(3);

    const result = await compact({ minFiles: 3 });
    expect(result).toMatchObject({ filesRemoved: 6, filesAdded: 2 });
    expect(result.plan).toHaveLength(2);
    expect(await allRows()).toEqual(before);
    const files = await Promise.all((await snapshot()).files.map((f) => readParquetFile(store.localPath(decodeURIComponent(f.path))!)));
    const shapes = files.map((f) => ({ columns: f.columns.join(','), ids: f.rows.map((r) => Number(r.id)).sort() })).sort((a, b) => a.columns.localeCompare(b.columns));
    expect(shapes).toEqual([
      { columns: 'id,v', ids: [0, 1, 2] },
      { columns: 'id,v,w', ids: [3, 4, 5] },
    ]);
  });
});

describe('compactTable on tables written by other engines', () => {
  const tables = [
    'delta-rs/simple_table',
    'delta-rs/delta-0.2.0',
    'delta-rs/delta-0.8.0',
    'delta-rs/delta-0.8.0-partitioned',
    'delta-rs/delta-0.8.0-null-partition',
    'dat/all_primitive_types/delta',
    'dat/basic_append/delta',
    'dat/basic_partitioned/delta',
    'dat/with_checkpoint/delta',
    'dat/with_schema_change/delta',
  ];

  it.each(tables)('%s keeps every row at the new version and the old one', async (fixture) => {
    await cp(path.join(FIXTURES, fixture), path.join(dir, 'table'), { recursive: true });
    const before = await allRows();
    const { version } = await snapshot();
    const result = await compact({ minFiles: 2 });
    expect(await allRows()).toEqual(before);
    if (result.version === undefined) return; // no partition and schema with two files (with_schema_change: one of each)
    expect(result.version).toBe(version + 1);
    expect((await snapshot()).files.length).toBeLessThan((await snapshot(version)).files.length);
    expect(await allRows(version)).toEqual(before);
  });
});
