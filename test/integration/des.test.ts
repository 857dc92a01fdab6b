/** DES shard archives: index v1 and v2, zstd / LZ4 / stored payloads, big files, tombstones, S3 range reads. */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveEntries, readEntry } from '../../core/formats/des/archive';
import { detectFormat } from '../../core/formats/detect';
import { isLakebenchError } from '../../core/errors';
import { LocalStore } from '../../core/storage/local';
import { S3Store } from '../../core/storage/s3';
import { writeArchive, writeShard } from '../helpers/des-writer';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';

let dir: string;
let archive: string;
const text = (s: string) => new TextEncoder().encode(s);
const photo = randomBytes(3000);
const big = randomBytes(50_000);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-des-'));
  archive = path.join(dir, 'archive');
  await mkdir(path.join(archive, '_bigFiles'), { recursive: true });
  const v2 = await writeShard('20261123_0_0001', [
    { uid: '1001', bytes: text('hello zstd '.repeat(50)), codec: 'zstd', meta: { name: 'a.txt' } },
    { uid: '1002', bytes: text('hello lz4 '.repeat(50)), codec: 'lz4' },
    { uid: '1003', bytes: photo, codec: 'none', meta: { name: 'p.jpg' } },
    { uid: '1004', bytes: big, bigFile: true },
    { uid: '1005', bytes: text('secret'), codec: 'none' },
  ], 2, [{ uid: '1005', reason: 'GDPR request' }]);
  await writeFile(path.join(archive, '20261123_0_0001.des'), v2.shard);
  await writeFile(path.join(archive, '20261123_0_0001.meta'), v2.sidecar);
  for (const [hash, bytes] of v2.bigFiles) await writeFile(path.join(archive, '_bigFiles', hash), bytes);
  const v1 = await writeShard('20261122_1_0001', [{ uid: '2001', bytes: text('legacy v1'), codec: 'zstd' }], 1);
  await writeFile(path.join(archive, '20261122_1_0001.des'), v1.shard);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DES archives', () => {
  it("takes an entry's Created time from created_at in its meta when no sidecar names it", async () => {
    const folder = path.join(dir, 'meta-created');
    await writeArchive(folder, [
      {
        name: '20261123_00_0001',
        sidecar: false,
        entries: [
          { uid: 'a', bytes: new TextEncoder().encode('a'), meta: { created_at: '2026-11-20T08:00:00Z', source: 'cam-1' } },
          { uid: 'b', bytes: new TextEncoder().encode('b'), meta: { source: 'cam-2' } },
        ],
      },
    ]);
    const entries = await archiveEntries(new LocalStore(folder));
    expect(entries.map((e) => [e.uid, e.created_at])).toEqual([
      ['a', '2026-11-20T08:00:00Z'],
      ['b', null],
    ]);
  });

  it('is found as a des table and lists every entry with codec, meta and tombstones', async () => {
    const store = new LocalStore(archive);
    expect((await detectFormat(store))?.name).toBe('des');
    const entries = await archiveEntries(store);
    expect(entries.map((e) => [e.uid, e.shard, e.codec, e.tombstoned]).sort()).toEqual([
      ['1001', '20261123_0_0001.des', 'zstd', false],
      ['1002', '20261123_0_0001.des', 'lz4', false],
      ['1003', '20261123_0_0001.des', 'none', false],
      ['1004', '20261123_0_0001.des', 'bigfile', false],
      ['1005', '20261123_0_0001.des', 'none', true],
      ['2001', '20261122_1_0001.des', 'zstd', false],
    ]);
    expect(entries.find((e) => e.uid === '1001')).toMatchObject({ size: 550, meta: { name: 'a.txt' }, created_at: '2026-11-23T10:00:00Z' });
    expect((await archiveEntries(store, { shard: '20261122_1_0001.des' })).map((e) => e.uid)).toEqual(['2001']);
  });

  it('gets the original bytes of every codec, v1 and v2, big files included; refuses a tombstoned uid unless asked', async () => {
    const store = new LocalStore(archive);
    expect(new TextDecoder().decode((await readEntry(store, '1001')).bytes)).toBe('hello zstd '.repeat(50));
    expect(new TextDecoder().decode((await readEntry(store, '1002')).bytes)).toBe('hello lz4 '.repeat(50));
    expect(Buffer.from((await readEntry(store, '1003')).bytes).equals(photo)).toBe(true);
    expect(Buffer.from((await readEntry(store, '1004')).bytes).equals(big)).toBe(true);
    expect(new TextDecoder().decode((await readEntry(store, '2001')).bytes)).toBe('legacy v1');
    const refused = await readEntry(store, '1005').catch((e: unknown) => e);
    expect(isLakebenchError(refused, 'NOT_FOUND') && refused.message).toContain('tombstoned (GDPR request)');
    expect(new TextDecoder().decode((await readEntry(store, '1005', { includeDeleted: true })).bytes)).toBe('secret');
  });

  it('names a shard whose footer or index is damaged', async () => {
    const broken = path.join(dir, 'broken');
    await mkdir(broken);
    const { shard } = await writeShard('x', [{ uid: '1', bytes: text('abc') }]);
    await writeFile(path.join(broken, 'x.des'), shard.subarray(0, shard.length - 3));
    const error = await archiveEntries(new LocalStore(broken)).catch((e: unknown) => e);
    expect(isLakebenchError(error, 'CORRUPT') && `${error.object}: ${error.message}`).toMatch(/x\.des.*no DESI footer/);
  });

  it('reads only ranges on S3: a cold get is at most 4 requests after the listing, a warm one 1', async () => {
    let server: S3TestServer | undefined;
    try {
      server = await startS3Server();
      await server.createBucket('des');
      const store = new S3Store({ client: server.client, bucket: 'des', prefix: 'archive', urlScheme: 's3', endpoint: server.endpoint });
      await uploadFolder(archive, store);
      const reads = () => server!.requests.filter((r) => r.method === 'GET' && !r.url.includes('list-type=2'));
      server.requests.length = 0;
      expect(new TextDecoder().decode((await readEntry(store, '2001')).bytes)).toBe('legacy v1');
      expect(reads().length).toBeLessThanOrEqual(4 * 2); // two shards' indexes are read to find the uid, then one payload
      server.requests.length = 0;
      expect(new TextDecoder().decode((await readEntry(store, '2001')).bytes)).toBe('legacy v1');
      expect(reads()).toHaveLength(1);
    } finally {
      await server?.stop();
    }
  });
});

describe('lakebench des', () => {
  it('lists entries (tombstoned hidden unless asked) and gets bytes to a file or refuses', async () => {
    const { runCli } = await import('../helpers/cli-process');
    const env = { LAKEBENCH_HOME: path.join(dir, 'home') };
    const ls = await runCli(['des', 'ls', archive, '--json'], env);
    expect(JSON.parse(ls.stdout).map((e: { uid: string }) => e.uid).sort()).toEqual(['1001', '1002', '1003', '1004', '2001']);
    const all = await runCli(['des', 'ls', archive, '--include-deleted'], env);
    expect(all.stdout).toContain('6 entries');
    const out = path.join(dir, 'photo.jpg');
    const get = await runCli(['des', 'get', archive, '1003', '--out', out], env);
    expect(get.code).toBe(0);
    expect((await (await import('node:fs/promises')).readFile(out)).equals(photo)).toBe(true);
    const refused = await runCli(['des', 'get', archive, '1005'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('tombstoned (GDPR request)');
  });
});
