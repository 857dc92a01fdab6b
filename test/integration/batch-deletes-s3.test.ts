/**
 * The deletes of des repack, compact-staging and compact-staging --lakeside's discard, against the real
 * S3 server on loopback: DeleteObjects batches instead of one DeleteObject per key, and a key the service
 * refuses named in the result (or the error), with what still needs it left in place.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listArchive } from '../../core/formats/des/listing';
import { appendLakesideLogEntry } from '../../core/formats/lakeside/log';
import { listRuns } from '../../core/formats/lakeside/run-manifests';
import { compactStaging } from '../../core/ops/compact-staging';
import { compactStagingIntoLakeside } from '../../core/ops/compact-staging-lakeside';
import { repackArchive } from '../../core/ops/des-repack';
import { tombstoneEntry } from '../../core/ops/des-tombstone';
import { mapWithConcurrency } from '../../core/storage/concurrency';
import { S3Store } from '../../core/storage/s3';
import { networkStats } from '../../core/storage/s3-retry';
import { intoShards, writeArchive, type TestEntry } from '../helpers/des-writer';
import { startS3Server, type RecordedRequest, type S3TestServer } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';

let server: S3TestServer;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
});
afterAll(async () => {
  await server?.stop();
});

const storeAt = (prefix: string) => new S3Store({ client: server.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.endpoint });

/** The requests `run` makes, less the DeleteObjects the store re-sent after a server error (a loaded s3rver answers some with 5xx). */
async function requestsOf<T>(run: () => Promise<T>): Promise<{ result: T; requests: RecordedRequest[] }> {
  const [first, retried] = [server.requests.length, networkStats.retries.delete ?? 0];
  const result = await run();
  const requests = server.requests.slice(first);
  let resent = (networkStats.retries.delete ?? 0) - retried;
  return { result, requests: requests.filter((r) => !(isBatchDelete(r) && resent-- > 0)) };
}
async function failureOf(run: () => Promise<unknown>): Promise<{ error: unknown; requests: RecordedRequest[] }> {
  const { result, requests } = await requestsOf(() => run().then(() => undefined, (e: unknown) => e));
  return { error: result, requests };
}

const isBatchDelete = (r: RecordedRequest) => r.method === 'POST' && /[?&]delete(=|&|$)/.test(r.url);
const batchDeletes = (requests: RecordedRequest[]) => requests.filter(isBatchDelete);
const singleDeletes = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'DELETE');
async function keysUnder(store: S3Store, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.listAll(prefix)) keys.push(info.key);
  return keys.sort();
}

/** Refuses deletes of the keys `denied` matches while `run` runs. */
async function withDenied<T>(denied: (key: string) => boolean, run: () => Promise<T>): Promise<T> {
  server.denyDeletes(denied);
  try {
    return await run();
  } finally {
    server.denyDeletes(undefined);
  }
}

describe('des repack on S3', () => {
  it('deletes the replaced shards past their grace in one DeleteObjects per round, naming a refused sidecar and keeping its shard', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-batch-des-'));
    try {
      const entries = Array.from({ length: 24 }, (_, i): TestEntry => ({ uid: String(100 + i), bytes: new TextEncoder().encode(`entry ${100 + i} `.repeat(30)), codec: 'zstd' }));
      await writeArchive(dir, intoShards(entries, 4));
      const archive = storeAt('des');
      await uploadFolder(dir, archive);
      for (let uid = 100; uid < 104; uid++) await tombstoneEntry(archive, { uid: String(uid), reason: 'erase' }); // one in each shard
      const now = new Date();
      expect((await repackArchive(archive, { recompressLevel: 3, graceMs: 0, now })).repacked).toHaveLength(4);
      const retired = (await listArchive(archive)).retired.map((s) => s.name).sort();
      expect(retired).toHaveLength(4);

      const refusedSidecar = retired[0]!.replace(/\.des$/, '.meta');
      const { result, requests } = await requestsOf(() =>
        withDenied((key) => key === `des/${refusedSidecar}`, () => repackArchive(archive, { minDeletionRatio: 1, graceMs: 0, now: new Date(now.getTime() + 1000) })),
      );
      expect(result.failed).toEqual([{ object: archive.urlOf(refusedSidecar), code: 'AccessDenied', message: 'Access Denied' }]);
      // Two rounds (sidecars, then shards): no big files here.
      expect(batchDeletes(requests)).toHaveLength(2);
      expect(singleDeletes(requests)).toEqual([]);
      const gone = retired.slice(1).flatMap((name) => [name, name.replace(/\.des$/, '.meta')]);
      expect(result.deleted.sort()).toEqual(gone.map((key) => archive.urlOf(key)).sort());
      // The shard whose sidecar stayed stays with it (never a sidecar without its shard); the next run takes both.
      expect((await listArchive(archive)).retired.map((s) => s.name)).toEqual([retired[0]]);
      const again = await repackArchive(archive, { minDeletionRatio: 1, graceMs: 0, now: new Date(now.getTime() + 2000) });
      expect(again.deleted.sort()).toEqual([retired[0]!, refusedSidecar].map((key) => archive.urlOf(key)).sort());
      expect(again.failed).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const RECORDS = 40;
const HOURS = ['2026-11-23T08', '2026-11-23T09'];

/** RECORDS one-record objects over two hours, and the schema of `{id, label}`. */
async function stageRecords(store: S3Store): Promise<string[]> {
  await store.put('schema/schema.json', JSON.stringify({ fields: [{ name: 'id', type: 'INT64', repetitionType: 'REQUIRED' }, { name: 'label', type: 'BYTE_ARRAY' }] }));
  const keys = Array.from({ length: RECORDS }, (_, id) => `data/order_ts_hour=${HOURS[id % 2]}/rec-${String(id).padStart(3, '0')}.json`);
  await mapWithConcurrency(keys, 16, (key, id) => store.put(key, JSON.stringify({ id, label: `r${id}` })));
  return keys;
}

describe('compact-staging deletes on S3', () => {
  it('deletes the consumed sources in one DeleteObjects; a refused source is named, its manifest stays, and the next run deletes it', { timeout: 120_000 }, async () => {
    const staging = storeAt('staging-a');
    const keys = await stageRecords(staging);
    const refused = keys[7]!;
    const { result, requests } = await requestsOf(() => withDenied((key) => key === `staging-a/${refused}`, () => compactStaging(staging, staging.child('delta'))));
    expect(result).toMatchObject({ version: 0, records: RECORDS, sourcesDeleted: 0 });
    expect(result.cleanupDeferred).toContain(`1 of ${RECORDS} consumed staged files could not be deleted: ${staging.urlOf(refused)} (AccessDenied`);
    expect(batchDeletes(requests)).toHaveLength(1);
    expect(singleDeletes(requests)).toEqual([]);
    expect(await keysUnder(staging, 'data/')).toEqual([refused]);
    expect(await listRuns(staging)).toHaveLength(1);

    // The next run finishes the committed one: the refused source goes, not into the table a second time.
    const { result: next, requests: nextRequests } = await requestsOf(() => compactStaging(staging, staging.child('delta')));
    expect(next).toMatchObject({ version: undefined, sourcesRead: 0, sourcesDeleted: 1, resumedRuns: 1 });
    expect(batchDeletes(nextRequests)).toHaveLength(2); // the source, then the manifest
    expect(singleDeletes(nextRequests)).toEqual([]);
    expect(await keysUnder(staging, 'data/')).toEqual([]);
    expect(await listRuns(staging)).toEqual([]);
  });

  it('--lakeside: a run that lost its version discards its Parquet files in one DeleteObjects, naming the ones refused', { timeout: 120_000 }, async () => {
    const bucket = storeAt('staging-b');
    await stageRecords(bucket);
    const other = { version: 0, timestamp: new Date().toISOString(), operation: 'schema_change', add: [], remove: [] };
    let discarding = 0;
    const { error, requests } = await failureOf(() =>
      compactStagingIntoLakeside(bucket, {
        beforeCommit: async () => {
          await appendLakesideLogEntry(bucket, other);
          discarding = server.requests.length;
          server.denyDeletes((key) => key.startsWith('staging-b/parquet/order_ts_hour=2026-11-23T08/'));
        },
      }),
    ).finally(() => server.denyDeletes(undefined));
    const parquet = await keysUnder(bucket, 'parquet/');
    expect(parquet).toHaveLength(1);
    expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`1 of 2 Parquet files this run wrote could not be deleted: ${bucket.urlOf(parquet[0]!)} (AccessDenied`) });
    const discard = requests.filter((r) => server.requests.indexOf(r) >= discarding);
    expect(batchDeletes(discard)).toHaveLength(1);
    expect(singleDeletes(discard)).toEqual([]);
    // Its manifest stays: the next run finds it superseded and discards it, in batches too.
    expect(await listRuns(bucket)).toHaveLength(1);
    expect(await compactStagingIntoLakeside(bucket)).toMatchObject({ version: 1, records: RECORDS });
    expect(await listRuns(bucket)).toEqual([]);
  });
});
