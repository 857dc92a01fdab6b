/**
 * The versions completion offers after `table@`: read through the table's own connection (a binding's,
 * not the workspace's), and read again once a job has added a version (version-lists.test.ts holds the
 * list kept between keystrokes). A real workbench server (its workspace the local sample lake), the
 * sample lake's `orders` Delta table copied onto the loopback S3 server.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../core/api/workbench';
import { S3Store } from '../../core/storage/s3';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';
import { SAMPLE_LAKE, startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

let served: WorkbenchServer;
let s3: S3TestServer;
let bucket: ConnectionInfo;
/** `orders` on S3, newest version first, as its history lists them. */
let versions: string[];

beforeAll(async () => {
  [served, s3] = await Promise.all([startWorkbenchServer(), startS3Server()]);
  await s3.createBucket('remote');
  await uploadFolder(join(SAMPLE_LAKE, 'orders'), new S3Store({ client: s3.client, bucket: 'remote', prefix: 'orders', urlScheme: 's3', endpoint: s3.endpoint }));
  const { accessKeyId, secretAccessKey } = s3.credentials;
  bucket = await served.client.saveConnection({ kind: 's3-compatible', name: 'remote', endpoint: s3.endpoint, bucket: 'remote', accessKeyId, secretAccessKey });
  versions = (await served.client.history({ location: 's3://remote/orders', connectionId: bucket.id })).sort((a, b) => b.ordinal - a.ordinal).map((h) => h.version);
});
afterAll(async () => {
  await served?.stop();
  await s3?.stop();
});

const completeAt = async (sql: string, tables?: Parameters<WorkbenchServer['client']['complete']>[0]['tables']) =>
  (await served.client.complete({ sql, cursor: sql.length, tables })).items.map((i) => i.text);

describe('versions after table@', () => {
  it("lists a binding's versions through the binding's connection, not the workspace's", async () => {
    expect(versions.length).toBeGreaterThan(1);
    // The workspace is the local sample lake; `t` is the table on S3, reachable only with the bucket's connection.
    const binding = { name: 't', location: 's3://remote/orders', connectionId: bucket.id };
    expect(await completeAt('select * from t@', [binding])).toEqual(versions);
    expect(await completeAt('select * from "t"@1', [binding])).toEqual(versions.filter((v) => v.startsWith('1')));
  });

  it('reads the versions again once a job has added one (the kept list is dropped)', async () => {
    const binding = { name: 't', location: 's3://remote/orders', connectionId: bucket.id };
    expect(await completeAt('select * from t@', [binding])).toEqual(versions);
    const job = await served.client.deleteWhere({ location: 's3://remote/orders', connectionId: bucket.id, where: 'order_id = 1' });
    await served.workbench.jobSettled(job.jobId);
    expect(await completeAt('select * from t@', [binding])).toEqual([String(Number(versions[0]) + 1), ...versions]);
  });
});
