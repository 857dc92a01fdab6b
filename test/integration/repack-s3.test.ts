/** repack on a partitioned table in a real S3 server on loopback (s3rver behind the conditional-write proxy). */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { repackTable } from '../../core/ops/repack';
import { S3Store } from '../../core/storage/s3';
import { queryTable } from '../helpers/delta-rows';
import { objectsContaining, readableVersions, tableWithHistory } from '../helpers/repack-tables';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let server: S3TestServer;
let dir: string;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-repack-s3-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const storeAt = (prefix: string) =>
  new S3Store({ client: server.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.endpoint });

describe('repack on S3', () => {
  it('purges a row from every retained version and every object, then recompresses', async () => {
    const store = storeAt('tables/people');
    const { marker, ids } = await tableWithHistory(store, dir, ['p']);
    const rows = async (version?: number) =>
      (await queryTable(store, `SELECT id, p, note = '${marker}' AS marked FROM t ORDER BY id`, version)).map((r) => [
        Number(r.id),
        r.p,
        r.marked,
      ]);
    expect(await objectsContaining(store, marker)).not.toEqual([]);

    const purged = await repackTable(store, { purgeWhere: `note = '${marker}'`, purge: true });
    expect(purged).toMatchObject({ rowsPurged: 1, filesRewritten: 1 });
    const kept = ids.filter((id) => id !== 4);
    expect((await rows()).map(([id]) => id)).toEqual(kept);
    expect(await readableVersions(store)).toEqual([purged.version]);
    expect((await rows()).some(([, , marked]) => marked)).toBe(false);
    expect(await objectsContaining(store, marker)).toEqual([]);

    const before = await rows();
    const recompressed = await repackTable(store, { recompressLevel: 9 });
    expect(recompressed.version).toBe(purged.version! + 1);
    const purgedSnapshot = await (await DeltaTable.open(store)).snapshot({ version: purged.version });
    expect(recompressed.filesRewritten).toBe(purgedSnapshot.files.length);
    expect(await rows()).toEqual(before);
  });

  it('plans a recompress from the log alone: no data file is read, written or uploaded', async () => {
    const store = storeAt('tables/plan');
    await tableWithHistory(store, dir, ['p']);
    const snapshot = await (await DeltaTable.open(store)).snapshot();
    const from = server.requests.length;
    const plan = await repackTable(store, { recompressLevel: 9, dryRun: true });
    expect(plan).toMatchObject({ version: undefined, dryRun: true, filesRewritten: snapshot.files.length, filesAdded: snapshot.files.length });
    const made = server.requests.slice(from).map((r) => `${r.method} ${decodeURIComponent(r.url.split('?')[0]!)}`);
    expect(made.length).toBeGreaterThan(0);
    // Only the log is touched: every request is a listing of the bucket or names a key under _delta_log/.
    expect(made.filter((r) => !/^(GET|HEAD) \/lake\/(tables\/plan\/_delta_log\/.*)?$/.test(r))).toEqual([]);
    expect((await (await DeltaTable.open(store)).snapshot()).version).toBe(snapshot.version);
  });

  it('deletes the old files of a purge with DeleteObjects, naming each file the service refused to delete', async () => {
    const store = storeAt('tables/erase');
    const { marker } = await tableWithHistory(store, dir, ['p']);
    const purgeWhere = `note = '${marker}'`;
    const { purgedObjects } = await repackTable(store, { purgeWhere, purge: true, dryRun: true });
    expect(purgedObjects.length).toBeGreaterThan(0);
    const refused = purgedObjects[0]!;
    server.denyDeletes((key) => `s3://lake/${key}` === refused);
    const from = server.requests.length;
    try {
      await expect(repackTable(store, { purgeWhere, purge: true })).rejects.toThrow(
        new RegExp(`erasing the older versions failed: 1 of ${purgedObjects.length} old data files .* could not be deleted: ${refused} \\(AccessDenied`),
      );
    } finally {
      server.denyDeletes(undefined);
    }
    const made = server.requests.slice(from);
    expect(made.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(made.filter((r) => r.method === 'POST' && /[?&]delete(=|&|$)/.test(r.url)).length).toBeGreaterThan(0);
    expect((await objectsContaining(store, marker)).map((key) => store.urlOf(key))).toEqual([refused]);
  });
});
