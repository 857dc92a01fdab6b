/** Import and delete against a real S3 server on loopback (s3rver behind the conditional-write proxy). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { deleteWhere } from '../../core/ops/delete';
import { importFiles } from '../../core/ops/import';
import { S3Store } from '../../core/storage/s3';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { queryTable } from '../helpers/delta-rows';

let server: S3TestServer;
let dir: string;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-import-s3-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function storeAt(prefix: string): S3Store {
  return new S3Store({ client: server.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.endpoint });
}

async function input(name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, body);
  return file;
}

describe('import and delete on S3', () => {
  it('creates a partitioned table, appends, merges and deletes', async () => {
    const store = storeAt('tables/orders');
    const created = await importFiles(store, {
      inputs: [await input('1.csv', 'id,day,amount\n1,2026-01-01,10.5\n2,2026-01-01,20\n3,2026-01-02,30\n')],
      partitionBy: ['day'],
    });
    expect(created).toMatchObject({ version: 0, created: true, filesWritten: 2 });
    const keys = server.requests.filter((r) => r.method === 'PUT').map((r) => decodeURIComponent(r.url.split('?')[0]!));
    expect(keys.some((k) => /^\/lake\/tables\/orders\/day=2026-01-01\/part-[0-9a-f-]{36}-c000\.zstd\.parquet$/.test(k))).toBe(true);

    await importFiles(store, { inputs: [await input('2.ndjson', '{"id":4,"day":"2026-01-03","amount":40}\n')] });
    await importFiles(store, {
      inputs: [await input('3.ndjson', '{"id":2,"day":"2026-01-01","amount":21}\n{"id":5,"day":"2026-01-03","amount":50}\n')],
      mode: 'merge',
      key: ['id'],
    });
    const deleted = await deleteWhere(store, 'amount >= 40');
    expect(deleted).toMatchObject({ version: 3, rowsDeleted: 2, filesRemoved: 2, filesAdded: 0 });

    expect(await queryTable(store, 'SELECT id, CAST(day AS VARCHAR) AS day, amount FROM t ORDER BY id')).toEqual([
      { id: 1, day: '2026-01-01', amount: 10.5 },
      { id: 2, day: '2026-01-01', amount: 21 },
      { id: 3, day: '2026-01-02', amount: 30 },
    ]);
    expect((await (await DeltaTable.open(store)).snapshot()).version).toBe(3);
  });
});
