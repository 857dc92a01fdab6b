/**
 * The Delta file index of a remote table (issue 17): a generated table of 2,000 files (a 3-part
 * checkpoint at 100 and 99 commits after it) on the loopback S3 server, read through the file cache,
 * against the JS snapshot reader of the same store; and a shared index found again without a read.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deltaFormat } from '../../core/formats/delta/plugin';
import { DeltaTable } from '../../core/formats/delta/table';
import { DeltaFileIndex } from '../../core/sql/delta-file-index';
import { FileCache } from '../../core/storage/cache';
import { S3Store } from '../../core/storage/s3';
import { type BigTableShape, checkpointVersionOf, dayOf, filesOfDay, writeBigDeltaTable } from '../helpers/big-delta-table';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';

const SHAPE: BigTableShape = { files: 2_000, commits: 200, checkpointInterval: 100, days: 30, partRows: 400 };

let server: S3TestServer;
let dir: string;
let cache: FileCache;
const indexes: DeltaFileIndex[] = [];

const storeAt = (prefix: string) => new S3Store({ client: server.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.endpoint });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-file-index-s3-'));
  await writeBigDeltaTable(path.join(dir, 'table'), SHAPE);
  server = await startS3Server();
  await server.createBucket('lake');
  await uploadFolder(path.join(dir, 'table'), storeAt('big'));
  cache = new FileCache(path.join(dir, 'cache'), 1 << 30);
}, 120_000);

afterAll(async () => {
  for (const index of indexes) index.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Keys read by GET since `from` (listings left out). */
const readsSince = (from: number) =>
  server.requests
    .slice(from)
    .filter((r) => r.method === 'GET' && !r.url.includes('list-type=2'))
    .map((r) => decodeURIComponent(r.url));

describe('Delta file index on S3', () => {
  it('holds the live files, partitions and pruned files the snapshot reader finds, from checkpoint parts fetched into the cache', async () => {
    const store = storeAt('big');
    const table = await DeltaTable.open(store);
    const index = await DeltaFileIndex.open(table, {}, cache);
    indexes.push(index);
    const snapshot = await table.snapshot();
    expect(checkpointVersionOf(SHAPE)).toBe(100);
    expect(index.version).toBe(snapshot.version);
    expect(index.fileCount).toBe(snapshot.files.length);
    const page = await index.files(0, SHAPE.files);
    expect(page.total).toBe(SHAPE.files);
    expect(page.rows.map((f) => f.path).sort()).toEqual(snapshot.files.map((f) => f.path).sort());
    const partitions = await index.partitions(0, SHAPE.days);
    expect(partitions.total).toBe(SHAPE.days);
    expect(partitions.rows.map((p) => p.files)).toEqual(Array.from({ length: SHAPE.days }, (_, d) => filesOfDay(SHAPE, d)));
    const pruned = await index.prunedFiles(`SELECT * FROM big WHERE day = DATE '${dayOf(SHAPE, 7)}'`, 'big');
    expect(pruned?.length).toBe(snapshot.files.filter((f) => f.partitionValues.day === dayOf(SHAPE, 7)).length);
  });

  it('answers a page of files through the format, with the total, as the unpaged answer has them', async () => {
    const context = { session: () => Promise.reject(new Error('no session in this test')), cache: async () => cache };
    const handle = await deltaFormat.open(storeAt('big'), context);
    const all = await handle.files!({ kind: 'latest' });
    const page = await handle.files!({ kind: 'latest' }, { offset: SHAPE.files - 7, limit: 50 });
    expect(page.total).toBe(all.files.length);
    expect(page.files).toHaveLength(7);
    const byPath = new Map(all.files.map((f) => [f.path, f]));
    for (const file of page.files) expect(file).toEqual(byPath.get(file.path));
  });

  it('finds a shared index again by listing the log only: no commit, checkpoint or hint is read', async () => {
    const table = await DeltaTable.open(storeAt('big'));
    const first = await DeltaFileIndex.shared(table, {}, cache);
    const from = server.requests.length;
    const again = await DeltaFileIndex.shared(table, {}, cache);
    expect(again).toBe(first);
    expect(readsSince(from)).toEqual([]);
    expect(server.requests.length).toBeGreaterThan(from);
  });

  it('refuses a remote table without a cache, naming it', async () => {
    const store = storeAt('big');
    await expect(DeltaFileIndex.open(await DeltaTable.open(store))).rejects.toMatchObject({ code: 'UNSUPPORTED_OPERATION', object: store.url });
  });
});
