/**
 * compact-staging --lakeside on local folders: Parquet per partition (Snappy, one row group, typed by the
 * schema), one `_lakeside_log` entry after the files, the real-time view unchanged, quarantine, crashes
 * before and after the entry, a concurrent writer taking the version, and the CLI.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendLakesideLogEntry, readLakesideLog } from '../../core/formats/lakeside/log';
import { reconcileLakeside } from '../../core/formats/lakeside/reconcile';
import { compactStagingIntoLakeside, LAKESIDE_WRITER } from '../../core/ops/compact-staging-lakeside';
import { compactStaging } from '../../core/ops/compact-staging';
import { queryRows, withScratchDb } from '../../core/ops/scratch-db';
import { listRuns } from '../../core/formats/lakeside/run-manifests';
import { SqlSession } from '../../core/sql/session';
import { quoteLiteral } from '../../core/sql-text';
import { LocalStore } from '../../core/storage/local';
import { runCli } from '../helpers/cli-process';

let dir: string;
let bucket: LocalStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-compact-lakeside-'));
  bucket = new LocalStore(dir);
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const SCHEMA = {
  fields: [
    { name: 'id', type: 'INT64', repetitionType: 'REQUIRED' },
    { name: 'name', type: 'BYTE_ARRAY' },
    { name: 'amount', type: 'DOUBLE' },
    { name: 'qty', type: 'INT32' },
  ],
};
const HOURS = ['2026-11-23T08', '2026-11-23T09'];

async function put(key: string, body: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, key)), { recursive: true });
  await writeFile(path.join(dir, key), body);
}

/** 30 .json records and 2 .ndjson of 5 per hour: 80 records with ids 0…79. */
async function stageRecords(): Promise<void> {
  await put('schema/schema.json', JSON.stringify(SCHEMA));
  let id = 0;
  const record = () => ({ id, name: `n${id}`, amount: id++ / 4, qty: id % 7 });
  for (const hour of HOURS) {
    for (let i = 0; i < 30; i++) await put(`data/order_ts_hour=${hour}/r${String(id).padStart(3, '0')}.json`, JSON.stringify(record()));
    for (let i = 0; i < 2; i++) {
      const lines = Array.from({ length: 5 }, record).map((r) => JSON.stringify(r)).join('\n');
      await put(`data/order_ts_hour=${hour}/batch-${id}.ndjson`, `${lines}\n`);
    }
  }
}

/** A compaction run stopped between its uploads and its log entry (where a kill leaves unlogged files); `resume` lets it go on. */
async function runPausedBeforeEntry(): Promise<{ first: ReturnType<typeof compactStagingIntoLakeside>; resume: () => void }> {
  let resume!: () => void;
  let reached!: () => void;
  const atEntry = new Promise<void>((resolve) => (reached = resolve));
  const first = compactStagingIntoLakeside(bucket, {
    beforeCommit: () => {
      reached();
      return new Promise<void>((resolve) => (resume = resolve));
    },
  });
  await atEntry;
  return { first, resume };
}

/** The real-time view (compacted + staged) of the bucket, as sorted canonical rows. */
async function viewRows(): Promise<string[]> {
  const session = await SqlSession.create();
  try {
    await session.registerLakeside('shop', new LocalStore(dir));
    const { rows } = await session.query('SELECT id, name, amount, qty, order_ts_hour FROM shop');
    return rows.map((r) => JSON.stringify([Number(r.id), r.name, r.amount, r.qty, r.order_ts_hour])).sort();
  } finally {
    session.close();
  }
}

const stagedKeys = async () => (await readdir(path.join(dir, 'data'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
const parquetKeys = async () =>
  (await readdir(dir, { recursive: true })).map((k) => k.split(path.sep).join('/')).filter((k) => k.startsWith('parquet/') && k.endsWith('.parquet')).sort();

describe('compact-staging --lakeside', () => {
  it('writes one typed Snappy Parquet file of one row group per partition, then one log entry; the view is unchanged', async () => {
    await stageRecords();
    const before = await viewRows();
    expect(before).toHaveLength(80);

    const result = await compactStagingIntoLakeside(bucket);
    expect(result).toMatchObject({ version: 0, sourcesRead: 64, records: 80, partitions: 2, quarantined: 0, sourcesDeleted: 64 });
    expect(await viewRows()).toEqual(before);
    expect(await stagedKeys()).toEqual([]);
    expect(await listRuns(bucket)).toEqual([]);

    const { entries, live } = await readLakesideLog(bucket);
    expect(entries).toHaveLength(1);
    const entry = entries[0]!;
    expect(entry).toMatchObject({ version: 0, operation: 'compact', remove: [], metadata: { writer: LAKESIDE_WRITER, sourceObjects: 64, records: 80 } });
    expect(entry.add.map((a) => [a.partition, a.rowCount])).toEqual(HOURS.map((h) => [`order_ts_hour=${h}`, 40]));
    for (const add of entry.add) expect(add.path).toMatch(new RegExp(`^parquet/${add.partition}/part-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.parquet$`));
    expect([...live.keys()].sort()).toEqual(await parquetKeys());

    const files = entry.add.map((a) => path.join(dir, a.path));
    await withScratchDb('lakeside-test', undefined, async ({ connection }) => {
      const list = `[${files.map(quoteLiteral).join(', ')}]`;
      const groups = await queryRows(connection, `SELECT file_name, count(DISTINCT row_group_id)::INT AS groups, min(compression) AS codec FROM parquet_metadata(${list}) GROUP BY 1`);
      expect(groups.map((g) => [g.groups, g.codec])).toEqual([[1, 'SNAPPY'], [1, 'SNAPPY']]);
      const columns = await queryRows(connection, `SELECT name, type FROM parquet_schema(${quoteLiteral(files[0]!)}) WHERE name <> 'duckdb_schema'`);
      expect(columns).toEqual([
        { name: 'id', type: 'INT64' },
        { name: 'name', type: 'BYTE_ARRAY' },
        { name: 'amount', type: 'DOUBLE' },
        { name: 'qty', type: 'INT32' },
      ]);
      expect(entry.add.map((a) => a.size)).toEqual(await Promise.all(files.map(async (f) => (await stat(f)).size)));
    });

    // Nothing staged: nothing committed.
    expect(await compactStagingIntoLakeside(bucket)).toMatchObject({ version: undefined, sourcesRead: 0 });
    expect((await readLakesideLog(bucket)).entries).toHaveLength(1);
  });

  it('keeps a partition of more rows than DuckDB writes per row group by default in one row group', async () => {
    await put('schema/schema.json', JSON.stringify(SCHEMA));
    const records = Array.from({ length: 150_000 }, (_, id) => JSON.stringify({ id, name: `n${id}`, amount: id, qty: 1 }));
    await put(`data/order_ts_hour=${HOURS[0]}/big.ndjson`, records.join('\n'));
    const result = await compactStagingIntoLakeside(bucket);
    const [add] = (await readLakesideLog(bucket)).entries[0]!.add;
    expect(result.records).toBe(150_000);
    const [meta] = await withScratchDb('lakeside-test', undefined, ({ connection }) =>
      queryRows(connection, `SELECT count(DISTINCT row_group_id)::INT AS groups, sum(row_group_num_rows)::INT AS rows FROM parquet_metadata(${quoteLiteral(path.join(dir, add!.path))}) WHERE column_id = 0`),
    );
    expect(meta).toEqual({ groups: 1, rows: 150_000 });
  });

  it('appends the next version after existing entries, quarantining records that break the schema', async () => {
    await stageRecords();
    await compactStagingIntoLakeside(bucket);
    await put(`data/order_ts_hour=${HOURS[1]}/more.ndjson`, '{"id":100,"name":"x","amount":1,"qty":2}\n{"name":"no id"}\nnot json\n');
    await put('data/stray.json', '{"id":101}');
    const result = await compactStagingIntoLakeside(bucket);
    expect(result).toMatchObject({ version: 1, records: 1, quarantined: 3 });
    const quarantine = (await readdir(path.join(dir, 'quarantine'), { recursive: true })).filter((k) => k.endsWith('.ndjson'));
    expect(quarantine).toHaveLength(1);
    const lines = await readFile(path.join(dir, 'quarantine', quarantine[0]!), 'utf8');
    expect(lines.trim().split('\n').map((l) => JSON.parse(l).file)).toEqual([
      `data/order_ts_hour=${HOURS[1]}/more.ndjson`,
      `data/order_ts_hour=${HOURS[1]}/more.ndjson`,
      'data/stray.json',
    ]);
    expect(await viewRows()).toHaveLength(81);
    expect((await readLakesideLog(bucket)).live.size).toBe(3);
  });

  it('leaves nothing committed and cleans up when it fails between the Parquet uploads and the log entry', async () => {
    await stageRecords();
    const before = await viewRows();
    const crash = new Error('crash before the entry');
    await expect(compactStagingIntoLakeside(bucket, { beforeCommit: () => Promise.reject(crash) })).rejects.toBe(crash);
    expect((await readLakesideLog(bucket)).entries).toEqual([]);
    expect(await parquetKeys()).toEqual([]);
    expect(await listRuns(bucket)).toEqual([]);
    expect(await viewRows()).toEqual(before);
  });

  it('finishes the deletes of a run that crashed after its log entry instead of compacting again', async () => {
    await stageRecords();
    const before = await viewRows();
    const crash = new Error('crash after the entry');
    await expect(compactStagingIntoLakeside(bucket, { afterCommit: () => Promise.reject(crash) })).rejects.toBe(crash);
    expect(await stagedKeys()).toHaveLength(64);
    expect((await readLakesideLog(bucket)).entries).toHaveLength(1);
    // Compacted and still staged, yet each record once in the real-time view.
    expect(await viewRows()).toEqual(before);

    const rerun = await compactStagingIntoLakeside(bucket);
    expect(rerun).toMatchObject({ version: undefined, resumedRuns: 1, sourcesRead: 0, sourcesDeleted: 64 });
    expect(await stagedKeys()).toEqual([]);
    expect(await listRuns(bucket)).toEqual([]);
    expect((await readLakesideLog(bucket)).entries).toHaveLength(1);
    expect(await viewRows()).toEqual(before);
  });

  it('fails with CONFLICT, removing its files, when another writer took the version; a new run then commits after it', async () => {
    await stageRecords();
    const before = await viewRows();
    const other = { version: 0, timestamp: new Date().toISOString(), operation: 'schema_change', add: [], remove: [] };
    await expect(
      compactStagingIntoLakeside(bucket, { beforeCommit: async () => void (await appendLakesideLogEntry(bucket, other)) }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/version 0/) });
    expect(await parquetKeys()).toEqual([]);
    expect(await listRuns(bucket)).toEqual([]);
    expect(await compactStagingIntoLakeside(bucket)).toMatchObject({ version: 1, records: 80 });
    expect(await viewRows()).toEqual(before);
  });

  it('lists the Parquet of a run stopped before its entry as unlogged; of two concurrent runs only one commits', async () => {
    await stageRecords();
    const before = await viewRows();
    // The first run stops between its uploads and its entry (where a kill leaves unlogged files) …
    const { first, resume } = await runPausedBeforeEntry();
    const unlogged = await parquetKeys();
    expect(unlogged).toHaveLength(2);
    expect((await reconcileLakeside(bucket)).orphans.map((o) => [o.key, o.reason])).toEqual(unlogged.map((k) => [k, 'unlogged']));
    expect(await viewRows()).toEqual(before);

    // … a second run takes the same records and commits version 0 under names of its own …
    expect(await compactStagingIntoLakeside(bucket)).toMatchObject({ version: 0, records: 80, sourcesDeleted: 64 });
    expect(await listRuns(bucket)).toEqual([]);
    // … so the first can no longer commit: it fails and removes what it wrote.
    resume();
    await expect(first).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await viewRows()).toEqual(before);
    expect(await reconcileLakeside(bucket)).toMatchObject({ orphans: [], missing: [] });
    expect(await parquetKeys()).toEqual([...(await readLakesideLog(bucket)).live.keys()].sort());
  });

  it('gives two runs over the same records in the same second different files, so the loser deletes only its own', async () => {
    // One staged file: both runs write byte-for-byte the same rows, and a frozen clock gives them the same
    // part-<time> names to try first.
    await put('schema/schema.json', JSON.stringify(SCHEMA));
    await put(`data/order_ts_hour=${HOURS[0]}/batch.ndjson`, '{"id":1,"name":"a","amount":1.5,"qty":2}\n{"id":2,"name":"b","amount":2.5,"qty":3}\n');
    const before = await viewRows();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-12-07T10:00:00Z') });
    const { first, resume } = await runPausedBeforeEntry();
    expect(await compactStagingIntoLakeside(bucket)).toMatchObject({ version: 0, records: 2 });
    resume();
    await expect(first).rejects.toMatchObject({ code: 'CONFLICT' });
    const live = [...(await readLakesideLog(bucket)).live.keys()];
    expect(live).toEqual([`parquet/order_ts_hour=${HOURS[0]}/part-2026-12-07T10-00-01.parquet`]);
    expect(await parquetKeys()).toEqual(live);
    expect(await viewRows()).toEqual(before);
  });

  it('refuses to mix with an unfinished Delta run, naming how to finish it', async () => {
    await stageRecords();
    await expect(compactStaging(bucket, bucket.child('delta'), { afterCommit: () => Promise.reject(new Error('crash')) })).rejects.toThrow('crash');
    await expect(compactStagingIntoLakeside(bucket)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/table as the target/) });
    await compactStaging(bucket, bucket.child('delta'));
    expect(await compactStagingIntoLakeside(bucket)).toMatchObject({ version: undefined, sourcesRead: 0 });
  });

  it('runs as lakebench compact-staging --lakeside, with a dry run first', async () => {
    await stageRecords();
    const env = { LAKEBENCH_HOME: path.join(dir, '.home') };
    const dry = await runCli(['compact-staging', dir, '--lakeside', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing changed; would write 80 records from 64 files into 2 partitions');
    expect((await readLakesideLog(bucket)).entries).toEqual([]);

    const both = await runCli(['compact-staging', dir, '--lakeside', '--into', path.join(dir, 'delta')], env);
    expect(both.code).toBe(2);

    const run = await runCli(['compact-staging', dir, '--lakeside'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('committed _lakeside_log version 0: 80 records from 64 files into 2 partitions');
    expect(run.stderr).toMatch(/^commit 1\/1/m);
    expect(await stagedKeys()).toEqual([]);
    const help = await runCli(['compact-staging', '--help'], env);
    expect(help.stdout).toMatch(/--lakeside/);
  });
});
