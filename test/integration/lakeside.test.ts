/**
 * Lakeside buckets: `_lakeside_log` history, the real-time view (compacted Parquet with BYTE_ARRAY strings
 * read as text, plus staged records not compacted yet), and the reconcile report (orphans).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { detectFormat } from '../../core/formats/detect';
import { reconcileLakeside } from '../../core/formats/lakeside/reconcile';
import { SqlSession } from '../../core/sql/session';
import { LocalStore } from '../../core/storage/local';

let dir: string;
let bucket: string;
let api: LakebenchApi;

async function put(key: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(bucket, key)), { recursive: true });
  await writeFile(path.join(bucket, key), text);
}

/** A compacted file as Lakeside writes it: strings as BYTE_ARRAY without a UTF8 annotation (BLOB). */
async function compacted(key: string, rows: [number, string, number][]): Promise<void> {
  await mkdir(path.dirname(path.join(bucket, key)), { recursive: true });
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const values = rows.map(([id, customer, amount]) => `(${id}, '${customer}'::BLOB, ${amount}::DOUBLE)`).join(', ');
  await duck.run(`COPY (SELECT * FROM (VALUES ${values}) t(order_id, customer, amount)) TO '${path.join(bucket, key)}' (FORMAT parquet, COMPRESSION snappy)`);
  duck.closeSync();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-lakeside-'));
  bucket = path.join(dir, 'shop');
  api = createApi({ catalogPath: path.join(dir, 'catalog.sqlite'), cacheDir: path.join(dir, 'cache') });
  await put('schema/schema.json', JSON.stringify({ fields: [{ name: 'order_id', type: 'INT64' }, { name: 'customer', type: 'BYTE_ARRAY' }, { name: 'amount', type: 'DOUBLE' }] }));
  const first = 'parquet/order_ts_hour=2026-11-23T08/part-2026-11-23T09-00-00.parquet';
  const replaced = 'parquet/order_ts_hour=2026-11-23T08/part-2026-11-23T08-30-00.parquet';
  const unlogged = 'parquet/order_ts_hour=2026-11-23T09/part-2026-11-23T09-59-59.parquet';
  await compacted(replaced, [[1, 'ann', 10]]);
  await compacted(first, [[1, 'ann', 10], [2, 'bob', 20]]);
  await compacted(unlogged, [[99, 'ghost', 1]]);
  await put('_lakeside_log/00000001.json', JSON.stringify({ version: 1, timestamp: '2026-11-23T08:30:00Z', operation: 'compact', add: [{ path: replaced, size: 1, rowCount: 1, partition: 'order_ts_hour=2026-11-23T08' }], remove: [] }));
  await put('_lakeside_log/00000002.json', JSON.stringify({ version: 2, timestamp: '2026-11-23T09:00:00Z', operation: 'compact', add: [{ path: first, size: 1, rowCount: 2, partition: 'order_ts_hour=2026-11-23T08' }], remove: [{ path: replaced }] }));
  // Staged, not compacted yet: one .json record and an .ndjson of two.
  await put('data/order_ts_hour=2026-11-23T10/a.json', JSON.stringify({ order_id: 3, customer: 'cy', amount: 30 }));
  await put('data/order_ts_hour=2026-11-23T10/b.ndjson', `${JSON.stringify({ order_id: 4, customer: 'di', amount: 40 })}\n${JSON.stringify({ order_id: 5, customer: 'ed', amount: 50 })}\n`);
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Lakeside buckets', () => {
  it('is found as a lakeside table', async () => {
    expect((await detectFormat(new LocalStore(bucket)))?.name).toBe('lakeside');
    expect(await api.tables({ location: dir })).toMatchObject([{ name: 'shop', layout: 'lakeside' }]);
  });

  it('queries compacted and staged records together, strings as text', async () => {
    const session = await SqlSession.create();
    try {
      await session.registerLakeside('shop', new LocalStore(bucket));
      expect((await session.query('SELECT order_id, customer, amount, order_ts_hour FROM shop ORDER BY order_id')).rows).toEqual([
        { order_id: 1, customer: 'ann', amount: 10, order_ts_hour: '2026-11-23T08' },
        { order_id: 2, customer: 'bob', amount: 20, order_ts_hour: '2026-11-23T08' },
        { order_id: 3, customer: 'cy', amount: 30, order_ts_hour: '2026-11-23T10' },
        { order_id: 4, customer: 'di', amount: 40, order_ts_hour: '2026-11-23T10' },
        { order_id: 5, customer: 'ed', amount: 50, order_ts_hour: '2026-11-23T10' },
      ]);
      expect((await session.query('SELECT count(*)::INT AS n FROM shop_compacted')).rows).toEqual([{ n: 2 }]);
      expect((await session.query('SELECT count(*)::INT AS n FROM shop_staging')).rows).toEqual([{ n: 3 }]);
    } finally {
      session.close();
    }
  });

  it('shows the _lakeside_log as history and reconciles the log with the files', async () => {
    const history = await api.history({ location: bucket });
    expect(history.map((h) => [h.version, h.operation, h.operationMetrics])).toEqual([
      ['2', 'compact', { filesAdded: 1, filesRemoved: 1, rowsAdded: 2, bytesAdded: 1 }],
      ['1', 'compact', { filesAdded: 1, filesRemoved: 0, rowsAdded: 1, bytesAdded: 1 }],
    ]);
    const report = await reconcileLakeside(new LocalStore(bucket));
    expect(report.orphans.map((o) => [o.key, o.reason]).sort()).toEqual([
      ['parquet/order_ts_hour=2026-11-23T08/part-2026-11-23T08-30-00.parquet', 'removed'],
      ['parquet/order_ts_hour=2026-11-23T09/part-2026-11-23T09-59-59.parquet', 'unlogged'],
    ]);
    expect(report.missing).toEqual([]);
  });

  it('answers lakebench sql --lake and lakebench orphans', async () => {
    const { runCli } = await import('../helpers/cli-process');
    const env = { LAKEBENCH_HOME: path.join(dir, 'home') };
    const sql = await runCli(['sql', 'SELECT count(*)::INT AS n FROM shop', '--lake', dir, '--format', 'json'], env);
    expect(JSON.parse(sql.stdout)).toEqual([{ n: 5 }]);
    const orphans = await runCli(['orphans', bucket], env);
    expect(orphans.code).toBe(0);
    expect(orphans.stdout).toContain('part-2026-11-23T08-30-00.parquet');
    expect(orphans.stdout).toContain('2 files not live in _lakeside_log');
  });
});
