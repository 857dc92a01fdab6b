/**
 * FileCache over a real S3 server (s3rver behind the recording proxy): GETs are counted from the
 * requests the server actually received, so "no second download" is observed, not assumed. Two real
 * processes share one cache folder in the last test.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { FileCache } from '../../core/storage/cache';
import { LocalStore } from '../../core/storage/local';
import { S3Store } from '../../core/storage/s3';
import { cacheObject } from '../helpers/cache-objects';
import { ROOT } from '../helpers/cli-process';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let server: S3TestServer;
let store: S3Store;
let cacheDir: string;
let storeCount = 0;

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket('cache');
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-cache-'));
  store = new S3Store({ client: server.client, bucket: 'cache', prefix: `lake${++storeCount}`, urlScheme: 's3', endpoint: server.endpoint });
});

afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** GetObject requests the server received for `key` of the current store. */
function getsOf(key: string): number {
  const objectPath = `/cache/lake${storeCount}/${key}`;
  return server.requests.filter((r) => r.method === 'GET' && decodeURIComponent(r.url.split('?')[0]) === objectPath).length;
}

async function putSized(key: string, size: number, fill = 'x'): Promise<{ key: string; size: number; etag?: string }> {
  await store.put(key, fill.repeat(size));
  const info = await store.head(key);
  return { key, size: info!.size, etag: info!.etag };
}

/** The cache's data files: everything but its index and the processes' lease files. */
async function cachedFiles(dir: string): Promise<string[]> {
  return (await allFiles(dir)).filter((f) => f !== 'index.json' && !f.startsWith('leases/'));
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('FileCache', () => {
  it('downloads once, keeps hive folders and basenames, and reuses the copy across instances', async () => {
    const item = await putSized('year=2024/month=01/part-0.parquet', 100);
    const cache = new FileCache(cacheDir, 10_000);
    const first = await cache.ensureLocal(store, item.key, item);
    const storeHash = createHash('sha1').update(store.id).digest('hex').slice(0, 16);
    expect(first).toBe(path.join(cacheDir, storeHash, 'year=2024', 'month=01', 'part-0.parquet'));
    expect(await readFile(first, 'utf8')).toBe('x'.repeat(100));
    expect(getsOf(item.key)).toBe(1);

    expect(await cache.ensureLocal(store, item.key, item)).toBe(first);
    expect(await new FileCache(cacheDir, 10_000).ensureLocal(store, item.key, item)).toBe(first);
    expect(getsOf(item.key)).toBe(1);
  });

  it('refetches when the size or the etag differs', async () => {
    const cache = new FileCache(cacheDir, 10_000);
    const v1 = await putSized('t/data.parquet', 10, 'a');
    await cache.ensureLocal(store, v1.key, v1);

    const v2 = await putSized('t/data.parquet', 12, 'b');
    const path2 = await cache.ensureLocal(store, v2.key, v2);
    expect(await readFile(path2, 'utf8')).toBe('b'.repeat(12));
    expect(getsOf(v2.key)).toBe(2);

    const v3 = await putSized('t/data.parquet', 12, 'c');
    expect(v3.etag).not.toBe(v2.etag);
    expect(await readFile(await cache.ensureLocal(store, v3.key, v3), 'utf8')).toBe('c'.repeat(12));
    expect(getsOf(v3.key)).toBe(3);
  });

  it('evicts least recently used files to stay within the budget', async () => {
    const cache = new FileCache(cacheDir, 250);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => putSized(`${name}.parquet`, 100)));
    const pathA = await cache.ensureLocal(store, a.key, a);
    const pathB = await cache.ensureLocal(store, b.key, b);
    await cache.ensureLocal(store, a.key, a); // a is now more recent than b
    const pathC = await cache.ensureLocal(store, c.key, c);

    expect(existsSync(pathA)).toBe(true);
    expect(existsSync(pathB)).toBe(false);
    expect(existsSync(pathC)).toBe(true);
    expect(await cache.usedBytes()).toBe(200);
    const onDisk = await cachedFiles(cacheDir);
    expect(onDisk.map((f) => path.basename(f)).sort()).toEqual(['a.parquet', 'c.parquet']);
  });

  it('fetches a batch in parallel with progress and never evicts what the batch needs', async () => {
    const cache = new FileCache(cacheDir, 150);
    const items = await Promise.all(Array.from({ length: 6 }, (_, i) => putSized(`batch/p${i}.parquet`, 50)));
    const progress: { done: number; total: number; bytes: number }[] = [];
    const paths = await cache.ensureMany(store, items, { concurrency: 3, onProgress: (p) => progress.push(p) });

    expect([...paths.keys()].sort()).toEqual(items.map((i) => i.key).sort());
    for (const item of items) expect((await readFile(paths.get(item.key)!)).length).toBe(50);
    expect(progress.at(-1)).toEqual({ done: 6, total: 6, bytes: 300 });
    // Over budget only because this batch needs it all; the next batch evicts down to the budget.
    const next = await putSized('batch/next.parquet', 50);
    await cache.ensureLocal(store, next.key, next);
    expect(await cache.usedBytes()).toBeLessThanOrEqual(150);
    expect(await allFiles(cacheDir)).not.toContainEqual(expect.stringContaining('.lakebench-tmp-'));
  });

  it('refuses an object whose size differs from the expected one, leaving nothing behind', async () => {
    const item = await putSized('t/short.parquet', 10);
    const cache = new FileCache(cacheDir, 10_000);
    const error = await cache.ensureLocal(store, item.key, { size: 11 }).catch((e: unknown) => e);
    expect(isLakebenchError(error, 'CORRUPT')).toBe(true);
    expect((error as { object?: string }).object).toBe(store.urlOf(item.key));
    expect(await cachedFiles(cacheDir)).toEqual([]);
  });

  it('never serves a download that broke: nothing is left under the final name', async () => {
    const item = await putSized('t/broken.parquet', 50_000);
    const flaky = new S3Store({ client: server.client, bucket: 'cache', prefix: `lake${storeCount}`, urlScheme: 's3', endpoint: server.endpoint, network: { maxAttempts: 2, baseDelayMs: 1 } });
    server.addFaultRule({ method: 'GET', url: /t\/broken\.parquet/, kind: 'cut', times: 2, at: 0.6 });
    const error = await new FileCache(cacheDir, 10_000_000).ensureLocal(flaky, item.key, item).catch((e: unknown) => e);
    expect(isLakebenchError(error)).toBe(true);
    expect(await cachedFiles(cacheDir)).toEqual([]);
    // Cut once only, the download resumes where it broke and the copy is whole.
    server.addFaultRule({ method: 'GET', url: /t\/broken\.parquet/, kind: 'cut', at: 0.6 });
    const copy = await new FileCache(cacheDir, 10_000_000).ensureLocal(flaky, item.key, item);
    expect(await readFile(copy, 'utf8')).toBe('x'.repeat(50_000));
  });

  it('stops with CANCELLED when the signal is aborted', async () => {
    const item = await putSized('t/x.parquet', 10);
    const controller = new AbortController();
    controller.abort();
    const error = await new FileCache(cacheDir, 10_000).ensureMany(store, [item], { signal: controller.signal }).catch((e: unknown) => e);
    expect(isLakebenchError(error, 'CANCELLED')).toBe(true);
    expect(getsOf(item.key)).toBe(0);
  });

  it('reads local stores in place without copying', async () => {
    const lake = await mkdtemp(path.join(os.tmpdir(), 'lakebench-cache-local-'));
    try {
      const local = new LocalStore(lake);
      await local.put('d/p.parquet', 'abc');
      const cache = new FileCache(cacheDir, 10);
      expect(await cache.ensureLocal(local, 'd/p.parquet', { size: 3 })).toBe(path.join(lake, 'd', 'p.parquet'));
      expect(await allFiles(cacheDir)).toEqual([]);
    } finally {
      await rm(lake, { recursive: true, force: true });
    }
  });

  it('keeps a leased file until released, even when the budget needs the room', async () => {
    const cache = new FileCache(cacheDir, 150);
    const [a, b] = await Promise.all(['la', 'lb'].map((name) => putSized(`lease/${name}.parquet`, 100)));
    const lease = cache.lease();
    const pathA = (await cache.ensureMany(store, [a], { lease })).get(a.key)!;
    await cache.ensureLocal(store, b.key, b); // needs a's room, but a is in use
    expect(existsSync(pathA)).toBe(true);
    await lease.release();
    const c = await putSized('lease/lc.parquet', 100);
    await cache.ensureLocal(store, c.key, c);
    expect(existsSync(pathA)).toBe(false);
  });
});

describe('FileCache shared by two processes', () => {
  it('keeps one consistent index, never evicts what the other uses, never serves a partial file', async () => {
    const objects = 30;
    for (let i = 0; i < objects; i++) {
      const { key, body } = cacheObject(i);
      await store.put(key, body);
    }
    // Room for about six objects: with two processes fetching four each per round, every round evicts.
    const budget = 250_000;
    const worker = (seed: number) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', path.join(ROOT, 'test/helpers/cache-worker.ts'), cacheDir, String(budget), server.endpoint, `lake${storeCount}`, String(objects), '60', String(seed)],
          { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const runs = await Promise.all([worker(1), worker(2)]);
    expect(runs.map((r) => r.stderr)).toEqual(['', '']);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);

    // The index on disk lists exactly the files there, each whole, within the budget (nothing is pinned now).
    const index = JSON.parse(await readFile(path.join(cacheDir, 'index.json'), 'utf8')) as { entries: [string, { size: number }][] };
    const storeDir = createHash('sha1').update(store.id).digest('hex').slice(0, 16);
    const indexed = index.entries.map(([id]) => id).sort();
    const onDisk = (await allFiles(cacheDir)).filter((f) => f.startsWith(`${storeDir}/`)).sort();
    expect(onDisk).toEqual(indexed);
    for (const [id, identity] of index.entries) {
      const i = Number(/obj-(\d+)\.bin$/.exec(id)![1]);
      expect((await readFile(path.join(cacheDir, id))).equals(cacheObject(i).body)).toBe(true);
      expect(identity.size).toBe(cacheObject(i).size);
    }
    expect((await allFiles(cacheDir)).filter((f) => !f.startsWith(`${storeDir}/`) && !f.startsWith('leases/'))).toEqual(['index.json']);
    // Pins held while the other process evicted may leave the cache over budget when both end; the next
    // fetch (the exited processes' leases no longer count) brings it back within it.
    const next = cacheObject(0);
    await new FileCache(cacheDir, budget).ensureLocal(store, next.key, next);
    const after = JSON.parse(await readFile(path.join(cacheDir, 'index.json'), 'utf8')) as { entries: [string, { size: number }][] };
    expect(after.entries.reduce((sum, [, e]) => sum + e.size, 0)).toBeLessThanOrEqual(budget);
  }, 120_000);
});
