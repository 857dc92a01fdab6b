import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { buildCli, finished, ROOT, runCli, startCli } from '../helpers/cli-process';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { SAMPLE_ORDERS_VERSIONS } from '../../core/demo/sample-lake';
import { FIXTURES } from '../helpers/fixtures';
let work: string;
let env: Record<string, string>;
let simple: string; // copy of delta-rs/simple_table
let partitioned: string; // copy of dat/basic_partitioned/delta

// Every run gets its own LAKEBENCH_HOME so the tests never touch ~/.lakebench.
const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli(args, { ...env, ...extraEnv });
const json = (text: string): unknown => JSON.parse(text);
const ids = (text: string): number[] => (json(text) as { id: number }[]).map((r) => r.id);

beforeAll(async () => {
  buildCli();
  work = await mkdtemp(join(tmpdir(), 'lakebench-cli-'));
  env = { LAKEBENCH_HOME: join(work, 'home') };
  simple = join(work, 'lake', 'simple_table');
  partitioned = join(work, 'lake', 'letters');
  await cp(join(FIXTURES, 'delta-rs', 'simple_table'), simple, { recursive: true });
  await cp(join(FIXTURES, 'dat', 'basic_partitioned', 'delta'), partitioned, { recursive: true });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('lakebench basics', () => {
  it('answers --version and --help with exit 0', async () => {
    const pkg = json(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const version = await cli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['ls', 'tables', 'history', 'files', 'partitions', 'schema', 'sql', 'import', 'delete', 'demo']) {
      expect(help.stdout).toContain(command);
    }
    expect((await cli(['sql', '--help'])).code).toBe(0);
  });

  it('exits 2 on usage errors', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect((await cli(['sql', 'select 1', '--format', 'xml'])).code).toBe(2);
    expect((await cli(['history', simple, '--version', 'two'])).code).toBe(2);
    expect((await cli(['sql', 'select 1', '--table', 'no-equals-sign'])).code).toBe(2);
  });

  it('names the folder and exits 1 when it holds no Delta table', async () => {
    const plain = join(work, 'not-a-table');
    await mkdir(plain, { recursive: true });
    await writeFile(join(plain, 'notes.txt'), 'hello');
    const run = await cli(['history', plain, '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^lakebench: /);
    expect(run.stderr).toContain(plain);
  });
});

describe('browsing a local lake', () => {
  it('ls lists one level (prefixes and objects) or everything with --recursive', async () => {
    const run = await cli(['ls', simple, '--json']);
    expect(run.code).toBe(0);
    const listing = json(run.stdout) as { entries: { kind: string; key: string; size?: number; lastModified?: string }[] };
    expect(listing.entries).toContainEqual({ kind: 'prefix', key: '_delta_log/' });
    const parquet = listing.entries.filter((e) => e.kind === 'object');
    expect(parquet.length).toBe((await readdir(simple)).filter((n) => n.endsWith('.parquet')).length);
    expect(parquet.every((e) => e.size! > 0 && !Number.isNaN(Date.parse(e.lastModified!)))).toBe(true);

    const deep = json((await cli(['ls', simple, '--recursive', '--json'])).stdout) as typeof listing;
    expect(deep.entries.map((e) => e.key)).toContain('_delta_log/00000000000000000004.json');

    const text = await cli(['ls', simple]);
    expect(text.stdout).toMatch(/PRE\s+_delta_log\//);

    const missing = await cli(['ls', join(work, 'no-such-folder')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(join(work, 'no-such-folder'));
  });

  it('tables finds the Delta tables by folder name', async () => {
    const run = await cli(['tables', join(work, 'lake'), '--json']);
    expect(run.code).toBe(0);
    const found = json(run.stdout) as { name: string; layout: string }[];
    expect(found.map((t) => [t.name, t.layout]).sort()).toEqual([
      ['letters', 'delta'],
      ['simple_table', 'delta'],
    ]);
  });

  it('history lists versions 4..0 with their operations', async () => {
    const run = await cli(['history', simple, '--json']);
    expect(run.code).toBe(0);
    // Versions are text in JSON (a 64-bit Iceberg snapshot id would not survive as a number); ordinal orders them.
    const commits = json(run.stdout) as { version: string; ordinal: number; operation: string; timestamp: string }[];
    expect(commits.map((c) => [c.version, c.ordinal, c.operation])).toEqual([
      ['4', 4, 'DELETE'],
      ['3', 3, 'UPDATE'],
      ['2', 2, 'WRITE'],
      ['1', 1, 'MERGE'],
      ['0', 0, 'WRITE'],
    ]);
    expect(commits[4].timestamp).toBe(new Date(1587968586154).toISOString());

    const upTo2 = json((await cli(['history', simple, '--version', '2', '--json'])).stdout) as typeof commits;
    expect(upTo2.map((c) => c.version)).toEqual(['2', '1', '0']);
    const asOf = json((await cli(['history', simple, '--as-of', new Date(1587968600000).toISOString(), '--json'])).stdout) as typeof commits;
    expect(asOf.map((c) => c.version)).toEqual(['1', '0']);
    const missing = await cli(['history', simple, '--version', '9']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(simple);
  });

  it('files gives path, size, partition values, parsed stats and modification time', async () => {
    const run = await cli(['files', partitioned, '--json']);
    expect(run.code).toBe(0);
    const result = json(run.stdout) as {
      version: string;
      files: { path: string; size: number; partitionValues: Record<string, string | null>; stats: { numRecords: number; minValues: Record<string, unknown> }; modificationTime: string }[];
    };
    expect(result.version).toBe('1');
    expect(result.files).toHaveLength(6);
    const b = result.files.find((f) => f.partitionValues.letter === 'b')!;
    expect(b.path).toMatch(/^letter=b\/part-.*\.parquet$/);
    expect(b.size).toBe(751);
    expect(b.stats.numRecords).toBe(1);
    expect(b.stats.minValues).toEqual({ number: 2, a_float: 2.2 });
    expect(b.modificationTime).toBe(new Date(1673493629230).toISOString());

    const v0 = json((await cli(['files', partitioned, '--version', '0', '--json'])).stdout) as typeof result;
    expect(v0.files.map((f) => f.partitionValues.letter).sort()).toEqual(['a', 'b', 'c']);
  });

  it('partitions sums files, rows and bytes per partition', async () => {
    const run = await cli(['partitions', partitioned, '--json']);
    expect(run.code).toBe(0);
    const result = json(run.stdout) as { partitionColumns: string[]; partitions: { partitionValues: { letter: string | null }; files: number; rows: number; bytes: number }[] };
    expect(result.partitionColumns).toEqual(['letter']);
    const byLetter = Object.fromEntries(result.partitions.map((p) => [String(p.partitionValues.letter), [p.files, p.rows, p.bytes]]));
    expect(byLetter).toEqual({ a: [2, 2, 1502], b: [1, 1, 751], c: [1, 1, 751], e: [1, 1, 750], null: [1, 1, 751] });
  });

  it('schema shows columns at a version', async () => {
    const run = await cli(['schema', simple, '--json']);
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toMatchObject({ version: '4', fields: [{ name: 'id', type: 'long', nullable: true }] });
  });
});

describe('sql', () => {
  it('streams a JSON array of rows from a table', async () => {
    const run = await cli(['sql', 'select id from t order by id', '--table', `t=${simple}`, '--format', 'json']);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('[\n{')).toBe(true);
    expect(ids(run.stdout)).toEqual([5, 7, 9]);
  });

  it('travels in time with @version and @timestamp', async () => {
    const at = async (spec: string) =>
      ids((await cli(['sql', 'select id from t order by id', '--table', `t=${simple}@${spec}`, '--format', 'json'])).stdout);
    expect(await at('2')).toEqual([5, 6, 7, 8, 9]);
    expect(await at('0')).toEqual([0, 1, 2, 3, 4]);
    // between the commits of v3 (…614187) and v4 (…626537)
    expect(await at(new Date(1587968620000).toISOString())).toEqual([5, 7, 9, 106, 108]);
  });

  it('registers every table of --lake by folder name; csv and table formats', async () => {
    const query = 'select (select count(*) from simple_table) as simple, (select count(*) from letters) as letters';
    const csv = await cli(['sql', query, '--lake', join(work, 'lake'), '--format', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('simple,letters\n3,6\n');
    const table = await cli(['sql', query, '--lake', join(work, 'lake')]);
    expect(table.stdout.split('\n').slice(0, 3)).toEqual(['simple  letters', '------  -------', '     3        6']);
  });

  it('records queries in the catalog history', async () => {
    await cli(['sql', 'select 42 as answer_marker', '--format', 'csv']);
    await cli(['sql', 'select nonsense_column_marker']);
    const run = await cli(['queries', '--search', '_marker', '--json']);
    expect(run.code).toBe(0);
    const entries = json(run.stdout) as { sql: string; status: string; rows: number; error?: string }[];
    expect(entries.map((e) => [e.sql, e.status, e.rows])).toEqual([
      ['select nonsense_column_marker', 'error', 0],
      ['select 42 as answer_marker', 'ok', 1],
    ]);
    expect(entries[0].error).toContain('nonsense_column_marker');
  });

  it('reports a bad query on stderr only, as a usage error (exit 2)', async () => {
    const run = await cli(['sql', 'select * from no_such_table', '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no_such_table');
  });

  it('Ctrl-C cancels a running query: "cancelled", exit 130', async () => {
    const child = startCli(['sql', 'select i from range(10000000000) t(i)', '--format', 'csv'], env);
    const done = finished(child);
    // Wait until rows stream (the query is running), then interrupt.
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.kill('SIGINT');
    const run = await done;
    expect(run.stderr).toContain('cancelled');
    expect(run.code).toBe(130);
  });
});

describe('a remote lake on S3', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server();
    await server.createBucket('lake');
    const files = (await readdir(simple, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    for (const f of files) {
      const local = join(f.parentPath, f.name);
      const key = `tables/simple_table/${local.slice(simple.length + 1)}`;
      await server.client.send(new PutObjectCommand({ Bucket: 'lake', Key: key, Body: await readFile(local) }));
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('ls and sql over s3:// with --endpoint', async () => {
    // Credentials from the environment, the endpoint only from --endpoint (so the flag is what is tested).
    const { AWS_ENDPOINT_URL_S3: _endpointFromEnv, ...credentials } = server.env;
    const remoteEnv = credentials;
    const ls = await cli(['ls', 's3://lake/tables/simple_table', '--endpoint', server.endpoint, '--json'], remoteEnv);
    expect(ls.stderr).toBe('');
    expect(ls.code).toBe(0);
    const entries = (json(ls.stdout) as { entries: { key: string }[] }).entries.map((e) => e.key);
    expect(entries).toContain('_delta_log/');
    expect(entries.filter((k) => k.endsWith('.parquet'))).toHaveLength((await readdir(simple)).filter((n) => n.endsWith('.parquet')).length);

    const sql = await cli(
      ['sql', 'select id from t order by id', '--table', 't=s3://lake/tables/simple_table@3', '--endpoint', server.endpoint, '--format', 'json'],
      remoteEnv,
    );
    expect(sql.stderr).toBe('');
    expect(ids(sql.stdout)).toEqual([5, 7, 9, 106, 108]);
  });
});

describe('writing tables', () => {
  it('imports files, deletes rows and reads the result at each version', async () => {
    const table = join(work, 'written', 'people');
    const input = join(work, 'people.csv');
    await writeFile(input, 'id,name,city\n1,Ann,Oslo\n2,"Bo, Jr.",Rome\n3,Cy,Oslo\n');
    const imported = await cli(['import', table, input, '--partition-by', 'city', '--json']);
    expect(imported.stderr).not.toContain('lakebench:');
    expect(imported.code).toBe(0);
    expect(json(imported.stdout)).toMatchObject({ version: 0, rowsWritten: 3, created: true });

    const deleted = await cli(['delete', table, '--where', "city = 'Oslo' and id = 3", '--json']);
    expect(deleted.code).toBe(0);
    expect(json(deleted.stdout)).toMatchObject({ version: 1, rowsDeleted: 1 });

    const rows = async (at: string) =>
      json((await cli(['sql', 'select id, name from p order by id', '--table', `p=${table}${at}`, '--format', 'json'])).stdout);
    expect(await rows('')).toEqual([
      { id: 1, name: 'Ann' },
      { id: 2, name: 'Bo, Jr.' },
    ]);
    expect(await rows('@0')).toHaveLength(3);

    const partitions = json((await cli(['partitions', table, '--json'])).stdout) as { partitions: { partitionValues: { city: string }; rows: number }[] };
    expect(partitions.partitions.map((p) => [p.partitionValues.city, p.rows])).toEqual([
      ['Oslo', 1],
      ['Rome', 1],
    ]);
  });

  it('refuses a merge without keys as a usage error and commits nothing', async () => {
    const table = join(work, 'written', 'merge-no-key');
    const input = join(work, 'one.csv');
    await writeFile(input, 'id\n1\n');
    const run = await cli(['import', table, input, '--mode', 'merge']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('key');
    expect((await cli(['history', table])).code).toBe(1);
  });

  it('demo writes the sample lake that the other commands can open', async () => {
    const lake = join(work, 'demo-lake');
    const run = await cli(['demo', lake, '--json']);
    expect(run.code).toBe(0);
    const { tables } = json(run.stdout) as { tables: { name: string; layout: string }[] };
    expect(tables.map((t) => [t.name, t.layout])).toEqual([
      ['customers', 'parquet'],
      ['orders', 'delta'],
    ]);
    const history = json((await cli(['history', join(lake, 'orders'), '--json'])).stdout) as unknown[];
    expect(history).toHaveLength(SAMPLE_ORDERS_VERSIONS);
  });
});
