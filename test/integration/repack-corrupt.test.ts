/** repack --drop-corrupt: a corrupt row group is lost, the others salvaged, the evidence quarantined. */
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commit } from '../../core/formats/delta/commit';
import { newTableActions } from '../../core/formats/delta/create';
import { commitKey } from '../../core/formats/delta/log-files';
import { parseCommit } from '../../core/formats/delta/parse';
import { importFiles } from '../../core/ops/import';
import { repackTable } from '../../core/ops/repack';
import { fileStats } from '../../core/ops/stats';
import { verifyLocation } from '../../core/ops/verify/verify';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';
import { ids } from '../helpers/maintenance-table';
import { fixture as fixturePath } from '../helpers/fixtures';

let dir: string;
let store: LocalStore;
let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-repack-corrupt-'));
  store = new LocalStore(path.join(dir, 'table'));
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterEach(async () => {
  connection.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
});

const SCHEMA = {
  type: 'struct' as const,
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 's', type: 'string', nullable: true, metadata: {} },
  ],
};

/** Version 0: `big.parquet`, ids 0..rows-1 in row groups of 2048 rows, and `small.parquet`, ids 100000.. */
async function createTable(rows: number): Promise<void> {
  const adds = [];
  for (const [key, query] of [
    ['big.parquet', `SELECT i AS id, 'row-' || i || repeat('-', i % 50) AS s FROM range(${rows}) t(i)`],
    ['small.parquet', `SELECT 100000 + i AS id, 'small-' || i AS s FROM range(10) t(i)`],
  ] as const) {
    const local = path.join(dir, 'table', key);
    await mkdir(path.dirname(local), { recursive: true });
    await connection.run(`COPY (${query}) TO '${local}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)`);
    const stats = await fileStats(connection, local);
    const { size } = await stat(local);
    adds.push({ add: { path: key, partitionValues: {}, size, modificationTime: Date.now(), dataChange: true, stats: JSON.stringify(stats) } });
  }
  await commit(store, {
    actions: [...newTableActions({ schema: SCHEMA, partitionColumns: [] }), ...adds],
    readVersion: -1,
    operation: 'CREATE TABLE',
    isBlindAppend: true,
  });
}

/** Row groups of a local Parquet file: first row, rows, and the byte range of its `s` column chunk. */
async function rowGroups(local: string): Promise<{ firstRow: number; rows: number; sStart: number; sBytes: number }[]> {
  const reader = await connection.runAndReadAll(
    `SELECT row_group_id, row_group_num_rows AS n, data_page_offset AS o, total_compressed_size AS z
       FROM parquet_metadata('${local}') WHERE path_in_schema = 's' ORDER BY row_group_id`,
  );
  let firstRow = 0;
  return reader.getRowObjectsJS().map((r) => {
    const group = { firstRow, rows: Number(r.n), sStart: Number(r.o), sBytes: Number(r.z) };
    firstRow += group.rows;
    return group;
  });
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('repack --drop-corrupt', () => {
  it('keeps the readable row groups of a file with one corrupt row group, reports the rows lost exactly', async () => {
    await createTable(3 * 2048);
    const big = store.localPath('big.parquet')!;
    const groups = await rowGroups(big);
    expect(groups.length).toBe(3);
    const bad = groups[1]!;
    const bytes = await readFile(big);
    const middle = bad.sStart + Math.floor(bad.sBytes / 2);
    for (let i = 0; i < 16; i++) bytes[middle + i] ^= 0xff;
    await writeFile(big, bytes);
    const found = await verifyLocation(store, { deep: true });
    expect(found.problems.map((p) => p.object)).toEqual(expect.arrayContaining([store.urlOf('big.parquet')]));

    const result = await repackTable(store, { dropCorrupt: true });

    expect(result.quarantined).toHaveLength(1);
    const [q] = result.quarantined;
    const salvaged = groups[0]!.rows + groups[2]!.rows;
    expect(q).toMatchObject({ object: store.urlOf('big.parquet'), rowsSalvaged: salvaged, rowsLost: bad.rows });
    expect(q!.problem).toMatch(/decode-error|page-crc-mismatch/);
    expect(result).toMatchObject({ version: 1, filesRewritten: 1, filesAdded: 1, rowsPurged: 0 });
    const expected = [...range(0, bad.firstRow), ...range(bad.firstRow + bad.rows, 3 * 2048), ...range(100000, 100010)];
    expect(await ids(store)).toEqual(expected);
    // The evidence: a byte-for-byte copy under _quarantine/, and the original still there (tombstoned, for vacuum).
    expect(q!.copy).toMatch(/\/_quarantine\/[^/]+\/big\.parquet$/);
    const copyKey = q!.copy!.slice(store.url.length + 1);
    expect(Buffer.compare(Buffer.from(await store.get(copyKey)), bytes)).toBe(0);
    expect(await store.head('big.parquet')).toBeDefined();
    const actions = parseCommit(await store.get(commitKey(1)), 'commit');
    const dataChanges = actions.flatMap((a) => ('remove' in a ? [a.remove.dataChange] : 'add' in a ? [a.add.dataChange] : []));
    expect(dataChanges).toEqual([true, true]);

    expect((await verifyLocation(store, { deep: true })).problems).toEqual([]);
  });

  it('drops a missing file and a truncated one, counting their rows as lost, and leaves healthy files alone', async () => {
    await createTable(2048);
    const csv = path.join(dir, 'more.csv');
    await writeFile(csv, 'id,s\n200000,x\n200001,y\n');
    await importFiles(store, { inputs: [csv] });
    await unlink(store.localPath('small.parquet')!);
    const big = store.localPath('big.parquet')!;
    await writeFile(big, (await readFile(big)).subarray(0, 1000));

    const result = await repackTable(store, { dropCorrupt: true });

    const byObject = Object.fromEntries(result.quarantined.map((q) => [q.object, q]));
    expect(byObject[store.urlOf('small.parquet')]).toMatchObject({ rowsSalvaged: 0, rowsLost: 10 });
    expect(byObject[store.urlOf('small.parquet')]!.copy).toBeUndefined();
    expect(byObject[store.urlOf('big.parquet')]).toMatchObject({ rowsSalvaged: 0, rowsLost: 2048 });
    expect(byObject[store.urlOf('big.parquet')]!.copy).toBeDefined();
    expect(result).toMatchObject({ filesRewritten: 2, filesAdded: 0 });
    expect(await ids(store)).toEqual([200000, 200001]);
    expect((await verifyLocation(store, { deep: true })).problems).toEqual([]);
  });

  it('counts a row group whose page CRC differs as lost, though both decoders read it', async () => {
    const fixture = fixturePath('parquet-testing', 'bad');
    await mkdir(path.join(dir, 'table'), { recursive: true });
    await copyFile(path.join(fixture, 'datapage_v1-corrupt-checksum.parquet'), store.localPath('crc.parquet')!);
    const local = store.localPath('crc.parquet')!;
    const schema = {
      type: 'struct' as const,
      fields: ['a', 'b'].map((name) => ({ name, type: 'integer', nullable: true, metadata: {} })),
    };
    const add = {
      path: 'crc.parquet',
      partitionValues: {},
      size: (await stat(local)).size,
      modificationTime: Date.now(),
      dataChange: true,
      stats: JSON.stringify(await fileStats(connection, local)),
    };
    await commit(store, {
      actions: [...newTableActions({ schema, partitionColumns: [] }), { add }],
      readVersion: -1,
      operation: 'CREATE TABLE',
      isBlindAppend: true,
    });
    expect(await queryTable(store, 'SELECT count(*) AS n FROM t')).toEqual([{ n: 5120 }]); // DuckDB reads it

    const result = await repackTable(store, { dropCorrupt: true });

    expect(result.quarantined).toMatchObject([{ rowsSalvaged: 0, rowsLost: 5120, problem: expect.stringContaining('page-crc-mismatch') }]);
    expect(await queryTable(store, 'SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
  });

  it('commits nothing when verify finds nothing', async () => {
    await createTable(2048);
    const result = await repackTable(store, { dropCorrupt: true });
    expect(result).toMatchObject({ version: undefined, filesRewritten: 0, quarantined: [] });
  });
});
