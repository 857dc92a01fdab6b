/**
 * Iceberg compaction of a table on a real S3 server on loopback through the bin pipeline: the scratch
 * folder — measured on disk while it runs — never holds more than --scratch-limit although the table's
 * inputs are bigger than it; progress is told in bytes; the deletes are applied and dropped as before; a
 * bin that cannot fit is refused by its partition before any write request; the rows stay the same.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSystemTarget } from '../../core/formats/iceberg/commit-targets';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { compactIcebergTable } from '../../core/ops/iceberg-compact';
import type { OpProgress } from '../../core/ops/maintenance/operations';
import { IcebergSource } from '../../core/sql/iceberg-source';
import { FileCache } from '../../core/storage/cache';
import { S3Store } from '../../core/storage/s3';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { sampleScratch } from '../helpers/scratch-sampler';
import { uploadFolder } from '../helpers/upload-folder';

const FILES_PER_KIND = 12;
const ROWS_PER_FILE = 600;
const TARGET_SIZE = 150 * 1024;

let server: S3TestServer;
let dir: string;
let store: S3Store;
let duck: DuckDBConnection;
let inputBytes: number;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-iceberg-pipeline-'));
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  const writer = new IcebergTestWriter(path.join(dir, 'table'), duck, {
    fields: [
      { id: 1, name: 'id', type: 'long' },
      { id: 2, name: 'kind', type: 'string' },
      { id: 3, name: 'payload', type: 'string' },
    ],
    partitionFields: [{ sourceId: 2, fieldId: 1000, name: 'kind', transform: 'identity', avroType: 'string' }],
    location: 's3://recorded/elsewhere/events',
  });
  // Random hex hardly compresses: every file is about 40 kB, two partitions of twelve files each.
  for (let i = 0; i < FILES_PER_KIND; i++) {
    await writer.commit({
      add: ['a', 'b'].map((kind, k) => ({
        sql: `SELECT (range + ${(2 * i + k) * ROWS_PER_FILE})::BIGINT AS id, '${kind}' AS kind, md5(random()::VARCHAR) || md5(random()::VARCHAR) AS payload FROM range(${ROWS_PER_FILE})`,
        partition: { kind },
      })),
    });
  }
  const first = writer.files()[0]!;
  await writer.commit({ operation: 'delete', positionDeletes: [{ partition: first.partition, referencedDataFile: first.path, rows: [0, 7].map((pos) => ({ path: first.path, pos })) }] });
  await writer.commit({ operation: 'delete', equalityDeletes: [{ sql: `SELECT ${ROWS_PER_FILE + 3}::BIGINT AS id`, equalityIds: [1], partition: { kind: 'b' } }] });
  store = new S3Store({ client: server.client, bucket: 'lake', prefix: 'tables/events', urlScheme: 's3', endpoint: server.endpoint });
  await uploadFolder(path.join(dir, 'table'), store);
  const table = await IcebergTable.open(store);
  inputBytes = (await table.files(table.snapshot())).filter((f) => f.content === 0).reduce((sum, f) => sum + f.fileSizeInBytes, 0);
});
afterAll(async () => {
  duck?.closeSync();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

let views = 0;
/** Every row the engine reads at the table's current snapshot, in id order. */
async function rows(): Promise<unknown[]> {
  const name = `v${views++}`;
  const cache = new FileCache(path.join(dir, `cache-${name}`), Number.POSITIVE_INFINITY);
  await new IcebergSource(name, await IcebergTable.open(store), { kind: 'current' }, cache).prepare(duck, `SELECT * FROM ${name}`, undefined);
  return (await duck.runAndReadAll(`SELECT * FROM ${name} ORDER BY id`)).getRowObjectsJson();
}

const writeRequests = () => server.requests.filter((r) => r.method === 'PUT' || r.method === 'POST' || r.method === 'DELETE').length;

describe('Iceberg compact on S3 as a pipeline', () => {
  it('refuses a bin bigger than --scratch-limit by partition and sizes, before any write request', async () => {
    const snapshot = (await IcebergTable.open(store)).snapshot()!.id;
    const writes = writeRequests();
    const attempt = compactIcebergTable(new FileSystemTarget(store), { targetSize: TARGET_SIZE, minFiles: 2, scratchLimit: 100 * 1024 });
    await expect(attempt).rejects.toMatchObject({ code: 'USAGE' });
    await expect(attempt).rejects.toThrow(/partition kind=[ab]: a bin of [\d.]+ KB of input files needs [\d.]+ KB of scratch space .* more than --scratch-limit 100 KB/);
    expect(writeRequests()).toBe(writes);
    expect((await IcebergTable.open(store)).snapshot()!.id).toBe(snapshot);
  });

  it('keeps the scratch folder under the limit while compacting more input than the limit; deletes applied and dropped, the same rows after', async () => {
    const before = await rows();
    expect(before).toHaveLength(2 * FILES_PER_KIND * ROWS_PER_FILE - 3);
    const limit = 512 * 1024; // room for two bins at a time
    expect(inputBytes).toBeGreaterThan(1.5 * limit);

    const events: OpProgress[] = [];
    const { result, samples } = await sampleScratch(dir, () =>
      compactIcebergTable(new FileSystemTarget(store), { targetSize: TARGET_SIZE, minFiles: 2, scratchLimit: limit, onProgress: (p) => events.push(p) }),
    );

    expect(result.filesRemoved).toBe(2 * FILES_PER_KIND);
    expect(result.deleteFilesRemoved).toBe(2);
    expect(result.filesAdded).toBeGreaterThan(2); // several bins per partition went through the pipeline
    expect(Math.max(...samples)).toBeGreaterThan(0); // the sampler saw the pipeline's files
    expect(Math.max(...samples)).toBeLessThanOrEqual(limit);
    expect(result.scratchHighWaterBytes).toBeGreaterThan(0);
    expect(result.scratchHighWaterBytes).toBeLessThanOrEqual(limit);

    const transfers = events.filter((e) => e.phase === 'transfer');
    expect(Math.max(...transfers.map((e) => e.transfer!.scratchBytes))).toBeLessThanOrEqual(limit);
    const downloaded = transfers.at(-1)!.transfer!.downloadedBytes;
    expect(downloaded).toBeGreaterThan(result.bytesRemoved); // the data files and the delete files
    expect(transfers.at(-1)).toMatchObject({ done: downloaded, total: downloaded, transfer: { totalBytes: downloaded, uploadedBytes: result.bytesAdded, scratchBytes: 0 } });

    const table = await IcebergTable.open(store);
    expect((await table.files(table.snapshot())).map((f) => f.content)).toEqual(new Array(result.filesAdded).fill(0));
    expect(await rows()).toEqual(before);
  });
});
