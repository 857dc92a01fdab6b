/** SqlSession behaviour with a real DuckDB: value conversion, streaming, cancellation, Parquet folders. */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { SqlSession } from '../../core/sql/session';
import { LocalStore } from '../../core/storage/local';
import { DeltaTable } from '../../core/formats/delta/table';
import { importFiles } from '../../core/ops/import';
import { FIXTURES } from '../helpers/fixtures';
/** Sums hashes over 10^11 rows: minutes of work, so it is still running when cancelled. */
const ENDLESS = 'SELECT sum(hash(i)) AS s FROM range(100000000000) t(i)';

let session: SqlSession;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lakebench-sql-session-'));
  session = await SqlSession.create({ threads: 2 });
});
afterAll(() => {
  session?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Calls cancel until `running` settles: cancel() only reaches a statement that has started. */
async function cancelUntilSettled(running: Promise<unknown>, cancel: () => void): Promise<unknown> {
  let settled = false;
  const outcome = running.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  void outcome.then(() => (settled = true));
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    cancel();
  }
  return outcome;
}

describe('SqlSession', () => {
  it('keeps the view of an unchanged table version, and rebuilds it after a statement replaced it or a commit', async () => {
    const input = path.join(dir, 'rereg.csv');
    writeFileSync(input, 'id\n1\n2\n');
    const store = new LocalStore(path.join(dir, 'rereg'));
    await importFiles(store, { inputs: [input] });
    const count = async () => (await session.query('SELECT count(*)::INT AS n FROM rereg')).rows[0]!.n;
    await session.registerDelta('rereg', await DeltaTable.open(store));
    expect(await count()).toBe(2);
    await session.run('CREATE OR REPLACE VIEW rereg AS SELECT 42 AS id');
    await session.registerDelta('rereg', await DeltaTable.open(store));
    expect(await count()).toBe(2);
    await importFiles(store, { inputs: [input] });
    await session.registerDelta('rereg', await DeltaTable.open(store));
    expect(await count()).toBe(4);
    await session.registerDelta('rereg', await DeltaTable.open(store), { version: 0 });
    expect(await count()).toBe(2);
  });

  it('converts values to JSON-friendly forms', async () => {
    const { rows, columns } = await session.query(`SELECT 1::BIGINT AS small, 9007199254740993::BIGINT AS big,
      12.50::DECIMAL(5,2) AS dec, DATE '2024-01-02' AS d, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts,
      TIMESTAMPTZ '2024-01-02 03:04:05+02' AS tz, '\\x01\\xFF'::BLOB AS bytes, [1, 2]::BIGINT[] AS list,
      {'x': 3::HUGEINT} AS struct, NULL AS nothing, 'text' AS s, 1.5::DOUBLE AS f, true AS b`);
    expect(rows).toEqual([
      {
        small: 1,
        big: '9007199254740993',
        dec: '12.50',
        d: '2024-01-02',
        ts: '2024-01-02T03:04:05.123456',
        tz: '2024-01-02T01:04:05Z',
        bytes: Buffer.from([1, 255]).toString('base64'),
        list: [1, 2],
        struct: { x: 3 },
        nothing: null,
        s: 'text',
        f: 1.5,
        b: true,
      },
    ]);
    expect(columns.find((c) => c.name === 'dec')?.type).toBe('DECIMAL(5,2)');
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
  });

  it('streams: the first chunk arrives before the rest of the result is computed', async () => {
    // Rows past 9M raise an error: computing the whole result first would fail instead of yielding a chunk.
    const sql = `SELECT CASE WHEN i < 9000000 THEN i ELSE error('computed too far') END AS i FROM range(10000000) t(i)`;
    let first: unknown[][] | undefined;
    for await (const chunk of session.stream(sql)) {
      first = chunk.rows;
      expect(chunk.columns).toEqual([{ name: 'i', type: 'BIGINT' }]);
      break;
    }
    expect(first?.length).toBeGreaterThan(0);
    expect(first?.[0]).toEqual([0]);
    // The same query run to the end does fail: the check above can tell the difference.
    await expect(session.query(sql)).rejects.toThrow(/computed too far/);
    // The session is usable after an abandoned stream.
    expect((await session.query('SELECT 42 AS x')).rows).toEqual([{ x: 42 }]);
  });

  it('streams a large result completely, chunk by chunk', async () => {
    let rows = 0;
    let chunks = 0;
    for await (const chunk of session.stream('SELECT i FROM range(100000) t(i)')) {
      rows += chunk.rows.length;
      chunks++;
    }
    expect(rows).toBe(100000);
    expect(chunks).toBeGreaterThan(1);
  });

  it('cancel() stops a long query with CANCELLED and the session goes on', async () => {
    const outcome = (await cancelUntilSettled(session.query(ENDLESS), () => session.cancel())) as { error?: unknown };
    expect(isLakebenchError(outcome.error, 'CANCELLED')).toBe(true);
    expect((await session.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('an AbortSignal cancels a streaming query', async () => {
    const controller = new AbortController();
    const consume = async () => {
      for await (const chunk of session.stream(ENDLESS, { signal: controller.signal })) void chunk;
    };
    const outcome = (await cancelUntilSettled(consume(), () => controller.abort())) as { error?: unknown };
    expect(isLakebenchError(outcome.error, 'CANCELLED')).toBe(true);
    await expect(session.query('SELECT 1', { signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('runs concurrent calls one after another', async () => {
    const results = await Promise.all([1, 2, 3].map((n) => session.query(`SELECT ${n} AS n FROM range(1000) LIMIT 1`)));
    expect(results.map((r) => r.rows[0].n)).toEqual([1, 2, 3]);
  });

  it('reports SQL errors as LakebenchError', async () => {
    await expect(session.query('SELEC 1')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(session.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('never autoloads extensions such as httpfs', async () => {
    await expect(session.query(`SELECT * FROM read_parquet('s3://bucket/x.parquet')`)).rejects.toBeTruthy();
    const { rows } = await session.query(`SELECT count(*) AS n FROM duckdb_extensions() WHERE extension_name = 'httpfs' AND loaded`);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('reads a Parquet folder with hive partitions, skipping hidden files', async () => {
    const folder = path.join(dir, 'events');
    const source = path.join(FIXTURES, 'dat/basic_append/delta');
    const part = (name: string) => path.join(source, name);
    mkdirSync(path.join(folder, 'region=eu'), { recursive: true });
    mkdirSync(path.join(folder, 'region=us'), { recursive: true });
    mkdirSync(path.join(folder, '_temporary'), { recursive: true });
    cpSync(part('part-00000-0d98e500-5e7c-47d2-a4f1-ba0642db004c-c000.snappy.parquet'), path.join(folder, 'region=eu/a.parquet'));
    cpSync(part('part-00000-9f2d7791-43bf-48e7-a69e-09f4d3d14577-c000.snappy.parquet'), path.join(folder, 'region=us/b.parquet'));
    cpSync(part('part-00000-9f2d7791-43bf-48e7-a69e-09f4d3d14577-c000.snappy.parquet'), path.join(folder, '_temporary/c.parquet'));
    writeFileSync(path.join(folder, 'region=eu/.a.parquet.crc'), 'x');

    await session.registerParquetFolder('events', new LocalStore(folder));
    const expected = await session.query(
      `SELECT count(*) AS n FROM read_parquet(['${path.join(folder, 'region=eu/a.parquet')}', '${path.join(folder, 'region=us/b.parquet')}'], hive_partitioning = false)`,
    );
    const { rows } = await session.query('SELECT count(*) AS n, count(DISTINCT region) AS regions FROM events');
    expect(rows).toEqual([{ n: expected.rows[0].n, regions: 2 }]);
    await expect(session.registerParquetFolder('nothing', new LocalStore(path.join(dir, 'missing')))).rejects.toMatchObject({
      code: 'NOT_A_TABLE',
    });
  });
});
