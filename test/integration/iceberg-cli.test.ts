/**
 * The `lakebench` CLI on Iceberg tables, run as users run it (a child process): `tables` with snapshot
 * counts and current snapshots, `history`/`files`/`manifests`/`partitions`/`schema` at any snapshot,
 * `sql` at a snapshot id, a time, a tag and a branch, a metadata file as a location, `--lake`, and
 * `verify [--deep]` — on local folders and on the loopback S3 server; and catalogs given with
 * `--catalog`: a SQL catalog in SQLite and a REST catalog on loopback whose tables live on the S3
 * server, reached with the credentials it vends (the CLI has none of its own).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { appendFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../core/storage/s3';
import { buildCli, runCli } from '../helpers/cli-process';
import { fixture } from '../helpers/fixtures';
import { vendedS3Config, writeSqlCatalog } from '../helpers/iceberg-catalogs';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { startRestCatalogServer, type RestCatalogServer } from '../helpers/rest-catalog-server';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';

let work: string;
let lake: string;
let env: Record<string, string>;
let s3: S3TestServer;
/** Snapshot ids of `events`: 10 rows, +5 rows (tagged `first` is the first, branch `audit` too), +1 row. */
let events: { first: bigint; second: bigint; third: bigint; firstAt: number; written: IcebergTestWriter };

const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra });
const json = <T>(text: string): T => JSON.parse(text) as T;
const count = async (args: string[], extra: Record<string, string> = {}): Promise<number> => {
  const run = await cli([...args, '--format', 'json'], extra);
  expect(run.stderr).toBe('');
  return Number(Object.values(json<Record<string, unknown>[]>(run.stdout)[0]!)[0]);
};

beforeAll(async () => {
  buildCli();
  work = await mkdtemp(join(tmpdir(), 'lakebench-iceberg-cli-'));
  env = { LAKEBENCH_HOME: join(work, 'home') };
  lake = join(work, 'lake');
  await cp(fixture('iceberg', 'java', 'bunnies'), join(lake, 'bunnies'), { recursive: true });
  await cp(fixture('iceberg', 'spark', 'rename_column'), join(lake, 'rename_column'), { recursive: true });
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const written = new IcebergTestWriter(join(work, 'events'), conn, {
    fields: [
      { id: 1, name: 'id', type: 'long' },
      { id: 2, name: 'kind', type: 'string' },
    ],
    location: 's3://lake/ice/events',
  });
  const first = await written.commit({ add: [{ sql: `SELECT range AS id, 'a' AS kind FROM range(10)` }] });
  const firstAt = written.clock;
  const second = await written.commit({ add: [{ sql: `SELECT range AS id, 'b' AS kind FROM range(10, 15)` }] });
  await written.ref('first', first, 'tag');
  await written.ref('audit', first, 'branch');
  const third = await written.commit({ add: [{ sql: `SELECT 99 AS id, 'c' AS kind` }] });
  conn.closeSync();
  events = { first, second, third, firstAt, written };
  await cp(join(work, 'events'), join(lake, 'events'), { recursive: true });

  s3 = await startS3Server();
  await s3.createBucket('lake');
  const store = (prefix: string) => new S3Store({ client: s3.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: s3.endpoint });
  await uploadFolder(join(work, 'events'), store('ice/events'));
  await uploadFolder(fixture('iceberg', 'java', 'bunnies'), store('ice/bunnies'));
  // s3rver, unlike S3, reports a common prefix only when it has a direct child object: a note in each
  // table folder lets the walk from s3://lake/ice see them.
  for (const table of ['bunnies', 'events']) await store(`ice/${table}`).put('NOTES.txt', 'an Iceberg table');
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('local Iceberg tables', () => {
  it('tables lists them with their format, snapshot count and current snapshot (exact 64-bit ids)', async () => {
    const run = await cli(['tables', lake, '--json']);
    expect(run.code).toBe(0);
    const found = json<{ name: string; layout: string; versions: number; currentVersion: string }[]>(run.stdout);
    expect(found.map((t) => [t.name, t.layout, t.versions, t.currentVersion])).toEqual([
      ['bunnies', 'iceberg', 3, '9158179788527662767'],
      ['events', 'iceberg', 3, String(events.third)],
      ['rename_column', 'iceberg', 1, '5276958600260276572'],
    ]);
    const text = (await cli(['tables', lake])).stdout;
    expect(text).toMatch(/bunnies\s+iceberg\s+3\s+9158179788527662767/);
  });

  it('history: snapshot ids as text, time, operation, parent, refs and summary; up to a snapshot with --version', async () => {
    const history = json<{ version: string; operation: string; parent?: string; refs?: string[]; operationMetrics: Record<string, string> }[]>(
      (await cli(['history', join(lake, 'bunnies'), '--json'])).stdout,
    );
    expect(history.map((h) => [h.version, h.operation, h.parent ?? null])).toEqual([
      ['9158179788527662767', 'overwrite', '6458828015811002920'],
      ['6458828015811002920', 'delete', '4951213507629824583'],
      ['4951213507629824583', 'append', null],
    ]);
    expect(history[0]!.refs).toEqual(['main']);
    expect(history[1]!.operationMetrics['added-position-deletes']).toBe('6');
    const upTo = json<{ version: string }[]>((await cli(['history', join(lake, 'bunnies'), '--version', '6458828015811002920', '--json'])).stdout);
    expect(upTo.map((h) => h.version)).toEqual(['6458828015811002920', '4951213507629824583']);
    const refs = json<{ version: string; refs?: string[] }[]>((await cli(['history', join(lake, 'events'), '--json'])).stdout);
    expect(refs.find((h) => h.version === String(events.first))!.refs!.sort()).toEqual(['audit', 'first']);
  });

  it('files lists data and delete files with content, sequence numbers and spec; manifests with their counts', async () => {
    const files = json<{ files: { path: string; content: string; sequenceNumber: number; specId: number; equalityFieldIds?: number[]; stats: { numRecords: number } }[] }>(
      (await cli(['files', join(lake, 'bunnies'), '--json'])).stdout,
    ).files;
    const byName = Object.fromEntries(files.map((f) => [f.path.split('/').pop(), f]));
    expect(byName['bunnies-initial.parquet']).toMatchObject({ content: 'data', sequenceNumber: 1, specId: 0, stats: { numRecords: 21 } });
    expect(byName['bunnies-pos-deletes.parquet']).toMatchObject({ content: 'position-deletes', sequenceNumber: 2 });
    expect(byName['bunnies-eq-delete-new-zealand.parquet']).toMatchObject({ content: 'equality-deletes', sequenceNumber: 3 });
    expect(byName['bunnies-eq-delete-new-zealand.parquet']!.equalityFieldIds).toHaveLength(1);
    const atFirst = json<{ version: string; files: unknown[] }>((await cli(['files', join(lake, 'bunnies'), '--version', '4951213507629824583', '--json'])).stdout);
    expect(atFirst).toMatchObject({ version: '4951213507629824583' });
    expect(atFirst.files).toHaveLength(1);

    const manifests = json<{ manifests: { content: string; addedFiles: number; addedRows: number; addedVersion: string }[] }>(
      (await cli(['manifests', join(lake, 'bunnies'), '--json'])).stdout,
    ).manifests;
    expect(manifests.map((m) => [m.content, m.addedRows, m.addedVersion]).sort()).toEqual(
      [
        ['data', 1, '9158179788527662767'],
        ['data', 21, '4951213507629824583'],
        ['deletes', 1, '9158179788527662767'],
        ['deletes', 6, '6458828015811002920'],
      ].sort(),
    );
  });

  it('partitions per spec with transforms spelled out; schema with field ids, at any snapshot', async () => {
    const table = join(lake, 'rename_column');
    const partitions = await cli(['partitions', table, '--json']);
    expect(json(partitions.stdout)).toMatchObject({
      partitionColumns: ['id_bucket', 'date'],
      specs: [
        {
          specId: 0,
          fields: [
            { name: 'id_bucket', source: 'id', transform: 'bucket[4]', fieldId: 1000 },
            { name: 'date', source: 'event_date', transform: 'identity', fieldId: 1001 },
          ],
        },
      ],
    });
    expect((await cli(['partitions', table])).stdout).toContain('spec 0: id_bucket = bucket[4](id), date = identity(event_date)');
    const now = json<{ schemaId: number; fields: { name: string; id: number }[] }>((await cli(['schema', table, '--json'])).stdout);
    expect(now.schemaId).toBe(1);
    expect(now.fields.map((f) => [f.id, f.name])).toEqual([[1, 'id'], [2, 'name'], [3, 'event_date'], [4, 'price'], [5, 'active']]);
    const then = json<{ fields: { name: string; id: number }[] }>((await cli(['schema', table, '--version', '5276958600260276572', '--json'])).stdout);
    expect(then.fields.find((f) => f.id === 3)!.name).toBe('date');
    expect((await cli(['schema', table])).stdout).toMatch(/event_date\s+date\s+yes\s+yes\s+3/);
  });

  it('sql reads a table at a snapshot id, a time, a tag and a branch, by a metadata file, and every table with --lake', async () => {
    const at = (suffix: string) => ['sql', 'select count(*) from t', '--table', `t=${join(lake, 'events')}${suffix}`];
    expect(await count(at(''))).toBe(16);
    expect(await count(at(`@${events.first}`))).toBe(10);
    expect(await count(at(`@${events.second}`))).toBe(15);
    expect(await count(at(`@${new Date(events.firstAt + 1000).toISOString()}`))).toBe(10);
    expect(await count(at('@tag:first'))).toBe(10);
    expect(await count(at('@branch:audit'))).toBe(10);
    expect(await count(['sql', 'select count(*) from t', '--table', `t=${join(lake, 'bunnies', 'metadata', 'v2.metadata.json')}`])).toBe(21);
    expect(await count(['sql', 'select count(*) from t', '--table', `t=${join(lake, 'bunnies', 'metadata', 'v5.metadata.json')}@4951213507629824583`])).toBe(21);
    expect(await count(['sql', 'select (select count(*) from bunnies) + (select count(*) from rename_column)', '--lake', lake])).toBe(19);
    const missing = await cli(at('@tag:nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no tag named nope (tags: first)');
    const bad = await cli(['history', join(lake, 'events'), '--version', '12ab']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('an Iceberg table is read at a snapshot id');
  });

  it('verify checks the table (exit 0), --deep decodes it, and a damaged copy exits 1 naming the file', async () => {
    const clean = await cli(['verify', join(lake, 'bunnies'), '--deep', '--json']);
    expect(clean.code).toBe(0);
    expect(json(clean.stdout)).toMatchObject({ problems: [], checked: { files: 4 } });
    const damaged = join(work, 'damaged');
    await cp(join(lake, 'events'), damaged, { recursive: true });
    const [file] = events.written.files();
    const local = join(damaged, file!.path.slice('s3://lake/ice/events/'.length));
    await appendFile(local, 'junk');
    const run = await cli(['verify', damaged]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('size-mismatch');
    expect(run.stdout).toContain(local);
  });
});

describe('Iceberg tables on the loopback S3 server', () => {
  const remote = (args: string[]) => cli([...args, '--endpoint', s3.endpoint], s3.env);

  it('tables, history, sql at a tag and verify --deep', async () => {
    const found = json<{ name: string; layout: string; versions: number }[]>((await remote(['tables', 's3://lake/ice', '--json'])).stdout);
    expect(found.map((t) => [t.name, t.layout, t.versions])).toEqual([
      ['bunnies', 'iceberg', 3],
      ['events', 'iceberg', 3],
    ]);
    const history = json<{ version: string }[]>((await remote(['history', 's3://lake/ice/bunnies', '--json'])).stdout);
    expect(history.map((h) => h.version)).toEqual(['9158179788527662767', '6458828015811002920', '4951213507629824583']);
    const sql = async (query: string, binding: string) => {
      const run = await remote(['sql', query, '--table', binding, '--format', 'json']);
      expect(run.stderr).toBe('');
      return json<Record<string, unknown>[]>(run.stdout);
    };
    expect(await sql('select count(*) as n from t', 't=s3://lake/ice/events@tag:first')).toEqual([{ n: 10 }]);
    expect(await sql('select count(*) as n from t', 't=s3://lake/ice/bunnies')).toEqual([{ n: 15 }]);
    // v4 holds the second commit (its tags and branch came after); the last metadata the third.
    expect(await sql('select max(id) as m from t', 't=s3://lake/ice/events/metadata/v4.metadata.json')).toEqual([{ m: 14 }]);
    expect(await sql(`select id from t where kind = 'c'`, `t=s3://lake/ice/events/${events.written.lastMetadataKey}`)).toEqual([{ id: 99 }]);
    const verify = await remote(['verify', 's3://lake/ice/bunnies', '--deep', '--json']);
    expect(verify.code).toBe(0);
    expect(json(verify.stdout)).toMatchObject({ problems: [], checked: { files: 4 } });
  });
});

describe('catalogs given with --catalog', () => {
  let sqlite: string;
  let rest: RestCatalogServer;

  beforeAll(async () => {
    sqlite = join(work, 'catalog.db');
    writeSqlCatalog(sqlite, [
      { catalog: 'prod', namespace: 'zoo', table: 'bunnies', metadataLocation: join(lake, 'bunnies', 'metadata', 'v4.metadata.json') },
      { catalog: 'prod', namespace: 'zoo.archive', table: 'renamed', metadataLocation: join(lake, 'rename_column', 'metadata', 'v3.metadata.json') },
    ]);
    const key = events.written.lastMetadataKey;
    rest = await startRestCatalogServer({
      tables: [{ namespace: ['db'], name: 'events', metadataLocation: `s3://lake/ice/events/${key}`, metadataText: await readFile(join(work, 'events', key), 'utf8') }],
      warehouse: { name: 'acct_lake', prefix: 'acct_lake' },
      token: 'cli-token',
      vendedConfig: vendedS3Config(s3),
    });
  });
  afterAll(async () => rest?.stop());

  it('a SQL catalog: tables lists its tables, each queryable as <name>.<namespace>.<table> and inspectable by that name', async () => {
    const catalog = `--catalog=prod=sqlite://${sqlite}`;
    const found = json<{ name: string; location: string; versions: number }[]>((await cli(['tables', catalog, '--json'])).stdout);
    expect(found.map((t) => [t.location, t.versions])).toEqual([
      ['prod.zoo.archive.renamed', 1],
      ['prod.zoo.bunnies', 2],
    ]);
    expect(await count(['sql', 'select count(*) from prod.zoo.bunnies', catalog])).toBe(15);
    expect(await count(['sql', `select count(*) from prod."zoo.archive".renamed where event_date is null`, catalog])).toBe(1);
    expect(await count(['sql', 'select count(*) from t', '--table', 't=prod.zoo.bunnies@4951213507629824583', catalog])).toBe(21);
    const history = json<{ version: string }[]>((await cli(['history', 'prod.zoo.bunnies', catalog, '--json'])).stdout);
    expect(history.map((h) => h.version)).toEqual(['6458828015811002920', '4951213507629824583']);
    const missing = await cli(['sql', 'select * from prod.zoo.hares', catalog]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('table zoo.hares is not in catalog prod');
    // Compact plans through the catalog (a dry run: the tests after this one read the table as it is).
    const planned = await cli(['compact', 'prod.zoo.bunnies', catalog, '--min-files', '1', '--dry-run']);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain('dry run: nothing changed');
  });

  it('a REST catalog with a token from the environment: its table on S3 is read with the credentials it vends', async () => {
    const catalog = `--catalog=r2=${rest.uri}?warehouse=acct_lake`;
    // No AWS credentials of its own, and no endpoint: only the vended ones reach the S3 server.
    const bare = { ...env, LAKEBENCH_CATALOG_TOKEN: 'cli-token', AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
    const run = await runCli(['sql', `select kind, count(*) as n from r2.db.events group by kind order by kind`, catalog, '--format', 'json'], bare);
    expect(run.stderr).toBe('');
    expect(json(run.stdout)).toEqual([
      { kind: 'a', n: 10 },
      { kind: 'b', n: 5 },
      { kind: 'c', n: 1 },
    ]);
    const tables = json<{ location: string; versions: number; currentVersion: string }[]>((await runCli(['tables', catalog, '--json'], bare)).stdout);
    expect(tables).toMatchObject([{ location: 'r2.db.events', versions: 3, currentVersion: String(events.third) }]);
    expect(rest.requests.every((r) => r.auth === 'Bearer cli-token')).toBe(true);
    const denied = await runCli(['tables', catalog], { ...bare, LAKEBENCH_CATALOG_TOKEN: 'wrong' });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('401');
  });
});
