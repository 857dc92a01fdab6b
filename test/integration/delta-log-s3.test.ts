/** The log reader over a real S3 server on loopback: same snapshots as on disk, listing from the checkpoint hint. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable, type Snapshot } from '../../core/formats/delta/table';
import { LocalStore } from '../../core/storage/local';
import { S3Store } from '../../core/storage/s3';
import { uploadFolder } from '../helpers/upload-folder';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { fixture } from '../helpers/fixtures';

const DELTA_RS = fixture('delta-rs');
const TABLES = ['simple_table_with_checkpoint', 'delta-0.2.0', 'simple_table'];

let server: S3TestServer;

const storeAt = (prefix: string) =>
  new S3Store({ client: server.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.endpoint });

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket('lake');
  for (const table of TABLES) await uploadFolder(path.join(DELTA_RS, table), storeAt(`tables/${table}`));
});
afterAll(async () => {
  await server?.stop();
});

const summary = (s: Snapshot) => ({
  version: s.version,
  timestamp: s.timestamp,
  files: s.files.map((f) => f.path).sort(),
  tombstones: s.tombstones.map((f) => f.path).sort(),
  txns: s.txns,
  metadata: s.metadata,
});

describe('Delta log on S3', () => {
  it.each(TABLES)('%s: every version reads as from the local folder', async (name) => {
    const local = await DeltaTable.open(new LocalStore(path.join(DELTA_RS, name)));
    const remote = await DeltaTable.open(storeAt(`tables/${name}`));
    const latest = await local.latestVersion();
    expect(await remote.latestVersion()).toBe(latest);
    for (let version = 0; version <= latest; version++) {
      expect(summary(await remote.snapshot({ version }))).toEqual(summary(await local.snapshot({ version })));
    }
    expect((await remote.history()).map((c) => c.operation)).toEqual((await local.history()).map((c) => c.operation));
  });

  it('lists the log from the _last_checkpoint version on', async () => {
    // A table this process has not opened yet (snapshots and listing starts are remembered per table).
    const prefix = 'first-open/simple_table_with_checkpoint';
    await uploadFolder(path.join(DELTA_RS, 'simple_table_with_checkpoint'), storeAt(prefix));
    server.requests.length = 0;
    const snapshot = await (await DeltaTable.open(storeAt(prefix))).snapshot();
    expect(snapshot.version).toBe(10);
    const lists = server.requests.filter((r) => r.method === 'GET' && r.url.includes('list-type=2'));
    expect(lists.length).toBeGreaterThan(0);
    for (const list of lists) expect(decodeURIComponent(list.url)).toContain(`start-after=${prefix}/_delta_log/00000000000000000010`);
    // Only the checkpoint and commit 10 (for its timestamp) are read, not commits 0..9.
    const gets = server.requests.filter((r) => r.method === 'GET' && r.url.includes('/_delta_log/0')).map((r) => r.url);
    expect(gets.some((u) => u.includes('00000000000000000003.json'))).toBe(false);
    expect(gets.some((u) => u.includes('00000000000000000010.checkpoint.parquet'))).toBe(true);
  });

  it('opens a table again with one listing and no log reads', async () => {
    const prefix = 'tables/simple_table_with_checkpoint';
    const first = await (await DeltaTable.open(storeAt(prefix))).snapshot();
    server.requests.length = 0;
    const again = await (await DeltaTable.open(storeAt(prefix))).snapshot();
    expect(summary(again)).toEqual(summary(first));
    const requests = server.requests.map((r) => `${r.method} ${decodeURIComponent(r.url)}`);
    expect(requests.filter((r) => r.includes('list-type=2')).length).toBeGreaterThan(0);
    // No _last_checkpoint, no checkpoint, no commit: the listing shows version 10 unchanged.
    expect(requests.filter((r) => r.startsWith('GET') && !r.includes('list-type=2'))).toEqual([]);
  });
});
