/** verify against the real S3 server on loopback: footers read by range requests, --deep through local copies. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { verifyLocation } from '../../core/ops/verify/verify';
import { S3Store } from '../../core/storage/s3';
import { ROOT } from '../helpers/cli-process';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';

const ORDERS = join(ROOT, 'resources', 'sample-lake', 'orders');
let server: S3TestServer;

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket('lake');
});
afterAll(async () => {
  await server?.stop();
});

const storeAt = (prefix: string) => new S3Store({ client: server.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.endpoint });

describe('verify on S3', () => {
  it('checks a table on S3 and names a deleted and a truncated file', async () => {
    const store = storeAt('tables/orders');
    await uploadFolder(ORDERS, store);
    const clean = await verifyLocation(store, { deep: true });
    expect(clean.problems).toEqual([]);
    expect(clean.location).toBe('s3://lake/tables/orders');

    const [deleted, truncated] = (await (await DeltaTable.open(store)).snapshot()).files.map((f) => decodeURIComponent(f.path));
    await store.delete(deleted!);
    const bytes = await readFile(join(ORDERS, truncated!));
    await store.put(truncated!, bytes.subarray(0, bytes.length - 100));

    const report = await verifyLocation(store, { deep: true });
    expect(report.problems.map((p) => [p.kind, p.object]).sort()).toEqual([
      ['bad-magic', `s3://lake/tables/orders/${truncated}`],
      ['missing-file', `s3://lake/tables/orders/${deleted}`],
      ['size-mismatch', `s3://lake/tables/orders/${truncated}`],
    ]);
  });
});
