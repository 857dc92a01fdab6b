/**
 * compact-staging against a real S3 server on loopback (s3rver pages listings at 1,000 keys, the proxy
 * enforces If-None-Match), into a Delta table and with --lakeside into the bucket's own layout: more than
 * 1,000 staged objects, a crash between the commit and the deletes, then re-runs (for Lakeside with the
 * real-time view unchanged throughout; for Delta with a quarantined record).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLakesideLog } from '../../core/formats/lakeside/log';
import { reconcileLakeside } from '../../core/formats/lakeside/reconcile';
import { compactStaging } from '../../core/ops/compact-staging';
import { compactStagingIntoLakeside } from '../../core/ops/compact-staging-lakeside';
import { SqlSession } from '../../core/sql/session';
import { FileCache } from '../../core/storage/cache';
import { mapWithConcurrency } from '../../core/storage/concurrency';
import { S3Store } from '../../core/storage/s3';
import { queryTable } from '../helpers/delta-rows';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let server: S3TestServer;
let cacheDir: string;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-lakeside-s3-cache-'));
});
afterAll(async () => {
  await server?.stop();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

function storeAt(prefix: string): S3Store {
  return new S3Store({ client: server.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.endpoint });
}

async function keysUnder(store: S3Store, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.listAll(prefix)) keys.push(info.key);
  return keys;
}

const HOURS = ['2026-11-23T08', '2026-11-23T09', '2026-11-23T10'];
const RECORDS = 1_050;

/** RECORDS one-record objects `{id, label}` spread over the hours, with a schema whose label field is `label` (a Parquet field spec). */
async function stageRecords(store: S3Store, label: object): Promise<number[]> {
  await store.put('schema/schema.json', JSON.stringify({ fields: [{ name: 'id', type: 'INT64', repetitionType: 'REQUIRED' }, { name: 'label', ...label }] }));
  const ids = Array.from({ length: RECORDS }, (_, i) => i);
  await mapWithConcurrency(ids, 16, (id) =>
    store.put(`data/order_ts_hour=${HOURS[id % 3]}/rec-${String(id).padStart(5, '0')}.json`, JSON.stringify({ id, label: `r${id}` })),
  );
  return ids;
}

/** The real-time view's ids per hour, through the session's cache (as the app reads a remote bucket). */
async function viewIds(store: S3Store): Promise<string[]> {
  const session = await SqlSession.create({ cache: new FileCache(cacheDir, 1 << 30), threads: 2 });
  try {
    await session.registerLakeside('shop', store);
    const { rows } = await session.query('SELECT id, label, order_ts_hour FROM shop');
    return rows.map((r) => `${String(r.order_ts_hour)}/${Number(r.id)}/${String(r.label)}`).sort();
  } finally {
    session.close();
  }
}

describe('compact-staging on S3', () => {
  it('takes more than 1,000 staged objects exactly once across a crash after the commit', { timeout: 180_000 }, async () => {
    const staging = storeAt('bucket-a');
    const target = staging.child('delta');
    const ids = await stageRecords(staging, { type: 'BYTE_ARRAY', logicalType: 'UTF8' });
    await staging.put(`data/order_ts_hour=${HOURS[0]}/bad.ndjson`, '{"id":1}\n{"label":"no id"}\n');
    expect(await keysUnder(staging, 'data/')).toHaveLength(RECORDS + 1);

    const crash = new Error('crash after commit');
    await expect(compactStaging(staging, target, { afterCommit: () => Promise.reject(crash) })).rejects.toBe(crash);
    const expected = [...ids, 1].sort((a, b) => a - b);
    const tableIds = async () => (await queryTable(target, 'SELECT id FROM t ORDER BY id')).map((r) => Number(r.id));
    expect(await tableIds()).toEqual(expected);
    expect(await keysUnder(staging, 'data/')).toHaveLength(RECORDS + 1); // committed, not yet deleted

    const rerun = await compactStaging(staging, target);
    expect(rerun).toMatchObject({ version: undefined, resumedRuns: 1, sourcesRead: 0, sourcesDeleted: RECORDS + 1 });
    expect(await keysUnder(staging, 'data/')).toEqual([]);
    expect(await keysUnder(staging, '_lakebench/')).toEqual([]);
    expect(await tableIds()).toEqual(expected);

    const quarantine = await keysUnder(staging, 'quarantine/');
    expect(quarantine).toHaveLength(1);
    const entries = new TextDecoder().decode(await staging.get(quarantine[0]!)).trim().split('\n').map((l) => JSON.parse(l));
    expect(entries).toEqual([
      { file: `data/order_ts_hour=${HOURS[0]}/bad.ndjson`, line: 2, error: 'missing required field "id"', raw: '{"label":"no id"}' },
    ]);
    const perHour = await queryTable(target, 'SELECT order_ts_hour AS h, count(*) AS n FROM t GROUP BY 1 ORDER BY 1');
    expect(perHour.map((r) => [r.h, Number(r.n)])).toEqual([
      [HOURS[0], 351],
      [HOURS[1], 350],
      [HOURS[2], 350],
    ]);

    expect(await compactStaging(staging, target)).toMatchObject({ version: undefined, resumedRuns: 0, sourcesRead: 0, sourcesDeleted: 0 });
  });
});

describe('compact-staging --lakeside on S3', () => {
  it('takes more than 1,000 staged objects exactly once across a crash after the log entry', { timeout: 180_000 }, async () => {
    const store = storeAt('shop');
    // Lakeside writes strings as BYTE_ARRAY without a UTF8 annotation.
    await stageRecords(store, { type: 'BYTE_ARRAY' });
    expect(await keysUnder(store, 'data/')).toHaveLength(RECORDS);
    const before = await viewIds(store);
    expect(before).toHaveLength(RECORDS);

    const crash = new Error('crash after the entry');
    await expect(compactStagingIntoLakeside(store, { afterCommit: () => Promise.reject(crash) })).rejects.toBe(crash);
    const { entries } = await readLakesideLog(store);
    expect(entries.map((e) => [e.version, e.add.reduce((n, a) => n + (a.rowCount ?? 0), 0)])).toEqual([[0, RECORDS]]);
    expect(await keysUnder(store, 'data/')).toHaveLength(RECORDS); // committed, not yet deleted
    // Between the entry and the deletes the staged copies still show in the view: the re-run removes them.
    const rerun = await compactStagingIntoLakeside(store);
    expect(rerun).toMatchObject({ version: undefined, resumedRuns: 1, sourcesRead: 0, sourcesDeleted: RECORDS });
    expect(await keysUnder(store, 'data/')).toEqual([]);
    expect(await keysUnder(store, '_lakebench/')).toEqual([]);
    expect(await viewIds(store)).toEqual(before);
    expect(await keysUnder(store, 'parquet/')).toEqual(entries[0]!.add.map((a) => a.path).sort());
    expect(await reconcileLakeside(store)).toMatchObject({ orphans: [], missing: [] });

    // New records after the compaction go into the next version.
    await store.put(`data/order_ts_hour=${HOURS[0]}/late.ndjson`, '{"id":5000,"label":"late"}\n');
    expect(await compactStagingIntoLakeside(store)).toMatchObject({ version: 1, records: 1, sourcesDeleted: 1 });
    expect(await viewIds(store)).toEqual([...before, `${HOURS[0]}/5000/late`].sort());
  });
});
