/**
 * Views over hand-written Delta tables (log lines written here, Parquet written by DuckDB): URL-encoded
 * partition folders, partition values that differ from folder names, typed partitions, schema evolution,
 * an empty table — each read through SqlSession and checked against the plan views.ts chose.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action, AddFile, StructField } from '../../core/formats/delta/actions';
import { DeltaTable } from '../../core/formats/delta/table';
import { SqlSession } from '../../core/sql/session';
import { quoteLiteral } from '../../core/sql-text';
import { choosePlan, hiveSegments } from '../../core/sql/views';
import { LocalStore } from '../../core/storage/local';

let dir: string;
let session: SqlSession;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lakebench-sql-views-'));
  session = await SqlSession.create({ threads: 2 });
});
afterAll(() => {
  session?.close();
  rmSync(dir, { recursive: true, force: true });
});

const field = (name: string, type: string): StructField => ({ name, type, nullable: true, metadata: {} });

function metaData(fields: StructField[], partitionColumns: string[]): Action {
  return {
    metaData: {
      id: 'test-table',
      format: { provider: 'parquet', options: {} },
      schemaString: JSON.stringify({ type: 'struct', fields }),
      partitionColumns,
      configuration: {},
      createdTime: 0,
    },
  };
}

/** Writes the rows of `selectSql` to `<table>/<key>` and returns its add action (path URL-encoded as writers do). */
async function dataFile(table: string, key: string, selectSql: string, partitionValues: Record<string, string | null> = {}): Promise<Action> {
  const file = path.join(table, ...key.split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  await session.run(`COPY (${selectSql}) TO ${quoteLiteral(file)} (FORMAT parquet)`);
  const add: AddFile = {
    path: key.split('/').map((segment) => encodeURIComponent(segment).replaceAll('%3D', '=')).join('/'),
    partitionValues,
    size: statSync(file).size,
    modificationTime: 0,
    dataChange: true,
  };
  return { add };
}

function writeLog(table: string, commits: Action[][]): void {
  mkdirSync(path.join(table, '_delta_log'), { recursive: true });
  commits.forEach((actions, version) => {
    const name = `${String(version).padStart(20, '0')}.json`;
    writeFileSync(path.join(table, '_delta_log', name), actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
  });
}

const protocol: Action = { protocol: { minReaderVersion: 1, minWriterVersion: 2 } };

async function open(name: string, table: string, version?: number) {
  return session.registerDelta(name, await DeltaTable.open(new LocalStore(table)), version === undefined ? undefined : { version });
}

describe('delta views', () => {
  it('URL-encoded partition folders read with the log values, pruned by DuckDB (hive plan)', async () => {
    const table = path.join(dir, 'encoded');
    const fields = [field('n', 'long'), field('k', 'string')];
    // Spark escapes ' ' and ':' in folder names; add.path URL-encodes the folder name once more.
    const a = await dataFile(table, 'k=a%20b/part-0.parquet', 'SELECT 1::BIGINT AS n', { k: 'a b' });
    const b = await dataFile(table, 'k=c%3Ad/part-1.parquet', 'SELECT 2::BIGINT AS n', { k: 'c:d' });
    const c = await dataFile(table, 'k=__HIVE_DEFAULT_PARTITION__/part-2.parquet', 'SELECT 3::BIGINT AS n', { k: null });
    writeLog(table, [[protocol, metaData(fields, ['k']), a, b, c]]);
    const snapshot = await open('encoded', table);
    expect((a as { add: AddFile }).add.path).toBe('k=a%2520b/part-0.parquet');

    const files = snapshot.files.map((add) => ({ path: path.join(table, decodeURIComponent(add.path)), add }));
    expect(choosePlan(snapshot, files, new Map([['n', 'BIGINT']]))).toBe('hive');
    expect((await session.query('SELECT k, n FROM encoded ORDER BY n')).rows).toEqual([
      { k: 'a b', n: 1 },
      { k: 'c:d', n: 2 },
      { k: null, n: 3 },
    ]);
    expect((await session.query(`SELECT n FROM encoded WHERE k = 'c:d'`)).rows).toEqual([{ n: 2 }]);
  });

  it('partition values come from the log even when folder names disagree (join plan)', async () => {
    const table = path.join(dir, 'mismatch');
    const fields = [field('n', 'long'), field('day', 'date'), field('hour', 'integer')];
    const a = await dataFile(table, 'day=1999-01-01/part-0.parquet', 'SELECT 1::BIGINT AS n', { day: '2024-02-29', hour: '7' });
    const b = await dataFile(table, 'flat/part-1.parquet', 'SELECT 2::BIGINT AS n', { day: '2024-03-01', hour: '' });
    writeLog(table, [[protocol, metaData(fields, ['day', 'hour']), a, b]]);
    const snapshot = await open('mismatch', table);
    const files = snapshot.files.map((add) => ({ path: path.join(table, decodeURIComponent(add.path)), add }));
    expect(choosePlan(snapshot, files, new Map([['n', 'BIGINT']]))).toBe('join');

    const result = await session.query('SELECT n, day, hour FROM mismatch ORDER BY n');
    expect(result.columns).toEqual([
      { name: 'n', type: 'BIGINT' },
      { name: 'day', type: 'DATE' },
      { name: 'hour', type: 'INTEGER' },
    ]);
    expect(result.rows).toEqual([
      { n: 1, day: '2024-02-29', hour: 7 },
      { n: 2, day: '2024-03-01', hour: null },
    ]);
  });

  it('schema evolution: a column added later reads as NULL for older files, cast to its Delta type', async () => {
    const table = path.join(dir, 'evolving');
    const v0Fields = [field('id', 'long'), field('name', 'string')];
    const v1Fields = [...v0Fields, field('score', 'double')];
    const old = await dataFile(table, 'part-0.parquet', `SELECT 1::INTEGER AS id, 'old' AS name`);
    const young = await dataFile(table, 'part-1.parquet', `SELECT 2::BIGINT AS id, 'new' AS name, 2.5::FLOAT AS score`);
    writeLog(table, [[protocol, metaData(v0Fields, []), old], [metaData(v1Fields, []), young]]);

    await open('evolving', table, 0);
    const v0 = await session.query('SELECT * FROM evolving');
    expect(v0.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(v0.rows).toEqual([{ id: 1, name: 'old' }]);

    await open('evolving', table);
    const v1 = await session.query('SELECT * FROM evolving ORDER BY id');
    expect(v1.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'name', type: 'VARCHAR' },
      { name: 'score', type: 'DOUBLE' },
    ]);
    expect(v1.rows).toEqual([
      { id: 1, name: 'old', score: null },
      { id: 2, name: 'new', score: 2.5 },
    ]);
  });

  it('an empty table has its columns and no rows', async () => {
    const table = path.join(dir, 'empty');
    writeLog(table, [[protocol, metaData([field('id', 'long'), field('p', 'date')], ['p'])]]);
    await open('empty', table);
    const result = await session.query('SELECT * FROM empty');
    expect(result.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'p', type: 'DATE' },
    ]);
    expect(result.rows).toEqual([]);
  });

  it('hiveSegments reads folders the way DuckDB does and gives up when unsure', () => {
    expect(hiveSegments('/t/a=1/b=x%20y/f.parquet')).toEqual(new Map([['a', '1'], ['b', 'x y']]));
    expect(hiveSegments('/t/a=__HIVE_DEFAULT_PARTITION__/f.parquet')).toEqual(new Map([['a', null]]));
    expect(hiveSegments('/t/a=%E0%A4%A/f.parquet')).toBeUndefined();
    expect(hiveSegments('/t/a=1/a=2/f.parquet')).toBeUndefined();
    expect(hiveSegments('/t/a=1/x=y.parquet')).toBeUndefined();
  });
});
