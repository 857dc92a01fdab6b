/**
 * Issue 15's failures as users met them, through the built CLI against the faulty test proxy
 * (s3server.ts): a download that keeps breaking ends compact-staging with a message naming the object
 * (not a stream crash), a listing that stalls is retried instead of hanging `sql`, `--timeout` ends a
 * command whose requests keep stalling; and the held-out checks: a corrupt shard does not hide an entry
 * of a healthy one, and a LakeSync JSON column read from a Parquet delta is not encoded twice.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../core/storage/concurrency';
import { S3Store } from '../../core/storage/s3';
import { runCli } from '../helpers/cli-process';
import { writeArchive } from '../helpers/des-writer';
import { writeLakeSyncJsonColumn } from '../helpers/lake-buckets';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let server: S3TestServer;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-net-cli-'));
  env = {
    ...server.env,
    LAKEBENCH_HOME: path.join(dir, 'home'),
    LAKEBENCH_S3_FIRST_BYTE_TIMEOUT: '700ms',
    LAKEBENCH_S3_IDLE_TIMEOUT: '700ms',
    LAKEBENCH_S3_MAX_ATTEMPTS: '3',
  };
});
afterEach(() => server.clearFaultRules());
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const clean = (prefix: string) => new S3Store({ client: server.cleanClient, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.cleanEndpoint });

describe('the CLI on a faulty network', () => {
  it('ends compact-staging with a message naming the object whose download keeps breaking, not a stream crash', async () => {
    const staging = clean('staging');
    await staging.put('schema/schema.json', JSON.stringify({ fields: [{ name: 'id', type: 'INT64', repetitionType: 'REQUIRED' }, { name: 'pad', type: 'BYTE_ARRAY', logicalType: 'UTF8' }] }));
    // Many objects in two partitions, so that other reads are in flight and writing when one fails for good.
    const ids = Array.from({ length: 300 }, (_, id) => id);
    await mapWithConcurrency(ids, 16, (id) =>
      staging.put(`data/order_ts_hour=2026-11-23T0${id % 2}/rec-${String(id).padStart(3, '0')}.json`, JSON.stringify({ id, pad: 'x'.repeat(2000) })),
    );
    server.addFaultRule({ method: 'GET', url: /^\/lake\/staging\/data\/order_ts_hour=2026-11-23T01\/rec-007\.json/, kind: 'cut', times: 1000, at: 0.5 });
    const run = await runCli(['compact-staging', 's3://lake/staging'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('lakebench: s3://lake/staging/data/order_ts_hour=2026-11-23T01/rec-007.json: cannot read');
    expect(run.stderr).toMatch(/after 3 attempts/);
    expect(run.stderr).not.toMatch(/ERR_STREAM_DESTROYED|writev|\n\s+at /);
    // Nothing was committed: no table, and every record still staged.
    expect((await clean('staging/delta').list('_delta_log/')).objects).toEqual([]);
  });

  it('answers `sql` over a table whose listings stall once each, instead of hanging', async () => {
    await writeFile(path.join(dir, 'rows.csv'), 'id\n1\n2\n3\n');
    expect((await runCli(['import', 's3://lake/stalls', path.join(dir, 'rows.csv')], env)).code).toBe(0);
    server.addFaultRule({ method: 'GET', url: /^\/lake\/\?list-type=2.*prefix=stalls/, kind: 'stall', times: 2, at: 0.5 });
    const run = await runCli(['sql', 'select sum(id) as s from t', '--table', 't=s3://lake/stalls', '--format', 'csv'], env);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(['s', '6']);
    expect(run.code).toBe(0);
  });

  it('ends a command at its --timeout deadline with a clear message when every request stalls', async () => {
    server.addFaultRule({ method: 'GET', url: /^\/lake\/\?.*prefix=deadline/, kind: 'stall', times: 1000, at: 0.5 });
    const slow = { ...env, LAKEBENCH_S3_FIRST_BYTE_TIMEOUT: '30s', LAKEBENCH_S3_IDLE_TIMEOUT: '30s' };
    const run = await runCli(['ls', 's3://lake/deadline/', '--timeout', '2s'], slow);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^lakebench: .*timed out after 2 s \(--timeout\)/m);
  }, 30_000);
});

describe('held-out checks', () => {
  it('gets an entry from a healthy shard without sidecar when another shard of the archive is corrupt', async () => {
    const archive = path.join(dir, 'archive');
    // uid 2 goes to shard index 0 by number (2 % 2): that shard is corrupt; the entry lives in shard 1, whose sidecar is gone.
    await writeArchive(archive, [
      { name: '20261123_00_0001', entries: [{ uid: '4', bytes: new TextEncoder().encode('four') }] },
      { name: '20261123_01_0001', entries: [{ uid: '2', bytes: new TextEncoder().encode('two') }], sidecar: false },
    ]);
    await writeFile(path.join(archive, '20261123_00_0001.des'), Buffer.alloc(200, 'x'));
    const run = await runCli(['des', 'get', archive, '2'], env);
    expect(run.stdout).toBe('two');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/skipped 20261123_00_0001\.des: .*DES2/);
  });

  it('reads a LakeSync JSON column from a Parquet delta as JSON, not as a JSON string of JSON', async () => {
    const bucket = path.join(dir, 'lakesync');
    await writeLakeSyncJsonColumn(bucket);
    const run = await runCli(['sql', 'select "rowId", title, meta::VARCHAR as meta from todos order by 1', '--table', `todos=${bucket}`, '--json'], env);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([
      { rowId: 'r1', title: 'one', meta: '{"tags":["x"]}' },
      { rowId: 'r2', title: '{not json}', meta: '[1,2]' },
      { rowId: 'r3', title: 'three', meta: '{"a":{"b":null}}' },
    ]);
  });
});
