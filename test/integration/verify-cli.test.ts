/** `lakebench verify` as users run it: exit 0 when clean, 1 with problems, the report on stdout (--json or text). */
import { cp, mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import type { VerifyReport } from '../../core/ops/verify/verify';
import { LocalStore } from '../../core/storage/local';
import { S3Store } from '../../core/storage/s3';
import { buildCli, ROOT, runCli } from '../helpers/cli-process';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';
import { fixture } from '../helpers/fixtures';

const ORDERS = join(ROOT, 'resources', 'sample-lake', 'orders');
const PARQUET_TESTING = fixture('parquet-testing');
let work: string;
let env: Record<string, string>;
let server: S3TestServer;

beforeAll(async () => {
  buildCli();
  work = await mkdtemp(join(tmpdir(), 'lakebench-verify-cli-'));
  env = { LAKEBENCH_HOME: join(work, 'home') };
  server = await startS3Server();
  await server.createBucket('lake');
});
afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli(args, { ...env, ...extraEnv });
const report = (stdout: string) => JSON.parse(stdout) as VerifyReport;

describe('lakebench verify', () => {
  it('exits 0 on a clean table and 1 once a file is gone, naming it', async () => {
    const dir = join(work, 'orders');
    await cp(ORDERS, dir, { recursive: true });
    const clean = await cli(['verify', dir]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^verified .*orders: 15 data files \(.*\) checked, no problems\n$/);

    const store = new LocalStore(dir);
    const [gone] = (await (await DeltaTable.open(store)).snapshot()).files.map((f) => decodeURIComponent(f.path));
    await unlink(store.localPath(gone!)!);
    const text = await cli(['verify', dir]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`missing-file  ${store.urlOf(gone!)}`);
    expect(text.stdout).toMatch(/1 problem; 15 data files .* checked, 6\.7% of files corrupt\n$/);

    const json = await cli(['verify', '--json', '--deep', dir]);
    expect(json.code).toBe(1);
    expect(report(json.stdout)).toMatchObject({
      location: dir,
      problems: [{ kind: 'missing-file', object: store.urlOf(gone!) }],
      checked: { files: 15 },
    });
    expect(json.stderr).toContain('deep ');
  });

  it('verifies a single Parquet file given by its path', async () => {
    const good = await cli(['verify', '--json', '--deep', join(PARQUET_TESTING, 'good', 'nulls.snappy.parquet')]);
    expect(good.code).toBe(0);
    expect(report(good.stdout)).toMatchObject({ location: join(PARQUET_TESTING, 'good', 'nulls.snappy.parquet'), problems: [] });
    const bad = await cli(['verify', '--json', '--deep', join(PARQUET_TESTING, 'bad', 'datapage_v1-corrupt-checksum.parquet')]);
    expect(bad.code).toBe(1);
    expect(report(bad.stdout).problems.map((p) => p.kind)).toEqual(['page-crc-mismatch']);
  });

  it('runs the deep checks in the bundled worker: page CRCs and the parquet-wasm decode', async () => {
    // dist/ holds no TypeScript: these findings come from dist/deep-check-worker.mjs, the worker entry of the bundle.
    const crc = await cli(['verify', '--json', '--deep', join(PARQUET_TESTING, 'bad', 'datapage_v1-corrupt-checksum.parquet')]);
    expect(report(crc.stdout).problems).toMatchObject([{ kind: 'page-crc-mismatch', detail: expect.stringMatching(/^2 of 4 pages with a CRC do not match it/) }]);
    const decode = await cli(['verify', '--json', '--deep', join(PARQUET_TESTING, 'bad', 'ARROW-GH-47662.parquet')]);
    expect(decode.code).toBe(1);
    expect(report(decode.stdout).problems).toMatchObject([{ kind: 'decode-error', detail: expect.stringContaining('parquet-wasm: ') }]);
  });

  it('verifies a single Parquet file on S3 and a table on S3', async () => {
    await uploadFolder(ORDERS, new S3Store({ client: server.client, bucket: 'lake', prefix: 'orders', urlScheme: 's3', endpoint: server.endpoint }));
    const [file] = (await (await DeltaTable.open(new LocalStore(ORDERS))).snapshot()).files.map((f) => decodeURIComponent(f.path));
    const one = await cli(['verify', '--json', `s3://lake/orders/${file}`], server.env);
    expect(one.code).toBe(0);
    expect(report(one.stdout)).toMatchObject({ location: `s3://lake/orders/${file}`, problems: [], checked: { files: 1 } });
    const table = await cli(['verify', '--json', 's3://lake/orders'], server.env);
    expect(table.code).toBe(0);
    expect(report(table.stdout)).toMatchObject({ location: 's3://lake/orders', problems: [], checked: { files: 15 } });
  });

  it('exits 1 with a message for a location holding no table', async () => {
    const empty = join(work, 'nothing');
    await cp(join(PARQUET_TESTING, '..', 'README.md'), join(empty, 'README.md'));
    const run = await cli(['verify', empty]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no table \(Delta tables, .*Parquet folders\) or Parquet file here/);
  });
});
