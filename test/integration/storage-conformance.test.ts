/**
 * One behaviour for every ObjectStore: the same cases run against a local folder and against a real
 * S3 server (s3rver behind the conditional-write proxy), driven by the real AWS SDK.
 */
import { mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { LocalStore } from '../../core/storage/local';
import { S3Store } from '../../core/storage/s3';
import type { ObjectInfo, ObjectStore } from '../../core/storage/types';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

interface Backend {
  name: string;
  setUp(): Promise<void>;
  /** A fresh, empty store for one test. */
  freshStore(): Promise<ObjectStore>;
  tearDown(): Promise<void>;
}

function localBackend(): Backend {
  let dir = '';
  let n = 0;
  return {
    name: 'LocalStore',
    async setUp() {
      dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-conformance-'));
    },
    async freshStore() {
      return new LocalStore(path.join(dir, `t${++n}`, 'root'));
    },
    async tearDown() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function s3Backend(): Backend {
  let server: S3TestServer;
  let n = 0;
  return {
    name: 'S3Store',
    async setUp() {
      server = await startS3Server({ conditionalWrites: true });
      await server.createBucket('conformance');
    },
    async freshStore() {
      return new S3Store({ client: server.client, bucket: 'conformance', prefix: `t${++n}/root`, urlScheme: 's3', endpoint: server.endpoint });
    },
    async tearDown() {
      await server?.stop();
    },
  };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function collect(iterable: AsyncIterable<ObjectInfo>): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of iterable) keys.push(info.key);
  return keys;
}

/** Runs `work` over items with a few in flight, to create many objects quickly. */
async function inParallel<T>(items: T[], work: (item: T) => Promise<void>, limit = 32): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function expectError(promise: Promise<unknown>, code: string): Promise<Error & { object?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLakebenchError(error), `expected a LakebenchError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  return error as Error & { object?: string };
}

describe.each([localBackend(), s3Backend()])('$name conformance', (backend) => {
  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());

  it('puts, gets, heads, ranges, replaces and deletes objects', async () => {
    const store = await backend.freshStore();
    await store.put('dir/hello.txt', 'hello world');
    expect(text(await store.get('dir/hello.txt'))).toBe('hello world');
    expect(text(await store.get('dir/hello.txt', { offset: 6, length: 5 }))).toBe('world');
    expect(text(await store.get('dir/hello.txt', { offset: 8, length: 100 }))).toBe('rld');

    const info = await store.head('dir/hello.txt');
    expect(info).toMatchObject({ key: 'dir/hello.txt', size: 11 });
    expect(info!.etag).toBeTruthy();
    expect(info!.lastModified).toBeInstanceOf(Date);

    await store.put('dir/hello.txt', new Uint8Array([1, 2, 3]));
    expect([...(await store.get('dir/hello.txt'))]).toEqual([1, 2, 3]);
    expect((await store.head('dir/hello.txt'))!.etag).not.toBe(info!.etag);

    await store.delete('dir/hello.txt');
    expect(await store.head('dir/hello.txt')).toBeUndefined();
    await store.delete('dir/hello.txt'); // deleting a missing object is not an error
  });

  it('deletes many objects in batches, missing ones included, and reports no failure', async () => {
    const store = await backend.freshStore();
    const keys = Array.from({ length: 2100 }, (_, i) => `many/${i % 5}/f-${i}`);
    await inParallel(keys, (key) => store.put(key, 'x'));
    await store.put('many/kept', 'x');
    expect(await store.deleteMany([...keys, 'many/missing-1', 'many/missing-2'])).toEqual([]);
    expect(await collect(store.listAll('many/'))).toEqual(['many/kept']);
    expect(await store.deleteMany([])).toEqual([]);
  });

  it('uploads and downloads local files', async () => {
    const store = await backend.freshStore();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-files-'));
    try {
      const source = path.join(dir, 'source.bin');
      const payload = Buffer.alloc(300_000, 0);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) % 251;
      await writeFile(source, payload);
      await store.putFile('data/part-0.bin', source);
      expect((await store.head('data/part-0.bin'))!.size).toBe(payload.length);

      const target = path.join(dir, 'nested', 'copy.bin');
      const info = await store.download('data/part-0.bin', target);
      expect(info.size).toBe(payload.length);
      expect((await readFile(target)).equals(payload)).toBe(true);
      expect(await readdir(path.join(dir, 'nested'))).toEqual(['copy.bin']); // no temp leftovers
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists one level with a delimiter and everything without', async () => {
    const store = await backend.freshStore();
    // s3rver, unlike S3, reports a common prefix only when it has a direct child object (hence `b/x`)
    // and lists folder by folder (so `a-b`, which S3 sorts before `a/1`, would come out after `a/2`).
    for (const key of ['top.txt', 'a/1', 'a/2', 'b/c/3', 'b/x', 'a0']) await store.put(key, key);

    const root = await store.list('', { delimiter: true });
    expect(root.objects.map((o) => o.key)).toEqual(['a0', 'top.txt']);
    expect(root.prefixes).toEqual(['a/', 'b/']);
    expect(root.nextToken).toBeUndefined();

    const underA = await store.list('a/', { delimiter: true });
    expect(underA.objects.map((o) => o.key)).toEqual(['a/1', 'a/2']);
    expect((await store.list('b/', { delimiter: true })).prefixes).toEqual(['b/c/']);

    expect(await collect(store.listAll(''))).toEqual(['a/1', 'a/2', 'a0', 'b/c/3', 'b/x', 'top.txt']);
    expect(await collect(store.listAll('a'))).toEqual(['a/1', 'a/2', 'a0']);
    expect((await store.list('a/')).objects.map((o) => o.size)).toEqual([3, 3]);
  });

  it('lists a missing prefix as empty', async () => {
    const store = await backend.freshStore();
    expect(await store.list('nothing/here/')).toEqual({ objects: [], prefixes: [], nextToken: undefined });
    expect(await collect(store.listAll(''))).toEqual([]);
  });

  it('pages through 2,500 objects and resumes after a key', async () => {
    const store = await backend.freshStore();
    const keys = Array.from({ length: 2500 }, (_, i) => `part/${i % 7}/f-${i}`);
    await inParallel(keys, (key) => store.put(key, 'x'));
    const sorted = [...keys].sort();

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await store.list('part/', { maxKeys: 1000, token });
      pages.push(page.objects.map((o) => o.key));
      token = page.nextToken;
    } while (token !== undefined);
    expect(pages.map((p) => p.length)).toEqual([1000, 1000, 500]);
    expect(pages.flat()).toEqual(sorted);

    expect(await collect(store.listAll(''))).toEqual(sorted);

    const after = sorted[1234]!;
    expect(await collect(store.listAll('', { startAfter: after }))).toEqual(sorted.slice(1235));
    const page = await store.list('', { startAfter: after, maxKeys: 10 });
    expect(page.objects.map((o) => o.key)).toEqual(sorted.slice(1235, 1245));
  }, 180_000); // s3rver reads every object's metadata file to list: slow on a loaded machine

  it('creates only if absent, and exactly one of ten racing writers wins', async () => {
    const store = await backend.freshStore();
    expect(await store.putIfAbsent('_delta_log/00000000000000000000.json', 'first')).toBe(true);
    expect(await store.putIfAbsent('_delta_log/00000000000000000000.json', 'second')).toBe(false);
    expect(text(await store.get('_delta_log/00000000000000000000.json'))).toBe('first');

    const key = '_delta_log/00000000000000000001.json';
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => store.putIfAbsent(key, `writer ${i}`)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(text(await store.get(key))).toBe(`writer ${outcomes.indexOf(true)}`);
  });

  it('refuses keys that would escape the location', async () => {
    const store = await backend.freshStore();
    for (const key of ['../x', '/etc/passwd', 'a/../../b', 'a\\..\\..\\b', 'a//b', '.', 'C:/x']) {
      await expectError(store.put(key, 'nope'), 'OUTSIDE_LOCATION');
      await expectError(store.get(key), 'OUTSIDE_LOCATION');
      await expectError(store.head(key), 'OUTSIDE_LOCATION');
      await expectError(store.putIfAbsent(key, 'nope'), 'OUTSIDE_LOCATION');
    }
    await expectError(store.list('../'), 'OUTSIDE_LOCATION');
    expect(() => store.child('../sibling')).toThrow(/OUTSIDE|refused|inside|escape|contains/);
    // Nothing landed next to the root either.
    const parent = store.child('inner');
    await parent.put('ok.txt', 'fine');
    expect(await collect(store.listAll(''))).toEqual(['inner/ok.txt']);
  });

  it('reports missing objects as NOT_FOUND naming their URL', async () => {
    const store = await backend.freshStore();
    expect(await store.head('missing/object.json')).toBeUndefined();
    const error = await expectError(store.get('missing/object.json'), 'NOT_FOUND');
    expect(error.object).toBe(store.urlOf('missing/object.json'));
    expect(error.message).toContain(store.urlOf('missing/object.json'));
    await expectError(store.get('missing/object.json', { offset: 0, length: 4 }), 'NOT_FOUND');
    await expectError(store.download('missing/object.json', path.join(os.tmpdir(), 'never-written')), 'NOT_FOUND');
  });

  it('roots child stores at a prefix', async () => {
    const store = await backend.freshStore();
    const table = store.child('tables/orders');
    await table.put('_delta_log/00000000000000000000.json', '{}');
    expect(table.urlOf('x')).toBe(store.urlOf('tables/orders/x'));
    expect(await collect(store.listAll(''))).toEqual(['tables/orders/_delta_log/00000000000000000000.json']);
    expect(await collect(table.listAll(''))).toEqual(['_delta_log/00000000000000000000.json']);
    expect(table.id).not.toBe(store.id);
  });
});
