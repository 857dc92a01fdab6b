/**
 * Each network failure issue 15 names, reproduced with one targeted fault of the test proxy
 * (s3server.ts: s3rver behind a proxy that enforces If-None-Match/If-Match and injects faults), and
 * what must happen instead: a commit whose answer is lost counts once, as committed; an upload or a
 * read that meets a 503, a reset or a cut body is retried; a stall becomes a retry, then a clear error.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { deleteWhere } from '../../core/ops/delete';
import { importFiles } from '../../core/ops/import';
import { tombstoneEntry } from '../../core/ops/des-tombstone';
import { readCachedSidecar } from '../../core/formats/des/archive';
import { listArchive } from '../../core/formats/des/listing';
import { S3Store } from '../../core/storage/s3';
import type { NetworkSettings } from '../../core/storage/network-settings';
import { queryTable } from '../helpers/delta-rows';
import { assertNoDuplicateCommit, loggedCommits, type LoggedCommit } from '../helpers/log-commits';
import { writeShard } from '../helpers/des-writer';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let server: S3TestServer;
let dir: string;
let tables = 0;

/** Short timeouts so that a stall costs a test a second, not the default half minute. */
const FAST: Partial<NetworkSettings> = { firstByteTimeoutMs: 700, idleTimeoutMs: 700, baseDelayMs: 20 };

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-net-failures-'));
});
afterEach(() => server.clearFaultRules());
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A store over the faulty endpoint, and one over the clean endpoint for checking. */
function stores(prefix = `t${++tables}`): { faulty: S3Store; clean: S3Store; prefix: string } {
  const at = (client: S3TestServer['client'], endpoint: string) =>
    new S3Store({ client, bucket: 'lake', prefix, urlScheme: 's3', endpoint, network: FAST });
  return { faulty: at(server.client, server.endpoint), clean: at(server.cleanClient, server.cleanEndpoint), prefix };
}

async function csv(name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, body);
  return file;
}

/** Every commit as written, checked for one applied twice. */
async function commits(store: S3Store): Promise<LoggedCommit[]> {
  const logged = await loggedCommits(store);
  assertNoDuplicateCommit(logged, store.url);
  return logged;
}

const ids = async (store: S3Store): Promise<number[]> => (await queryTable(store, 'SELECT id FROM t ORDER BY id')).map((r) => Number(r.id));

describe('a conditional write whose answer is lost', () => {
  it('creates a table once and reports it created, not "created concurrently"', async () => {
    const { faulty, clean, prefix } = stores();
    server.addFaultRule({ method: 'PUT', url: new RegExp(`^/lake/${prefix}/_delta_log/0{20}\\.json`), kind: 'lost' });
    const result = await importFiles(faulty, { inputs: [await csv('a.csv', 'id\n1\n2\n')] });
    expect(result).toMatchObject({ version: 0, created: true });
    expect((await commits(clean)).map((c) => c.version)).toEqual([0]);
    expect(await ids(clean)).toEqual([1, 2]);
  });

  it('appends once: the lost answer is read back as our own commit, never applied again at the next version', async () => {
    const { faulty, clean, prefix } = stores();
    await importFiles(clean, { inputs: [await csv('b.csv', 'id\n1\n')] });
    server.addFaultRule({ method: 'PUT', url: new RegExp(`^/lake/${prefix}/_delta_log/0{19}1\\.json`), kind: 'lost' });
    const result = await importFiles(faulty, { inputs: [await csv('c.csv', 'id\n2\n3\n')] });
    expect(result.version).toBe(1);
    const log = await commits(clean);
    expect(log.map((c) => c.version)).toEqual([0, 1]);
    expect(new Set(log.map((c) => c.txnId)).size).toBe(2);
    expect(await ids(clean)).toEqual([1, 2, 3]);
  });

  it('deletes once when the answer of the commit is cut or stalls', async () => {
    for (const kind of ['cut', 'stall'] as const) {
      const { faulty, clean, prefix } = stores();
      await importFiles(clean, { inputs: [await csv('d.csv', 'id\n1\n2\n3\n4\n')] });
      server.addFaultRule({ method: 'PUT', url: new RegExp(`^/lake/${prefix}/_delta_log/0{19}1\\.json`), kind, at: 0 });
      const result = await deleteWhere(faulty, 'id % 2 = 0');
      expect(result).toMatchObject({ version: 1, rowsDeleted: 2 });
      expect((await commits(clean)).map((c) => c.version)).toEqual([0, 1]);
      expect(await ids(clean)).toEqual([1, 3]);
    }
  });

  it('tombstones a DES entry once and says it did (not "already tombstoned")', async () => {
    const { faulty, clean, prefix } = stores();
    const { shard, sidecar } = await writeShard('20261123_00_0001', [{ uid: 'a', bytes: new TextEncoder().encode('alpha') }, { uid: 'b', bytes: new TextEncoder().encode('beta') }]);
    await clean.put('20261123_00_0001.des', shard);
    await clean.put('20261123_00_0001.meta', sidecar);
    server.addFaultRule({ method: 'PUT', url: new RegExp(`^/lake/${prefix}/20261123_00_0001\\.meta`), kind: 'lost' });
    const result = await tombstoneEntry(faulty, { uid: 'a', reason: 'gdpr', deletedBy: 'test' });
    expect(result.already).toBe(false);
    const listing = await listArchive(clean);
    const written = await readCachedSidecar(clean, listing.shards[0]!.sidecar!);
    expect(Object.values(written.tombstones).map((t) => t.uid)).toEqual(['a']);
  });
});

describe('uploads and reads that meet a fault', () => {
  it('retries a data-file upload answered 503 or reset (the SDK does not retry a streamed body)', async () => {
    for (const kind of ['503', 'reset'] as const) {
      const { faulty, clean, prefix } = stores();
      server.addFaultRule({ method: 'PUT', url: new RegExp(`^/lake/${prefix}/.*\\.parquet`), kind });
      const result = await importFiles(faulty, { inputs: [await csv('e.csv', 'id\n7\n8\n')] });
      expect(result.version).toBe(0);
      expect(await ids(clean)).toEqual([7, 8]);
    }
  });

  it('reads a whole object, a range and a download whose body is cut midway', async () => {
    const { faulty, clean, prefix } = stores();
    const body = new Uint8Array(200_000).map((_, i) => i % 251);
    await clean.put('blob.bin', body);
    server.addFaultRule({ method: 'GET', url: new RegExp(`^/lake/${prefix}/blob\\.bin`), kind: 'cut', times: 3, at: 0.4 });
    expect(Buffer.from(await faulty.get('blob.bin')).equals(Buffer.from(body))).toBe(true);
    expect(Buffer.from(await faulty.get('blob.bin', { offset: 1000, length: 50_000 })).equals(Buffer.from(body.subarray(1000, 51_000)))).toBe(true);
    const local = path.join(dir, 'blob-download.bin');
    const info = await faulty.download('blob.bin', local);
    expect(info.size).toBe(body.length);
    expect((await readFile(local)).equals(Buffer.from(body))).toBe(true);
  });

  it('turns a stalled listing into a retry, and a listing that always stalls into a clear error', async () => {
    const { faulty, clean, prefix } = stores();
    await clean.put('x/one.txt', '1');
    server.addFaultRule({ method: 'GET', url: new RegExp(`^/lake/\\?.*prefix=${prefix}/`), kind: 'stall' });
    expect((await faulty.list('x/')).objects.map((o) => o.key)).toEqual(['x/one.txt']);

    server.addFaultRule({ method: 'GET', url: new RegExp(`^/lake/\\?.*prefix=${prefix}/`), kind: 'stall', times: 100 });
    const error = await faulty.list('x/').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLakebenchError(error)).toBe(true);
    expect((error as Error).message).toMatch(/timed out/);
    expect((error as Error).message).toContain(`s3://lake/${prefix}/x/`);
    // Bounded by the test's own timeout: a few attempts of under a second each, not a hang.
  }, 30_000);
});
