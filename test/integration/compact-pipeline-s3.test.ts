/**
 * Compaction of a table on a real S3 server on loopback as a pipeline: the scratch folder — measured on
 * disk while it runs — never holds more than --scratch-limit although the table's inputs are bigger than
 * it; a bin that cannot fit is refused before anything is written; the rows stay the same.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { compactTable } from '../../core/ops/compact';
import { importFiles } from '../../core/ops/import';
import type { OpProgress } from '../../core/ops/maintenance/operations';
import { S3Store } from '../../core/storage/s3';
import { queryTable } from '../helpers/delta-rows';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { sampleScratch } from '../helpers/scratch-sampler';

const APPENDS = 10;
const ROWS_PER_DAY = 1500;
const TARGET_SIZE = 150 * 1024;

let server: S3TestServer;
let dir: string;
let store: S3Store;
let inputBytes: number;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-compact-pipeline-'));
  store = new S3Store({ client: server.client, bucket: 'lake', prefix: 'tables/events', urlScheme: 's3', endpoint: server.endpoint });
  // Random text hardly compresses: every file is about 40 kB, two partitions of ten files each.
  for (let i = 0; i < APPENDS; i++) {
    const lines = ['id,day,payload'];
    for (let r = 0; r < 2 * ROWS_PER_DAY; r++) lines.push(`${i * 10_000 + r},2026-01-0${(r % 2) + 1},${randomBytes(24).toString('hex')}`);
    const file = path.join(dir, `${i}.csv`);
    await writeFile(file, lines.join('\n'));
    await importFiles(store, { inputs: [file], partitionBy: ['day'] });
  }
  inputBytes = (await (await DeltaTable.open(store)).snapshot()).files.reduce((sum, f) => sum + f.size, 0);
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('compact on S3 as a pipeline', () => {
  it('refuses a bin bigger than --scratch-limit by partition and sizes, before writing anything', async () => {
    const version = (await (await DeltaTable.open(store)).snapshot()).version;
    const puts = server.requests.filter((r) => r.method === 'PUT' || r.method === 'POST').length;
    const attempt = compactTable(store, { targetSize: TARGET_SIZE, minFiles: 2, scratchLimit: 100 * 1024 });
    await expect(attempt).rejects.toMatchObject({ code: 'USAGE', object: store.url });
    await expect(attempt).rejects.toThrow(/: partition day=2026-01-0[12]: a bin of [\d.]+ KB of input files needs [\d.]+ KB of scratch space .* more than --scratch-limit 100 KB/);
    expect(server.requests.filter((r) => r.method === 'PUT' || r.method === 'POST').length).toBe(puts);
    expect((await (await DeltaTable.open(store)).snapshot()).version).toBe(version);
  });

  it('keeps the scratch folder under the limit while compacting more input than the limit, with the same rows after', async () => {
    const before = await queryTable(store, 'SELECT * FROM t ORDER BY id');
    const limit = 512 * 1024; // room for two bins at a time
    expect(inputBytes).toBeGreaterThan(1.5 * limit);

    const events: OpProgress[] = [];
    const { result, samples } = await sampleScratch(dir, () =>
      compactTable(store, { targetSize: TARGET_SIZE, minFiles: 2, scratchLimit: limit, onProgress: (p) => events.push(p) }),
    );

    expect(result.bytesRemoved).toBeGreaterThan(limit); // downloading every input first would not fit
    expect(result.filesAdded).toBeGreaterThan(2); // several bins per partition went through the pipeline
    expect(Math.max(...samples)).toBeGreaterThan(0); // the sampler saw the pipeline's files
    expect(Math.max(...samples)).toBeLessThanOrEqual(limit);
    expect(result.scratchHighWaterBytes).toBeGreaterThan(0);
    expect(result.scratchHighWaterBytes).toBeLessThanOrEqual(limit);

    const transfers = events.filter((e) => e.phase === 'transfer');
    expect(Math.max(...transfers.map((e) => e.transfer!.scratchBytes))).toBeLessThanOrEqual(limit);
    expect(transfers.some((e) => e.etaMs !== undefined)).toBe(true);
    expect(transfers.at(-1)).toMatchObject({
      done: result.bytesRemoved,
      total: result.bytesRemoved,
      transfer: { downloadedBytes: result.bytesRemoved, totalBytes: result.bytesRemoved, uploadedBytes: result.bytesAdded, scratchBytes: 0 },
    });

    expect(await queryTable(store, 'SELECT * FROM t ORDER BY id')).toEqual(before);
  });
});
