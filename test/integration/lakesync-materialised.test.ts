/**
 * LakeSync buckets with a compactor's `materialised/<table>/current.parquet` under the deltas: the base
 * state that deltas override column by column, that a DELETE removes and a later write resurrects; with an
 * `hlc` column its cells compete by HLC, without one they are older than every delta. And envelopes that
 * DuckDB reads directly still fail with an error naming the file and the problem.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlSession } from '../../core/sql/session';
import { FileCache } from '../../core/storage/cache';
import { LocalStore } from '../../core/storage/local';
import { S3Store } from '../../core/storage/s3';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { delta as clientDelta, hlc } from '../helpers/lakesync-deltas';
import { detectFormat } from '../../core/formats/detect';
import { uploadFolder } from '../helpers/upload-folder';


/** A delta by client-a to `table`. */
const delta = (op: 'INSERT' | 'UPDATE' | 'DELETE', table: string, rowId: string, at: string, columns: Record<string, unknown> = {}) =>
  clientDelta(op, rowId, at, 'client-a', columns, table);

async function envelope(bucket: string, name: string, deltas: unknown[] | string): Promise<void> {
  const folder = path.join(bucket, 'deltas', '2026-11-23', 'gw-a');
  await mkdir(folder, { recursive: true });
  const body = typeof deltas === 'string' ? deltas : JSON.stringify({ version: 1, gatewayId: 'gw-a', deltaCount: deltas.length, deltas });
  await writeFile(path.join(folder, `${name}.json`), body);
}

let dir: string;
let session: SqlSession;
let duck: Awaited<ReturnType<DuckDBInstance['connect']>>;

/** Writes `materialised/<table>/current.parquet` from a SELECT, with optional key-value metadata. */
async function materialise(bucket: string, table: string, select: string, kv = ''): Promise<void> {
  const folder = path.join(bucket, 'materialised', table);
  await mkdir(folder, { recursive: true });
  await duck.run(`COPY (${select}) TO '${path.join(folder, 'current.parquet')}' (FORMAT parquet${kv ? `, KV_METADATA ${kv}` : ''})`);
}

const rows = async (sql: string) => (await session.query(sql)).rows;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-lakesync-mat-'));
  session = await SqlSession.create();
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  const bucket = path.join(dir, 'bucket');
  // todos: a current state without hlc (older than every delta); `done` an int8 boolean.
  await materialise(
    bucket,
    'todos',
    `SELECT * FROM (VALUES ('m1', 'base one', 0::TINYINT, 1.5), ('m2', 'base two', 1::TINYINT, 2.0), ('m3', 'base three', 0::TINYINT, 3.0),
                           ('m4', 'base four', 1::TINYINT, 4.0)) t("rowId", title, done, qty)`,
    `{'lakesync:bool_columns': '["done"]'}`,
  );
  // tasks: a current state as the LakeSync compactor writes it (op, table, clientId, hlc, deltaId columns).
  await materialise(
    bucket,
    'tasks',
    `SELECT * FROM (VALUES ('INSERT', 'tasks', 't1', 'client-m', ${hlc(30)}::BIGINT, 'x1', 'mat one', 'low'),
                           ('INSERT', 'tasks', 't2', 'client-m', ${hlc(30)}::BIGINT, 'x2', 'mat two', NULL)) t(op, "table", "rowId", "clientId", hlc, "deltaId", title, prio)`,
  );
  // notes: only materialised, no delta mentions it; user columns named like internal ones.
  await materialise(bucket, 'notes', `SELECT 'n1' AS "rowId", 'kept' AS body, 7 AS stars, 'v' AS value, 'c' AS "column", 'r' AS row_id`);
  await envelope(bucket, `todos-${hlc(10)}-${hlc(40)}`, [
    delta('UPDATE', 'todos', 'm1', hlc(20), { title: 'new one' }), // overrides one column, the rest stays
    delta('DELETE', 'todos', 'm3', hlc(30)), // removes a materialised row
    delta('DELETE', 'todos', 'm4', hlc(10)),
    delta('UPDATE', 'todos', 'm4', hlc(40), { title: 'again' }), // resurrects with the later column only
    delta('INSERT', 'todos', 'd1', hlc(10), { title: 'delta only', done: true, qty: 9 }),
    delta('UPDATE', 'tasks', 't1', hlc(20), { title: 'older than the state' }), // loses to hlc(30)
    delta('UPDATE', 'tasks', 't1', hlc(40), { prio: 'high' }), // wins
    delta('DELETE', 'tasks', 't2', hlc(10)), // older than the state: t2 stays
  ]);
});
afterAll(async () => {
  session?.close();
  duck?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

describe('LakeSync with materialised current states', () => {
  it('puts the deltas over the materialised rows: column overrides, deletes, resurrection, HLC-stamped states, tables only materialised', async () => {
    const tables = await session.registerLakeSync(new LocalStore(path.join(dir, 'bucket')));
    expect(tables).toEqual(['notes', 'tasks', 'todos']);
    expect(await rows(`SELECT "rowId", title, done, qty FROM todos ORDER BY "rowId"`)).toEqual([
      { rowId: 'd1', title: 'delta only', done: true, qty: 9 },
      { rowId: 'm1', title: 'new one', done: false, qty: 1.5 },
      { rowId: 'm2', title: 'base two', done: true, qty: 2 },
      { rowId: 'm4', title: 'again', done: null, qty: null },
    ]);
    expect(await rows(`SELECT * FROM tasks ORDER BY "rowId"`)).toEqual([
      { rowId: 't1', title: 'mat one', prio: 'high' },
      { rowId: 't2', title: 'mat two', prio: null },
    ]);
    expect(await rows('SELECT * FROM notes')).toEqual([{ rowId: 'n1', body: 'kept', stars: 7, value: 'v', column: 'c', row_id: 'r' }]);
  });

  it('detects a bucket holding only materialised states as LakeSync, and reads it', async () => {
    const only = path.join(dir, 'only-materialised');
    await materialise(only, 'notes', `SELECT 'n9' AS "rowId", 'alone' AS body`);
    const store = new LocalStore(only);
    expect((await detectFormat(store))?.name).toBe('lakesync');
    const alone = await SqlSession.create();
    try {
      expect(await alone.registerLakeSync(store)).toEqual(['notes']);
      expect((await alone.query('SELECT * FROM notes')).rows).toEqual([{ rowId: 'n9', body: 'alone' }]);
    } finally {
      alone.close();
    }
  });

  it('keeps every materialised row when travelling to an HLC, with only the deltas up to it on top', async () => {
    await session.registerLakeSync(new LocalStore(path.join(dir, 'bucket')), { asOf: BigInt(hlc(25)) });
    expect(await rows(`SELECT "rowId", title FROM todos ORDER BY "rowId"`)).toEqual([
      { rowId: 'd1', title: 'delta only' },
      { rowId: 'm1', title: 'new one' },
      { rowId: 'm2', title: 'base two' },
      { rowId: 'm3', title: 'base three' }, // its DELETE (hlc 30) is after h
    ]);
    // t1's state is stamped hlc(30) > h, yet kept: a current state has no earlier version to go back to.
    expect(await rows(`SELECT "rowId", title, prio FROM tasks ORDER BY "rowId"`)).toEqual([
      { rowId: 't1', title: 'mat one', prio: 'low' },
      { rowId: 't2', title: 'mat two', prio: null },
    ]);
    expect(await rows('SELECT count(*)::INT AS n FROM notes')).toEqual([{ n: 1 }]);
  });
});

describe('LakeSync on S3', () => {
  it('resolves the same state from the bucket through the local cache', async () => {
    let server: S3TestServer | undefined;
    const remote = await SqlSession.create({ cache: new FileCache(path.join(dir, 'cache'), 1 << 30) });
    try {
      server = await startS3Server();
      await server.createBucket('sync');
      const store = new S3Store({ client: server.client, bucket: 'sync', prefix: 'app', urlScheme: 's3', endpoint: server.endpoint });
      await uploadFolder(path.join(dir, 'bucket'), store);
      expect(await remote.registerLakeSync(store)).toEqual(['notes', 'tasks', 'todos']);
      await session.registerLakeSync(new LocalStore(path.join(dir, 'bucket')));
      const local = await rows('SELECT * FROM todos ORDER BY "rowId"');
      expect(local).toHaveLength(4);
      expect((await remote.query('SELECT * FROM todos ORDER BY "rowId"')).rows).toEqual(local);
    } finally {
      remote.close();
      await server?.stop();
    }
  });
});

describe('LakeSync envelopes read by DuckDB', () => {
  const register = (name: string) => session.registerLakeSync(new LocalStore(path.join(dir, name)));

  it('names the file that is not JSON', async () => {
    await envelope(path.join(dir, 'broken'), 'good', [delta('INSERT', 'todos', 'r1', hlc(1), { title: 'a' })]);
    await envelope(path.join(dir, 'broken'), 'truncated', '{"version":1,"deltas":[{"op":');
    await expect(register('broken')).rejects.toThrow(/truncated\.json.*not a JSON delta envelope/);
  });

  it('names the file and the delta with an unknown op, a missing rowId or a malformed HLC', async () => {
    await envelope(path.join(dir, 'bad-op'), 'ops', [delta('INSERT', 'todos', 'r1', hlc(1)), { ...delta('INSERT', 'todos', 'r2', hlc(1)), op: 'UPSERT' }]);
    await expect(register('bad-op')).rejects.toThrow(/ops\.json \(delta 1\).*unknown op "UPSERT"/);
    await envelope(path.join(dir, 'no-row'), 'rows', [{ ...delta('INSERT', 'todos', 'r1', hlc(1)), rowId: undefined }]);
    await expect(register('no-row')).rejects.toThrow(/rows\.json \(delta 0\).*needs a table and a rowId/);
    await envelope(path.join(dir, 'bad-hlc'), 'hlcs', [delta('INSERT', 'todos', 'r1', '12a')]);
    await expect(register('bad-hlc')).rejects.toThrow(/hlcs\.json \(delta 0\).*not an HLC/);
    await envelope(path.join(dir, 'no-list'), 'empty', '{"version":1}');
    await expect(register('no-list')).rejects.toThrow(/empty\.json.*no "deltas" list/);
  });

  it('reads an explicit null as a value that wins, and deltas without columns', async () => {
    await envelope(path.join(dir, 'nulls'), 'nulls', [
      delta('INSERT', 'todos', 'r1', hlc(1), { title: 'set' }),
      delta('UPDATE', 'todos', 'r1', hlc(2), { title: null }),
      delta('INSERT', 'todos', 'r2', hlc(1)),
    ]);
    await register('nulls');
    expect(await rows(`SELECT "rowId", title FROM todos ORDER BY "rowId"`)).toEqual([
      { rowId: 'r1', title: null },
      { rowId: 'r2', title: null },
    ]);
  });
});
