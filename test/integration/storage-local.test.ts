/**
 * LocalStore behaviour that the cross-store conformance suite does not cover: very large folders,
 * listing order across folders, resuming listings, hidden in-flight temp files, symlinks.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { LocalStore } from '../../core/storage/local';
import { TEMP_FILE_PREFIX } from '../../core/storage/temp-file';
import type { ObjectInfo } from '../../core/storage/types';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-local-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function keysOf(iterable: AsyncIterable<ObjectInfo>): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of iterable) keys.push(info.key);
  return keys;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('LocalStore listing', () => {
  it('lists 100,000 files in 100 folders, sorted, with sizes, and resumes after any key', async () => {
    const expected: string[] = [];
    for (let folder = 0; folder < 100; folder++) {
      for (let file = 0; file < 1000; file++) expected.push(`part=${folder}/f-${file}.bin`);
    }
    // Synchronous writes: about twice as fast as async ones for 100,000 tiny files.
    for (let folder = 0; folder < 100; folder++) mkdirSync(path.join(dir, `part=${folder}`));
    // The content encodes the key length, so a wrong size pairing shows up below.
    for (const key of expected) writeFileSync(path.join(dir, key), 'x'.repeat(key.length % 7));
    expected.sort(byCodeUnit);
    const store = new LocalStore(dir);

    const listed: ObjectInfo[] = [];
    for await (const info of store.listAll('')) listed.push(info);
    expect(listed.map((info) => info.key)).toEqual(expected);
    expect(listed.every((info) => info.size === info.key.length % 7)).toBe(true);

    const resumeAfter = expected[54_321];
    expect(await keysOf(store.listAll('', { startAfter: resumeAfter }))).toEqual(expected.slice(54_322));
    expect(await keysOf(store.listAll('part=7'))).toEqual(expected.filter((key) => key.startsWith('part=7')));
  });

  it('pages with maxKeys and tokens through the same order as listAll', async () => {
    const keys = ['a-c', 'a/b/c', 'a/b0', 'a/d', 'a0', 'b', 'z/y/x'];
    const store = new LocalStore(dir);
    for (const key of keys.slice().reverse()) await store.put(key, key);
    // '-' < '/' < '0': full-key order interleaves files and folders.
    expect(await keysOf(store.listAll(''))).toEqual(keys);
    const paged: string[] = [];
    let token: string | undefined;
    do {
      const page = await store.list('', { maxKeys: 2, token });
      expect(page.objects.length).toBeLessThanOrEqual(2);
      paged.push(...page.objects.map((o) => o.key));
      token = page.nextToken;
    } while (token);
    expect(paged).toEqual(keys);
  });

  it('lists one level with a delimiter, including prefixes that end mid-name', async () => {
    const store = new LocalStore(dir);
    for (const key of ['t/_delta_log/00000000000000000000.json', 't/_delta_log/00000000000000000001.json', 't/_delta_log/_last_checkpoint', 't/x=1/p.parquet', 't/top.parquet']) {
      await store.put(key, '1');
    }
    const level = await store.list('t/', { delimiter: true });
    expect(level.prefixes).toEqual(['t/_delta_log/', 't/x=1/']);
    expect(level.objects.map((o) => o.key)).toEqual(['t/top.parquet']);
    const resumed = await store.list('t/', { delimiter: true, startAfter: 't/_delta_log/00000000000000000000.json' });
    expect(resumed.prefixes).toEqual(['t/_delta_log/', 't/x=1/']);
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await store.list('t/', { delimiter: true, maxKeys: 1, token });
      pages.push([...page.prefixes, ...page.objects.map((o) => o.key)]);
      token = page.nextToken;
    } while (token);
    expect(pages).toEqual([['t/_delta_log/'], ['t/top.parquet'], ['t/x=1/']]);
    const commits = await store.list('t/_delta_log/0000', { delimiter: true });
    expect(commits.objects.map((o) => o.key)).toEqual(['t/_delta_log/00000000000000000000.json', 't/_delta_log/00000000000000000001.json']);
  });

  it('hides in-flight temp files and follows symlinked folders', async () => {
    const store = new LocalStore(path.join(dir, 'root'));
    await store.put('data/a.parquet', 'a');
    await writeFile(path.join(dir, 'root', 'data', `${TEMP_FILE_PREFIX}crashed-upload`), 'half');
    await mkdir(path.join(dir, 'elsewhere'));
    await writeFile(path.join(dir, 'elsewhere', 'b.parquet'), 'bb');
    await symlink(path.join(dir, 'elsewhere'), path.join(dir, 'root', 'linked'));
    const listed = [];
    for await (const info of store.listAll('')) listed.push([info.key, info.size]);
    expect(listed).toEqual([
      ['data/a.parquet', 1],
      ['linked/b.parquet', 2],
    ]);
  });

  it('lists a missing root as empty but names the path when reading from it', async () => {
    const root = path.join(dir, 'not-yet');
    const store = new LocalStore(root);
    expect(await store.list('')).toEqual({ objects: [], prefixes: [], nextToken: undefined });
    expect(await store.head('x')).toBeUndefined();
    const error = await store.get('x').catch((e: unknown) => e);
    expect(isLakebenchError(error, 'NOT_FOUND')).toBe(true);
    expect((error as { object?: string }).object).toBe(path.join(root, 'x'));
  });
});

describe('LocalStore writes', () => {
  it('replaces atomically and leaves no temp files behind', async () => {
    const store = new LocalStore(dir);
    await store.put('t/x.json', 'one');
    await store.put('t/x.json', 'two');
    expect(await store.putIfAbsent('t/x.json', 'three')).toBe(false);
    expect(new TextDecoder().decode(await store.get('t/x.json'))).toBe('two');
    await writeFile(path.join(dir, 'source.bin'), 'file body');
    await store.putFile('t/copy.bin', path.join(dir, 'source.bin'));
    const info = await store.download('t/copy.bin', path.join(dir, 'out', 'copy.bin'));
    expect(info).toMatchObject({ key: 't/copy.bin', size: 9 });
    expect(await readdir(path.join(dir, 't'))).toEqual(['copy.bin', 'x.json']);
    expect(await readdir(path.join(dir, 'out'))).toEqual(['copy.bin']);
  });

  it('child stores are rooted below their parent and cannot escape it', async () => {
    const store = new LocalStore(dir);
    const child = store.child('tables/t1/');
    await child.put('a.json', '{}');
    expect(await store.head('tables/t1/a.json')).toMatchObject({ size: 2 });
    expect(child.url).toBe(path.join(dir, 'tables', 't1'));
    const error = await child.get('../../escape').catch((e: unknown) => e);
    expect(isLakebenchError(error, 'OUTSIDE_LOCATION')).toBe(true);
  });
});

describe('LocalStore.deleteMany', () => {
  it('deletes what it can and reports each key it could not, with the file system code', async () => {
    const store = new LocalStore(dir);
    await store.put('a.parquet', 'x');
    await store.put('folder/inside', 'x'); // `folder` is a folder: a file delete of it fails
    const failures = await store.deleteMany(['a.parquet', 'folder', 'gone.parquet']);
    expect(failures).toEqual([{ key: 'folder', code: 'EISDIR', message: expect.stringContaining(path.join(dir, 'folder')) }]);
    expect(await keysOf(store.listAll(''))).toEqual(['folder/inside']);
  });
});
