/** orphans → expire → vacuum → checkpoint against the real S3 server on loopback. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodedPath } from '../../core/formats/delta/replay';
import { DeltaTable } from '../../core/formats/delta/table';
import { checkpointTable } from '../../core/ops/checkpoint';
import { deleteWhere } from '../../core/ops/delete';
import { expireLog } from '../../core/ops/expire';
import { findOrphans } from '../../core/ops/orphans';
import { vacuumTable } from '../../core/ops/vacuum';
import { S3Store } from '../../core/storage/s3';
import type { ObjectStore } from '../../core/storage/types';
import { appendCsv, DAY, ids } from '../helpers/maintenance-table';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let server: S3TestServer;
let dir: string;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-vacuum-s3-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function keys(store: ObjectStore): Promise<string[]> {
  const all: string[] = [];
  for await (const info of store.listAll('')) all.push(info.key);
  return all;
}

describe('cleanup on S3', () => {
  it('finds a failed write, expires the log, vacuums what no retained version needs and keeps every row', async () => {
    const store = new S3Store({ client: server.client, bucket: 'lake', prefix: 'tables/t', urlScheme: 's3', endpoint: server.endpoint });
    await appendCsv(store, dir, 'id\n1\n2\n');
    await appendCsv(store, dir, 'id\n3\n4\n');
    const original = (await (await DeltaTable.open(store)).snapshot()).files.map((f) => decodedPath(f.path));
    await deleteWhere(store, 'id = 1'); // v2: the first file is rewritten
    const failed = await deleteWhere(store, 'id = 3', { beforeCommit: () => Promise.reject(new Error('killed')) }).catch((e: Error) => e);
    expect((failed as Error).message).toBe('killed');

    const orphans = await findOrphans(store, { olderThanMs: 0 });
    expect(orphans.orphans).toHaveLength(1);
    expect(orphans.orphans[0]).toMatchObject({ reason: 'unreferenced' });
    expect(orphans.orphans[0].object).toMatch(/^s3:\/\/lake\/tables\/t\/part-.*\.parquet$/);

    const now = Date.now() + 31 * DAY;
    const expired = await expireLog(store, { now });
    expect(expired).toMatchObject({ oldestVersion: 2, checkpointWritten: 2 });
    expect(expired.deleted).toEqual(['s3://lake/tables/t/_delta_log/00000000000000000000.json', 's3://lake/tables/t/_delta_log/00000000000000000001.json']);

    const plan = await vacuumTable(store, { dryRun: true, now });
    expect(plan.deleted.map((d) => d.reason)).toEqual(['orphan', 'orphan']); // the failed write's file and the removed original
    expect(plan.deleted.map((d) => d.object)).toContain(store.urlOf(original[0]));
    const before = await keys(store);
    await vacuumTable(store, { now });
    const after = await keys(store);
    expect(after).toEqual(before.filter((key) => !plan.deleted.some((d) => d.object === store.urlOf(key))));
    expect(await ids(store)).toEqual([2, 3, 4]);
    expect((await findOrphans(store, { olderThanMs: 0, now })).orphans).toEqual([]);

    expect(await checkpointTable(store)).toEqual({ version: 2, object: 's3://lake/tables/t/_delta_log/00000000000000000002.checkpoint.parquet' });
  });
});
