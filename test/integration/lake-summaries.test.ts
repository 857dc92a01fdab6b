/**
 * The bucket views' summaries (lakeSyncSummary, lakesideSummary) on local folders and on a real S3 server
 * on loopback, where every file reaches DuckDB through the cache: the same answers either way, with
 * exact counts, HLC ranges and the reconcile report.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { lakeSyncSummary } from '../../core/api/lakesync-summary';
import { lakesideSummary } from '../../core/api/lakeside-summary';
import { openLocation } from '../../core/storage/location';
import { S3Store } from '../../core/storage/s3';
import { writeLakeSync, writeLakeside } from '../helpers/lake-buckets';
import { hlc } from '../helpers/lakesync-deltas';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let dir: string;
let server: S3TestServer;
let api: LakebenchApi;

/** Uploads every file under `folder` to `s3://lake/<prefix>/…`. */
async function upload(folder: string, prefix: string): Promise<void> {
  const store = new S3Store({ client: server.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.endpoint });
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    await store.put(path.relative(folder, file).split(path.sep).join('/'), await readFile(file));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-lake-summaries-'));
  await writeLakeSync(path.join(dir, 'sync'));
  await writeLakeside(path.join(dir, 'shop'));
  server = await startS3Server();
  await server.createBucket('lake');
  await upload(path.join(dir, 'sync'), 'sync');
  await upload(path.join(dir, 'shop'), 'shop');
  api = createApi({ catalogPath: path.join(dir, 'catalog.sqlite'), cacheDir: path.join(dir, 'cache') }, ({ location }) =>
    location.startsWith('s3://')
      ? new S3Store({ client: server.client, bucket: 'lake', prefix: location.slice('s3://lake/'.length), urlScheme: 's3', endpoint: server.endpoint })
      : openLocation(location),
  );
}, 60_000);

afterAll(async () => {
  await api?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('lakeSyncSummary', () => {
  it('gives the tables as resolved, the delta files by max HLC with delta counts, and the materialised state', async () => {
    const local = await lakeSyncSummary(api, { location: path.join(dir, 'sync') });
    expect(local.tables.map((t) => [t.name, t.rows, t.columns.map((c) => `${c.name} ${c.type}`)])).toEqual([
      ['notes', 2, ['rowId VARCHAR', 'text VARCHAR']],
      ['todos', 3, ['rowId VARCHAR', 'title VARCHAR', 'done BOOLEAN']],
    ]);
    expect(local.files.map((f) => [f.date, f.gateway, f.table, f.format, f.minHlc, f.maxHlc, f.deltas])).toEqual([
      ['2026-11-23', 'gw-a', 'todos', 'json', hlc(0), hlc(10), 2],
      ['2026-11-23', 'gw-b', 'todos', 'json', hlc(20, 2), hlc(30), 2],
      ['2026-11-23', 'gw-b', 'notes', 'json', hlc(40), hlc(40), 1],
      ['2026-11-24', 'gw-a', 'todos', 'json', hlc(50), hlc(50), 1],
      ['2026-11-24', 'gw-c', 'todos', 'parquet', hlc(60), hlc(60, 1), 2],
    ]);
    expect([local.files[1]!.minTime, local.files[4]!.maxTime]).toEqual(['2026-11-23T10:00:00.020Z+2', '2026-11-23T10:00:00.060Z+1']);
    expect(local.materialised.map((m) => [m.table, m.key])).toEqual([['notes', 'materialised/notes/current.parquet']]);

    const remote = await lakeSyncSummary(api, { location: 's3://lake/sync' });
    expect(remote.location).toBe('s3://lake/sync');
    const comparable = (s: typeof local) => ({ ...s, location: '', materialised: s.materialised.map(({ lastModified: _, ...m }) => m) });
    expect(comparable(remote)).toEqual(comparable(local));
  });
});

describe('lakesideSummary', () => {
  it('gives the row counts, staging per partition, live compacted files and the reconcile report', async () => {
    const local = await lakesideSummary(api, { location: path.join(dir, 'shop') });
    expect(local.rows).toEqual({ realTime: 12, compacted: 7, staged: 5 });
    expect(local.staging.map((p) => [p.partition, p.files, p.records])).toEqual([
      ['order_ts_hour=2026-11-23T09', 3, 4],
      ['order_ts_hour=2026-11-23T10', 1, 1],
    ]);
    expect(local.compacted.map((f) => [f.partition, f.rowCount])).toEqual([['order_ts_hour=2026-11-23T08', 7]]);
    expect(local.reconcile.orphans.map((o) => [o.key, o.reason])).toEqual([['parquet/order_ts_hour=2026-11-23T07/part-2026-11-23T07-00-00.parquet', 'unlogged']]);
    expect(local.reconcile.missing).toEqual([]);
    expect(local.logEntries).toBe(1);

    const remote = await lakesideSummary(api, { location: 's3://lake/shop' });
    expect(remote.rows).toEqual(local.rows);
    expect(remote.staging).toEqual(local.staging);
    expect(remote.compacted).toEqual(local.compacted);
    expect(remote.reconcile.orphans.map((o) => o.object)).toEqual(['s3://lake/shop/parquet/order_ts_hour=2026-11-23T07/part-2026-11-23T07-00-00.parquet']);
  });
});
