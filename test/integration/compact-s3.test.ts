/** compactTable against a real S3 server on loopback: footers by range reads, inputs through a local temp, uploads via the store. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { compactTable } from '../../core/ops/compact';
import { importFiles } from '../../core/ops/import';
import { S3Store } from '../../core/storage/s3';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { queryTable } from '../helpers/delta-rows';

let server: S3TestServer;
let dir: string;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-compact-s3-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('compact on S3', () => {
  it('plans without writing, then compacts a partitioned table keeping every row', async () => {
    const store = new S3Store({ client: server.client, bucket: 'lake', prefix: 'tables/events', urlScheme: 's3', endpoint: server.endpoint });
    for (let i = 0; i < 4; i++) {
      const file = path.join(dir, `${i}.csv`);
      await writeFile(file, `id,day,v\n${i},2026-01-01,${i}\n${i + 10},2026-01-02,${i}\n`);
      await importFiles(store, { inputs: [file], partitionBy: ['day'] });
    }
    const before = await queryTable(store, 'SELECT * FROM t ORDER BY ALL');

    const putsBefore = server.requests.filter((r) => r.method === 'PUT').length;
    const dry = await compactTable(store, { targetSize: 1 << 20, minFiles: 3, dryRun: true });
    expect(dry.plan.map((p) => p.partition.day).sort()).toEqual(['2026-01-01', '2026-01-02']);
    expect(server.requests.filter((r) => r.method === 'PUT').length).toBe(putsBefore);

    const result = await compactTable(store, { targetSize: 1 << 20, minFiles: 3 });
    expect(result).toMatchObject({ version: 4, filesRemoved: 8, filesAdded: 2 });
    const puts = server.requests.filter((r) => r.method === 'PUT').map((r) => decodeURIComponent(r.url.split('?')[0]!));
    expect(puts.filter((k) => /^\/lake\/tables\/events\/day=2026-01-0[12]\/part-[0-9a-f-]{36}-c000\.zstd\.parquet$/.test(k)).length).toBe(10);

    const snapshot = await (await DeltaTable.open(store)).snapshot();
    expect(snapshot.files).toHaveLength(2);
    expect(await queryTable(store, 'SELECT * FROM t ORDER BY ALL')).toEqual(before);
    expect(await queryTable(store, 'SELECT * FROM t ORDER BY ALL', 3)).toEqual(before);
  });
});
