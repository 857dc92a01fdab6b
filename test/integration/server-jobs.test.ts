/**
 * Long operations as jobs over HTTP: the fetch of remote files for a query (prefetch), an import, and
 * the table view's data for a plain Parquet folder. Real server, real DuckDB, real S3 on loopback.
 */
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo, WorkbenchEvent } from '../../core/api/workbench';
import { S3Store } from '../../core/storage/s3';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';
import { startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

let served: WorkbenchServer;
let s3: S3TestServer;
const events: WorkbenchEvent[] = [];
let unsubscribe: () => void;

beforeAll(async () => {
  [served, s3] = await Promise.all([startWorkbenchServer(), startS3Server()]);
  await s3.createBucket('lake');
  const store = new S3Store({ client: s3.client, bucket: 'lake', prefix: 'orders', urlScheme: 's3', endpoint: s3.endpoint });
  await uploadFolder(join(served.lake, 'orders'), store);
  unsubscribe = served.workbench.onEvent((event) => events.push(event));
});
afterAll(async () => {
  unsubscribe?.();
  await served?.stop();
  await s3?.stop();
});

async function settledJob(jobId: string): Promise<JobInfo> {
  await served.workbench.jobSettled(jobId);
  return (await served.client.jobs({})).find((j) => j.jobId === jobId)!;
}

describe('jobs', () => {
  it('reports the fetch of a remote table for a query as a prefetch job, once', async () => {
    const connection = await served.client.saveConnection({
      kind: 's3-compatible',
      name: 'loopback',
      endpoint: s3.endpoint,
      bucket: 'lake',
      region: s3.region,
      accessKeyId: s3.credentials.accessKeyId,
      secretAccessKey: s3.credentials.secretAccessKey,
    });
    const tables = [{ name: 'remote_orders', location: 's3://lake/orders', connectionId: connection.id }];
    const run = async () => {
      const started = await served.client.queryStart({ sql: 'select count(*) as n from remote_orders', tables });
      const page = await served.client.queryPage({ queryId: started.queryId, offset: 0, limit: 10 });
      await served.client.queryClose({ queryId: started.queryId });
      return page.rows[0][0];
    };
    const local = await served.client.queryStart({ sql: 'select count(*) from orders' });
    const expected = (await served.client.queryPage({ queryId: local.queryId, offset: 0, limit: 1 })).rows[0][0];

    expect(await run()).toBe(expected);
    const prefetches = (await served.client.jobs({})).filter((j) => j.kind === 'prefetch');
    expect(prefetches).toHaveLength(1);
    const job = await settledJob(prefetches[0].jobId);
    expect(job.state).toBe('done');
    expect(job.title).toContain('s3://lake/orders');
    const progress = events.flatMap((e) => (e.type === 'job-progress' && e.progress.jobId === job.jobId ? [e.progress] : []));
    expect(progress.length).toBeGreaterThan(1);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ phase: 'fetching' });
    expect(last.done).toBe(last.total);
    expect(last.bytes).toBeGreaterThan(0);
    expect(job.result).toMatchObject({ files: last.total, bytes: last.bytes });

    // The files are cached now: a second run fetches nothing and makes no job.
    expect(await run()).toBe(expected);
    expect((await served.client.jobs({})).filter((j) => j.kind === 'prefetch')).toHaveLength(1);
  });

  it('imports a CSV file as a job into a new table', async () => {
    const csv = join(served.dir, 'people.csv');
    await writeFile(csv, 'id,name,country\n1,Ada,GB\n2,Grace,US\n3,Linus,FI\n');
    const location = join(served.lake, `people_${randomUUID().slice(0, 8)}`);
    const job = await served.client.importFiles({ location, inputs: [csv], partitionBy: ['country'] });
    expect(job).toMatchObject({ kind: 'import', state: 'running' });
    const ended = await settledJob(job.jobId);
    expect(ended.state).toBe('done');
    expect(events.some((e) => e.type === 'job-progress' && e.progress.jobId === job.jobId)).toBe(true);
    expect(existsSync(join(location, '_delta_log'))).toBe(true);
    const partitions = await served.client.partitions({ location });
    expect(partitions.partitionColumns).toEqual(['country']);
    expect(partitions.partitions.map((p) => p.partitionValues.country)).toEqual(['FI', 'GB', 'US']);
  });

  it('fails an import of a missing file as a job naming the file', async () => {
    const missing = join(served.dir, 'nope.csv');
    const job = await served.client.importFiles({ location: join(served.lake, 'orders'), inputs: [missing] });
    const ended = await settledJob(job.jobId);
    expect(ended.state).toBe('failed');
    expect(ended.error).toContain('nope.csv');
  });
});

describe('parquet folders in the table view', () => {
  it('gives columns, files with their hive partition values, and partitions; no history', async () => {
    const customers = { location: join(served.lake, 'customers') };
    const [schema, { files }, partitions] = await Promise.all([served.client.schema(customers), served.client.files(customers), served.client.partitions(customers)]);
    expect(schema.partitionColumns).toEqual(['country']);
    expect(schema.version).toBeUndefined();
    expect(schema.fields.map((c) => c.name)).toEqual(expect.arrayContaining(['customer_id', 'country']));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file.path.startsWith(`country=${file.partitionValues.country}/`)).toBe(true);
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    expect(partitions.partitionColumns).toEqual(['country']);
    expect(partitions.partitions.reduce((sum, p) => sum + p.bytes, 0)).toBe(bytes);
    expect(partitions.partitions.reduce((sum, p) => sum + p.files, 0)).toBe(files.length);
    await expect(served.client.history(customers)).rejects.toMatchObject({ code: 'UNSUPPORTED_OPERATION', message: expect.stringContaining('history: not available for Parquet folders') });
    await expect(served.client.files({ ...customers, version: '1' })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('refuses a folder without a table', async () => {
    await expect(served.client.files({ location: join(served.lake, 'missing') })).rejects.toMatchObject({ code: 'NOT_A_TABLE' });
  });
});

describe('opening a workspace without waiting for its tables', () => {
  it('answers with the root and no tables, and still refuses a missing folder', async () => {
    const info = await served.client.openWorkspace({ location: served.lake, withoutTables: true });
    expect(info.tables).toEqual([]);
    expect(info.root).toBe(served.lake);
    expect((await served.client.workspace({})).tables.map((t) => t.name)).toEqual(expect.arrayContaining(['orders', 'customers']));
    await expect(served.client.openWorkspace({ location: join(served.dir, 'nowhere'), withoutTables: true })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
