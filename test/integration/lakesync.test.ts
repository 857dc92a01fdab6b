/**
 * LakeSync buckets resolved by DuckDB: column-level last-writer-wins by HLC with the clientId tie-break,
 * deletes and resurrecting writes, partial UPDATEs, JSON envelopes and Parquet deltas, time travel by HLC.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHlc, hlcAtTime, parseHlc } from '../../core/formats/lakesync/hlc';
import { SqlSession } from '../../core/sql/session';
import { LocalStore } from '../../core/storage/local';
import { delta, hlc, writeEnvelope } from '../helpers/lakesync-deltas';


let dir: string;
let session: SqlSession;

const envelope = writeEnvelope;

const rows = async (sql: string) => (await session.query(sql)).rows;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-lakesync-'));
  session = await SqlSession.create();
  const bucket = path.join(dir, 'bucket');
  // Files arrive out of HLC order: the later gateway file holds earlier deltas.
  await envelope(bucket, '2026-11-23', 'gw-b', 'todos', [
    delta('UPDATE', 'r1', hlc(50), 'client-a', { title: 'late title' }), // newest title wins
    delta('UPDATE', 'r2', hlc(20), 'client-a', { done: false }), // tie at hlc(20): client-b > client-a wins
    delta('DELETE', 'r3', hlc(30), 'client-a'),
    delta('UPDATE', 'r3', hlc(40), 'client-b', { title: 'back' }), // resurrects r3 with title only
    delta('DELETE', 'r4', hlc(30), 'client-a'), // deleted for good
  ]);
  await envelope(bucket, '2026-11-23', 'gw-a', 'todos', [
    delta('INSERT', 'r1', hlc(10), 'client-a', { title: 'first', done: false, meta: { tags: ['x'] } }),
    delta('INSERT', 'r2', hlc(10), 'client-a', { title: 'two', done: false }),
    delta('UPDATE', 'r2', hlc(20), 'client-b', { done: true }),
    delta('INSERT', 'r3', hlc(10), 'client-a', { title: 'three', done: true }),
    delta('INSERT', 'r4', hlc(10), 'client-a', { title: 'four', done: false }),
    delta('UPDATE', 'r4', hlc(25), 'client-a', { title: 'four!' }), // ≤ the delete's HLC: dropped
    delta('INSERT', 'n1', hlc(15), 'client-a', { body: 'a note' }, 'notes'),
  ]);
  // A Parquet delta file: a null cell is "not in this delta"; `done` is an int8 boolean.
  const parquet = path.join(bucket, 'deltas', '2026-11-23', 'gw-c');
  await mkdir(parquet, { recursive: true });
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run(`COPY (SELECT * FROM (VALUES
      ('UPDATE', 'todos', 'r2', 'client-c', ${hlc(60)}::BIGINT, 'p1', 'from parquet', NULL::TINYINT),
      ('INSERT', 'todos', 'r5', 'client-c', ${hlc(60, 1)}::BIGINT, 'p2', 'five', 1::TINYINT)
    ) t(op, "table", "rowId", "clientId", hlc, "deltaId", title, done))
    TO '${path.join(parquet, `todos-${hlc(60)}-${hlc(60, 1)}.parquet`)}' (FORMAT parquet, KV_METADATA {'lakesync:bool_columns': '["done"]'})`);
  duck.closeSync();
});
afterAll(async () => {
  session?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('LakeSync resolution', () => {
  it('resolves every table: LWW per column, clientId ties, deletes and resurrection, partial updates, Parquet deltas', async () => {
    const tables = await session.registerLakeSync(new LocalStore(path.join(dir, 'bucket')));
    expect(tables).toEqual(['notes', 'todos']);
    expect(await rows(`SELECT "rowId", title, done, meta::VARCHAR AS meta FROM todos ORDER BY "rowId"`)).toEqual([
      { rowId: 'r1', title: 'late title', done: false, meta: '{"tags":["x"]}' },
      { rowId: 'r2', title: 'from parquet', done: true, meta: null },
      { rowId: 'r3', title: 'back', done: null, meta: null },
      { rowId: 'r5', title: 'five', done: true, meta: null },
    ]);
    expect(await rows('SELECT "rowId", body FROM notes')).toEqual([{ rowId: 'n1', body: 'a note' }]);
  });

  it('travels to the state as of an HLC', async () => {
    await session.registerLakeSync(new LocalStore(path.join(dir, 'bucket')), { asOf: BigInt(hlc(25)) });
    expect(await rows(`SELECT "rowId", title, done FROM todos ORDER BY "rowId"`)).toEqual([
      { rowId: 'r1', title: 'first', done: false },
      { rowId: 'r2', title: 'two', done: true },
      { rowId: 'r3', title: 'three', done: true },
      { rowId: 'r4', title: 'four!', done: false },
    ]);
    await session.registerLakeSync(new LocalStore(path.join(dir, 'bucket')), { asOf: hlcAtTime('2026-11-23T10:00:00.035Z') });
    expect((await rows(`SELECT "rowId" FROM todos ORDER BY "rowId"`)).map((r) => r.rowId)).toEqual(['r1', 'r2']);
  });

  it('reads and shows HLCs as wall time plus counter, and refuses a malformed one', () => {
    expect(formatHlc(BigInt(hlc(0)))).toBe('2026-11-23T10:00:00.000Z');
    expect(formatHlc(BigInt(hlc(5, 3)))).toBe('2026-11-23T10:00:00.005Z+3');
    expect(parseHlc(hlc(1), 'x')).toBe(BigInt(hlc(1)));
    expect(() => parseHlc('12a', 'deltas/x.json')).toThrow(/not an HLC/);
  });
});

describe('LakeSync from the command line', () => {
  it('finds the bucket as a lakesync table and queries it with --lake and with @<HLC>', async () => {
    const { runCli } = await import('../helpers/cli-process');
    const env = { LAKEBENCH_HOME: path.join(dir, 'home') };
    const tables = await runCli(['tables', dir, '--json'], env);
    expect(JSON.parse(tables.stdout)).toMatchObject([{ name: 'bucket', layout: 'lakesync' }]);
    const latest = await runCli(['sql', 'SELECT "rowId", title FROM todos ORDER BY 1', '--lake', dir, '--format', 'json'], env);
    expect(JSON.parse(latest.stdout).map((r: { rowId: string }) => r.rowId)).toEqual(['r1', 'r2', 'r3', 'r5']);
    const past = await runCli(['sql', 'SELECT "rowId", title FROM todos ORDER BY 1', '--table', `b=${path.join(dir, 'bucket')}@${hlc(25)}`, '--format', 'json'], env);
    expect(past.stderr).toBe('');
    expect(JSON.parse(past.stdout)).toContainEqual({ rowId: 'r4', title: 'four!' });
    const byTime = await runCli(['sql', 'SELECT count(*)::INT AS n FROM todos', '--table', `b=${path.join(dir, 'bucket')}@2026-11-23T10:00:00.035Z`, '--format', 'json'], env);
    expect(JSON.parse(byTime.stdout)).toEqual([{ n: 2 }]);
  });
});

describe('lakesync compact', () => {
  it('materialises every table into a Delta table once; a re-run with nothing new commits nothing; a new delta file is taken', async () => {
    const { lakesyncCompact } = await import('../../core/ops/lakesync-compact');
    const { DeltaTable } = await import('../../core/formats/delta/table');
    const { queryTable } = await import('../helpers/delta-rows');
    const bucket = path.join(dir, 'compact-bucket');
    await envelope(bucket, '2026-11-23', 'gw-a', 'todos', [
      delta('INSERT', 'r1', hlc(10), 'client-a', { title: 'one', done: false }),
      delta('INSERT', 'r2', hlc(10), 'client-a', { title: 'two', done: false }),
      delta('DELETE', 'r2', hlc(20), 'client-a'),
    ]);
    const into = new LocalStore(path.join(dir, 'materialised'));
    const first = await lakesyncCompact(new LocalStore(bucket), into, {});
    expect(first.tables).toMatchObject([{ table: 'todos', version: 0, rows: 1, upToDate: false }]);
    const todos = into.child('todos');
    expect(await queryTable(todos, 'SELECT "rowId", title, done FROM t')).toEqual([{ rowId: 'r1', title: 'one', done: false }]);

    const again = await lakesyncCompact(new LocalStore(bucket), into, {});
    expect(again.tables).toMatchObject([{ table: 'todos', upToDate: true }]);
    expect(await (await DeltaTable.open(todos)).latestVersion()).toBe(0);

    // A later file with an older HLC (out of order) still counts: r1's title at hlc(15) beats hlc(10).
    await new Promise((resolve) => setTimeout(resolve, 20));
    await envelope(bucket, '2026-11-24', 'gw-b', 'todos', [delta('UPDATE', 'r1', hlc(15), 'client-b', { title: 'uno' }), delta('DELETE', 'r1', hlc(5), 'client-c')]);
    const third = await lakesyncCompact(new LocalStore(bucket), into, {});
    expect(third.tables).toMatchObject([{ table: 'todos', version: 1, rows: 1 }]);
    expect(await queryTable(todos, 'SELECT "rowId", title FROM t')).toEqual([{ rowId: 'r1', title: 'uno' }]);

    const { runCli } = await import('../helpers/cli-process');
    const env = { LAKEBENCH_HOME: path.join(dir, 'home') };
    const cli = await runCli(['lakesync', 'compact', bucket, '--into', path.join(dir, 'materialised-cli'), '--json'], env);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ tables: [{ table: 'todos', version: 0, rows: 1 }], dryRun: false });
    const log = await runCli(['log', '--json'], env);
    expect(JSON.parse(log.stdout)[0]).toMatchObject({ operation: 'lakesync-compact', status: 'ok' });
  });
});
