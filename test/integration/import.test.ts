import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import type { FileStats } from '../../core/formats/delta/actions';
import { DeltaTable } from '../../core/formats/delta/table';
import { importFiles } from '../../core/ops/import';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';

let dir: string;
let store: LocalStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-import-'));
  store = new LocalStore(path.join(dir, 'table'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function input(name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, body);
  return file;
}

async function snapshot() {
  return (await DeltaTable.open(store)).snapshot();
}

async function ids(sql = 'SELECT id FROM t ORDER BY id'): Promise<number[]> {
  return (await queryTable(store, sql)).map((r) => Number(r.id));
}

async function expectError(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLakebenchError(error), `expected a LakebenchError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  return error as Error;
}

describe('importFiles: creating a table', () => {
  it('creates a table from CSV with typed columns and stats', async () => {
    const csv = await input('orders.csv', 'id,name,amount\n1,a,1.5\n2,b,2.5\n3,c,\n');
    const result = await importFiles(store, { inputs: [csv] });
    expect(result).toMatchObject({ version: 0, rowsWritten: 3, filesWritten: 1, badRows: 0, created: true });

    const snap = await snapshot();
    expect(snap.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['id', 'long'],
      ['name', 'string'],
      ['amount', 'double'],
    ]);
    expect(snap.files).toHaveLength(1);
    expect(snap.files[0]!.path).toMatch(/^part-[0-9a-f-]{36}-c000\.zstd\.parquet$/);
    const stats = JSON.parse(snap.files[0]!.stats!) as FileStats;
    expect(stats).toEqual({
      numRecords: 3,
      minValues: { id: 1, name: 'a', amount: 1.5 },
      maxValues: { id: 3, name: 'c', amount: 2.5 },
      nullCount: { id: 0, name: 0, amount: 1 },
    });
    expect(await queryTable(store, 'SELECT id, name, amount FROM t ORDER BY id')).toEqual([
      { id: 1, name: 'a', amount: 1.5 },
      { id: 2, name: 'b', amount: 2.5 },
      { id: 3, name: 'c', amount: null },
    ]);
  });

  it('creates a table from a JSON array', async () => {
    const json = await input('rows.json', JSON.stringify([{ id: 1, tag: 'x' }, { id: 2, tag: 'y' }], null, 2));
    expect((await importFiles(store, { inputs: [json] })).rowsWritten).toBe(2);
    expect(await queryTable(store, 'SELECT id, tag FROM t ORDER BY id')).toEqual([
      { id: 1, tag: 'x' },
      { id: 2, tag: 'y' },
    ]);
  });

  it('creates a table from NDJSON files matched by a glob, uniting their columns by name', async () => {
    await input('a.ndjson', '{"id":1,"tag":"x"}\n\n{"id":2,"tag":"y"}\n');
    await input('b.ndjson', '{"id":3,"extra":true}\n');
    const result = await importFiles(store, { inputs: [path.join(dir, '*.ndjson')] });
    expect(result.rowsWritten).toBe(3);
    expect(await queryTable(store, 'SELECT id, tag, extra FROM t ORDER BY id')).toEqual([
      { id: 1, tag: 'x', extra: null },
      { id: 2, tag: 'y', extra: null },
      { id: 3, tag: null, extra: true },
    ]);
  });

  it('creates a table from Parquet', async () => {
    const parquet = path.join(dir, 'in.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT range::INTEGER AS id, DATE '2026-01-01' + range::INTEGER AS day FROM range(5)) TO '${parquet}' (FORMAT parquet)`,
    );
    connection.closeSync();
    instance.closeSync();
    await importFiles(store, { inputs: [parquet] });
    const snap = await snapshot();
    expect(snap.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['id', 'integer'],
      ['day', 'date'],
    ]);
    expect(JSON.parse(snap.files[0]!.stats!).maxValues).toEqual({ id: 4, day: '2026-01-05' });
    expect(await queryTable(store, 'SELECT id, CAST(day AS VARCHAR) AS day FROM t ORDER BY id LIMIT 2')).toEqual([
      { id: 0, day: '2026-01-01' },
      { id: 1, day: '2026-01-02' },
    ]);
  });

  it('writes a partitioned table with typed partition values, including null', async () => {
    const csv = await input('p.csv', 'id,day,kind\n1,2026-01-01,a b\n2,2026-01-01,a b\n3,2026-01-02,c\n4,,c\n');
    const result = await importFiles(store, { inputs: [csv], partitionBy: ['day', 'kind'] });
    expect(result.filesWritten).toBe(3);

    const snap = await snapshot();
    expect(snap.partitionColumns).toEqual(['day', 'kind']);
    const byValues = snap.files.map((f) => f.partitionValues).sort((a, b) => String(a.day).localeCompare(String(b.day)));
    expect(byValues).toEqual([
      { day: '2026-01-01', kind: 'a b' },
      { day: '2026-01-02', kind: 'c' },
      { day: null, kind: 'c' },
    ]);
    const paths = snap.files.map((f) => f.path).sort();
    expect(paths[0]).toMatch(/^day=2026-01-01\/kind=a%2520b\/part-/); // folder `kind=a%20b`, URL-encoded once more in the log
    expect(paths[2]).toMatch(/^day=__HIVE_DEFAULT_PARTITION__\/kind=c\/part-/);
    // The files hold no partition columns (their values live in the log).
    const stats = JSON.parse(snap.files[0]!.stats!) as FileStats;
    expect(Object.keys(stats.nullCount!)).toEqual(['id']);

    expect(
      await queryTable(store, "SELECT id, typeof(day) AS t, CAST(day AS VARCHAR) AS day, kind FROM t ORDER BY id"),
    ).toEqual([
      { id: 1, t: 'DATE', day: '2026-01-01', kind: 'a b' },
      { id: 2, t: 'DATE', day: '2026-01-01', kind: 'a b' },
      { id: 3, t: 'DATE', day: '2026-01-02', kind: 'c' },
      { id: 4, t: 'DATE', day: null, kind: 'c' },
    ]);
  });
});

describe('importFiles: modes on an existing table', () => {
  it('appends twice as blind appends', async () => {
    await importFiles(store, { inputs: [await input('1.csv', 'id,v\n1,a\n2,b\n')] });
    const second = await importFiles(store, { inputs: [await input('2.csv', 'id,v\n3,c\n')] });
    const third = await importFiles(store, { inputs: [await input('3.ndjson', '{"id":4,"v":"d"}\n')] });
    expect([second.version, second.created, third.version]).toEqual([1, false, 2]);
    expect(await ids()).toEqual([1, 2, 3, 4]);
    const log = await readFile(path.join(dir, 'table/_delta_log/00000000000000000001.json'), 'utf8');
    expect(JSON.parse(log.split('\n')[0]!).commitInfo).toMatchObject({ operation: 'WRITE', isBlindAppend: true, readVersion: 0 });
  });

  it('overwrites: every live file removed, new rows only', async () => {
    await importFiles(store, { inputs: [await input('1.csv', 'id,v\n1,a\n2,b\n')] });
    await importFiles(store, { inputs: [await input('2.csv', 'id,v\n3,c\n')] });
    const result = await importFiles(store, { inputs: [await input('3.csv', 'id,v\n7,x\n8,y\n')], mode: 'overwrite' });
    expect(result.version).toBe(2);
    expect(await ids()).toEqual([7, 8]);
    expect((await snapshot()).files).toHaveLength(1);
    const log = await readFile(path.join(dir, 'table/_delta_log/00000000000000000002.json'), 'utf8');
    const removes = log.split('\n').filter((l) => l.includes('"remove"'));
    expect(removes).toHaveLength(2);
    expect(JSON.parse(removes[0]!).remove).toMatchObject({ dataChange: true, extendedFileMetadata: true });
  });

  it('merges by key: last input row wins, existing keys replaced, untouched files kept', async () => {
    await importFiles(store, { inputs: [await input('1.csv', 'id,v\n1,old1\n2,old2\n')] });
    await importFiles(store, { inputs: [await input('2.csv', 'id,v\n3,old3\n')] });
    const before = (await snapshot()).files.map((f) => f.path);
    await input('m1.ndjson', '{"id":2,"v":"first"}\n{"id":4,"v":"new4"}\n{"id":2,"v":"second"}\n');
    await input('m2.ndjson', '{"id":4,"v":"last4"}\n');
    const result = await importFiles(store, {
      inputs: [path.join(dir, 'm1.ndjson'), path.join(dir, 'm2.ndjson')],
      mode: 'merge',
      key: ['id'],
    });
    expect(result.rowsWritten).toBe(2);
    expect(await queryTable(store, 'SELECT id, v FROM t ORDER BY id')).toEqual([
      { id: 1, v: 'old1' },
      { id: 2, v: 'second' },
      { id: 3, v: 'old3' },
      { id: 4, v: 'last4' },
    ]);
    const after = (await snapshot()).files.map((f) => f.path);
    expect(after).toContain(before[1]); // the file without id 2 was not rewritten
    expect(after).not.toContain(before[0]);
    const log = await readFile(path.join(dir, 'table/_delta_log/00000000000000000002.json'), 'utf8');
    expect(JSON.parse(log.split('\n')[0]!).commitInfo).toMatchObject({ operation: 'MERGE', isBlindAppend: false });
  });

  it('adds audit columns', async () => {
    const csv = await input('audit.csv', 'id\n1\n2\n');
    const started = Date.now();
    await importFiles(store, { inputs: [csv], auditColumns: true });
    const rows = await queryTable(store, 'SELECT id, _source_file, epoch_ms(_ingested_at) AS at FROM t ORDER BY id');
    expect(rows.map((r) => r._source_file)).toEqual([csv, csv]);
    expect(new Set(rows.map((r) => r.at)).size).toBe(1);
    expect(Number(rows[0]!.at)).toBeGreaterThanOrEqual(started - 1000);
    expect((await snapshot()).schema.fields.map((f) => [f.name, f.type]).slice(1)).toEqual([
      ['_source_file', 'string'],
      ['_ingested_at', 'timestamp'],
    ]);
  });

  it('adds a new input column to the schema; older rows read it as null', async () => {
    await importFiles(store, { inputs: [await input('1.csv', 'id,v\n1,a\n')] });
    const result = await importFiles(store, { inputs: [await input('2.ndjson', '{"id":2,"v":"b","discount":5}\n')] });
    const snap = await snapshot();
    expect(snap.version).toBe(result.version);
    expect(snap.schema.fields.map((f) => f.name)).toEqual(['id', 'v', 'discount']);
    expect(await queryTable(store, 'SELECT id, discount FROM t ORDER BY id')).toEqual([
      { id: 1, discount: null },
      { id: 2, discount: 5 },
    ]);
  });

  it('widens compatible input types and refuses incompatible ones naming the column', async () => {
    await importFiles(store, { inputs: [await input('1.csv', 'id,amount,day\n1,1.5,2026-01-01\n')] });
    await importFiles(store, { inputs: [await input('2.ndjson', '{"id":2,"amount":3,"day":"2026-01-02"}\n')] });
    expect(await queryTable(store, 'SELECT id, amount FROM t ORDER BY id')).toEqual([
      { id: 1, amount: 1.5 },
      { id: 2, amount: 3 },
    ]);
    const error = await expectError(
      importFiles(store, { inputs: [await input('3.ndjson', '{"id":3,"day":true}\n')] }),
      'BAD_INPUT',
    );
    expect(error.message).toContain('"day"');
    expect((await snapshot()).version).toBe(1);
  });

  it('refuses a different partitioning for an existing table', async () => {
    await importFiles(store, { inputs: [await input('1.csv', 'id,p\n1,a\n')], partitionBy: ['p'] });
    await expectError(importFiles(store, { inputs: [await input('2.csv', 'id,p\n2,b\n')], partitionBy: ['id'] }), 'USAGE');
    await importFiles(store, { inputs: [await input('3.csv', 'id,p\n3,c\n')] }); // no partitionBy: the table's own
    expect((await snapshot()).files.map((f) => f.partitionValues.p).sort()).toEqual(['a', 'c']);
  });
});

describe('importFiles: timestamps, progress, cancellation', () => {
  it('stores zone-less timestamps as UTC instants, with ISO stats', async () => {
    const csv = await input('ts.csv', 'id,at\n1,2026-03-01 10:00:00\n2,2026-03-02 12:30:00.5\n');
    await importFiles(store, { inputs: [csv] });
    const snap = await snapshot();
    expect(snap.schema.fields[1]).toMatchObject({ name: 'at', type: 'timestamp' });
    const stats = JSON.parse(snap.files[0]!.stats!) as FileStats;
    expect(stats.minValues!.at).toBe('2026-03-01T10:00:00.000000Z');
    expect(stats.maxValues!.at).toBe('2026-03-02T12:30:00.500000Z');
    expect(await queryTable(store, 'SELECT epoch_ms("at") AS ms FROM t ORDER BY id')).toEqual([
      { ms: Date.UTC(2026, 2, 1, 10) },
      { ms: Date.UTC(2026, 2, 2, 12, 30, 0, 500) },
    ]);
  });

  it('reports progress through read, upload and commit', async () => {
    const phases: string[] = [];
    await importFiles(store, {
      inputs: [await input('a.csv', 'id,p\n1,x\n2,y\n')],
      partitionBy: ['p'],
      onProgress: (p) => phases.push(`${p.phase} ${p.done}/${p.total}`),
    });
    expect(phases).toEqual(['read 0/1', 'read 1/1', 'write 0/1', 'upload 1/2', 'upload 2/2', 'commit 0/1', 'commit 1/1']);
  });

  it('stops with CANCELLED and commits nothing when the signal fires', async () => {
    const controller = new AbortController();
    const error = await expectError(
      importFiles(store, {
        inputs: [await input('a.csv', 'id\n1\n')],
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'upload') controller.abort();
        },
      }),
      'CANCELLED',
    );
    expect(error.message).toMatch(/cancelled/);
    expect(await DeltaTable.exists(store)).toBe(false);
  });
});

describe('importFiles: bad input', () => {
  const badCsv = 'id,name,amount\n1,a,1.5\n2,b,2.5,extra\n3,c,3.5\n4,d\n';

  it('refuses a malformed CSV naming file and lines, and commits nothing', async () => {
    const csv = await input('bad.csv', badCsv);
    const error = await expectError(importFiles(store, { inputs: [csv] }), 'BAD_INPUT');
    expect(error.message).toContain(`${csv}:3`);
    expect(error.message).toContain(`${csv}:5`);
    expect(await DeltaTable.exists(store)).toBe(false);
    expect(await readdir(dir)).not.toContain('table');
  });

  it('with badRowsPath writes the bad rows there, counts them and commits the good ones', async () => {
    const csv = await input('bad.csv', badCsv);
    const ndjson = await input('bad.ndjson', '{"id":10,"name":"j"}\n{"id":11,\n[1,2]\n{"id":12,"name":"l"}\n');
    const badRowsPath = path.join(dir, 'bad-rows.ndjson');
    const result = await importFiles(store, { inputs: [csv, ndjson], badRowsPath });
    expect(result).toMatchObject({ version: 0, rowsWritten: 4, badRows: 4 });
    expect(await ids()).toEqual([1, 3, 10, 12]);
    const bad = (await readFile(badRowsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(bad.map((b) => [b.file, b.line, b.raw])).toEqual([
      [csv, 3, '2,b,2.5,extra'],
      [csv, 5, '4,d'],
      [ndjson, 2, '{"id":11,'],
      [ndjson, 3, '[1,2]'],
    ]);
    expect(bad.every((b) => typeof b.error === 'string' && b.error.length > 0)).toBe(true);
  });

  it('names the malformed NDJSON line', async () => {
    const ndjson = await input('bad.ndjson', '{"id":1}\n{"id":2}\n{"id":3\n');
    const error = await expectError(importFiles(store, { inputs: [ndjson] }), 'BAD_INPUT');
    expect(error.message).toContain(`${ndjson}:3`);
    expect(await DeltaTable.exists(store)).toBe(false);
  });

  it('refuses empty input clearly', async () => {
    const error = await expectError(importFiles(store, { inputs: [await input('empty.csv', 'id,v\n')] }), 'BAD_INPUT');
    expect(error.message).toMatch(/no rows/);
    await expectError(importFiles(store, { inputs: [path.join(dir, 'nothing-*.csv')] }), 'NOT_FOUND');
  });
});
