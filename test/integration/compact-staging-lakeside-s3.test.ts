/**
 * compact-staging --lakeside against a real S3 server on loopback (s3rver pages listings at 1,000 keys,
 * the proxy enforces If-None-Match): more than 1,000 staged objects, a crash between the log entry and
 * the deletes, the re-run that finishes them, and the real-time view unchanged throughout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLakesideLog } from '../../core/formats/lakeside/log';
import { reconcileLakeside } from '../../core/formats/lakeside/reconcile';
import { compactStagingIntoLakeside } from '../../core/ops/compact-staging-lakeside';
import { SqlSession } from '../../core/sql/session';
import { mapWithConcurrency } from '../../core/storage/concurrency';
import { FileCache } from '../../core/storage/cache';
import { S3Store } from '../../core/storage/s3';
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

const HOURS = ['2026-11-23T08', '2026-11-23T09', '2026-11-23T10'];
const RECORDS = 1_050;

describe('compact-staging --lakeside on S3', () => {
  it('takes more than 1,000 staged objects exactly once across a crash after the log entry', { timeout: 180_000 }, async () => {
    const store = storeAt('shop');
    await store.put(
      'schema/schema.json',
      JSON.stringify({ fields: [{ name: 'id', type: 'INT64', repetitionType: 'REQUIRED' }, { name: 'label', type: 'BYTE_ARRAY' }] }),
    );
    const ids = Array.from({ length: RECORDS }, (_, i) => i);
    await mapWithConcurrency(ids, 16, (id) =>
      store.put(`data/order_ts_hour=${HOURS[id % 3]}/rec-${String(id).padStart(5, '0')}.json`, JSON.stringify({ id, label: `r${id}` })),
    );
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
