/**
 * The cleanup ops' requests on a long log, against the real S3 server on loopback: orphans and vacuum
 * read the newest checkpoint and the commits after it (never the older commits), list the table once,
 * and delete with DeleteObjects — reporting, key by key, what the service refused to delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { expireLog } from '../../core/ops/expire';
import { findOrphans } from '../../core/ops/orphans';
import { vacuumTable } from '../../core/ops/vacuum';
import { networkStats } from '../../core/storage/s3-retry';
import { S3Store } from '../../core/storage/s3';
import type { ObjectStore } from '../../core/storage/types';
import { writeLongLog, type LongLog } from '../helpers/long-log';
import { DAY } from '../helpers/maintenance-table';
import { startS3Server, type RecordedRequest, type S3TestServer } from '../helpers/s3server';

/** Versions 0..64, checkpoints at 10..60: the newest checkpoint is 60, with 4 commits after it. */
const VERSIONS = 65;
const EVERY = 10;

let server: S3TestServer;
let store: ObjectStore;
let log: LongLog;

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket('lake');
  const setup = new S3Store({ client: server.cleanClient, bucket: 'lake', prefix: 'tables/long', urlScheme: 's3' });
  log = await writeLongLog(setup, { versions: VERSIONS, checkpointEvery: EVERY, dataFile: new TextEncoder().encode('data'), time: Date.now() - 60 * DAY });
  store = new S3Store({ client: server.client, bucket: 'lake', prefix: 'tables/long', urlScheme: 's3', endpoint: server.endpoint });
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

/** The requests `run` makes, as the proxy saw them, and as counted by the store's metrics. */
async function requestsOf<T>(run: () => Promise<T>): Promise<{ result: T; requests: RecordedRequest[]; counted: number }> {
  const [first, counted] = [server.requests.length, networkStats.requests];
  const result = await run();
  return { result, requests: server.requests.slice(first), counted: networkStats.requests - counted };
}

const logReads = (requests: RecordedRequest[]) =>
  requests.filter((r) => r.method === 'GET' && r.url.includes('/_delta_log/0')).map((r) => /_delta_log\/(\d{20}\.[a-z.]+)/.exec(r.url)![1]);
const batchDeletes = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'POST' && /[?&]delete(=|&|$)/.test(r.url));
const singleDeletes = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'DELETE');

describe('cleanup of a long log on S3', () => {
  it('orphans reads the newest checkpoint and the commits after it, and lists the table once', async () => {
    const { result, requests, counted } = await requestsOf(() => findOrphans(store, { olderThanMs: 0 }));
    expect(result.orphans).toEqual([]); // the tombstoned files are still referenced by the checkpoint's removes
    expect(logReads(requests).sort()).toEqual([
      '00000000000000000060.checkpoint.parquet',
      ...[61, 62, 63, 64].map((v) => `${String(v).padStart(20, '0')}.json`),
    ]);
    // 65 commits, 6 checkpoints, the hint and 64 data files: one page of listing.
    expect(requests.filter((r) => r.method === 'GET' && r.url.includes('list-type=2'))).toHaveLength(1);
    expect(counted).toBe(requests.length);
  });

  it('vacuum deletes the tombstoned files in one DeleteObjects, reporting the keys the service refused', async () => {
    const refused = log.removed[0];
    server.denyDeletes((key) => key === `tables/long/${refused}`);
    try {
      const { result, requests } = await requestsOf(() => vacuumTable(store, { now: Date.now() + DAY }));
      expect(result.failed).toEqual([{ object: store.urlOf(refused), code: 'AccessDenied', message: 'Access Denied' }]);
      expect(result.deleted.map((d) => d.object).sort()).toEqual(log.removed.filter((k) => k !== refused).map((k) => store.urlOf(k)).sort());
      expect(new Set(result.deleted.map((d) => d.reason))).toEqual(new Set(['tombstone']));
      expect(batchDeletes(requests)).toHaveLength(1);
      expect(singleDeletes(requests)).toEqual([]);
      // Read once before deciding, and only the newest commits again right before deleting.
      expect(logReads(requests).filter((name) => name.endsWith('.json') && Number(name.slice(0, 20)) <= 60)).toEqual([]);
      expect(requests.length).toBeLessThanOrEqual(12);
    } finally {
      server.denyDeletes(undefined);
    }
    const left: string[] = [];
    for await (const info of store.listAll('')) if (!info.key.startsWith('_delta_log/')) left.push(info.key);
    expect(left.sort()).toEqual([...log.live, refused].sort());
    expect((await (await DeltaTable.open(store)).snapshot()).files.map((f) => f.path).sort()).toEqual(log.live);
  });

  it('expire deletes the log before the cut in two DeleteObjects: the entries a reader starts from, then the rest', async () => {
    // Log entries are dated by their objects (written just now): 31 days on, all but the latest are past the 30-day retention.
    const { result, requests } = await requestsOf(() => expireLog(store, { now: Date.now() + 31 * DAY }));
    expect(result.oldestVersion).toBe(VERSIONS - 1);
    expect(result.deleted).toHaveLength(VERSIONS - 1 + log.checkpoints.length);
    expect(result.failed).toBeUndefined();
    expect(batchDeletes(requests)).toHaveLength(2);
    expect(singleDeletes(requests)).toEqual([]);
    expect((await (await DeltaTable.open(store)).snapshot()).files.map((f) => f.path).sort()).toEqual(log.live);
  });
});
