/** compact-staging on local folders: partitions, quarantine, crash between commit and deletes, idempotent re-runs. */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { compactStaging } from '../../core/ops/compact-staging';
import { importFiles } from '../../core/ops/import';
import { LocalStore } from '../../core/storage/local';
import { ROOT } from '../helpers/cli-process';
import { queryTable } from '../helpers/delta-rows';

let dir: string;
let staging: LocalStore;
let target: LocalStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-compact-staging-'));
  staging = new LocalStore(dir);
  target = staging.child('delta');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SCHEMA = {
  fields: [
    { name: 'id', type: 'INT64', repetitionType: 'REQUIRED' },
    { name: 'name', type: 'BYTE_ARRAY' }, // no UTF8 annotation: still a string
    { name: 'amount', type: 'DOUBLE' },
  ],
};

async function stage(key: string, body: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, key)), { recursive: true });
  await writeFile(path.join(dir, key), body);
}

const ndjson = (records: object[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Every record still staged under data/, with the hour of its folder, as sorted canonical strings. */
async function stagedRecords(): Promise<string[]> {
  const records: string[] = [];
  for (const entry of await readdir(path.join(dir, 'data'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const hour = /hour=([^/]+)/.exec(entry.parentPath)![1];
    for (const line of (await readFile(path.join(entry.parentPath, entry.name), 'utf8')).split('\n')) {
      if (line.trim()) records.push(canonical({ ...JSON.parse(line), hour }));
    }
  }
  return records.sort();
}

async function tableRecords(): Promise<string[]> {
  const rows = await queryTable(target, 'SELECT id, name, amount, hour FROM t');
  return rows.map((r) => canonical(r)).sort();
}

const canonical = (r: Record<string, unknown>) => JSON.stringify([Number(r.id), r.name ?? null, r.amount ?? null, r.hour]);

/** 3 hours × (4 single-record .json + one 5-record .ndjson) = 27 records. */
async function stageHours(firstId = 0): Promise<void> {
  await stage('schema/schema.json', JSON.stringify(SCHEMA));
  let id = firstId;
  for (const hour of ['2026-11-23T08', '2026-11-23T09', '2026-11-23T10']) {
    for (let i = 0; i < 4; i++) await stage(`data/hour=${hour}/r${id}.json`, JSON.stringify({ id: id++, name: `n${id}`, amount: id / 4 }));
    const batch = Array.from({ length: 5 }, () => ({ id: id++, name: `n${id}`, amount: id * 1.5 }));
    await stage(`data/hour=${hour}/batch-${id}.ndjson`, ndjson(batch));
  }
}

async function leftovers(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of staging.listAll(prefix)) keys.push(info.key);
  return keys;
}

describe('compact-staging', () => {
  it('moves every record into a table partitioned like the folders, once', async () => {
    await stageHours();
    const before = await stagedRecords();
    expect(before).toHaveLength(27);

    const planned = await compactStaging(staging, target, { dryRun: true });
    expect(planned).toMatchObject({ dryRun: true, version: undefined, sourcesRead: 15, records: 27, partitions: 3, sourcesDeleted: 0 });
    expect(planned.plan).toContainEqual({ partition: { hour: '2026-11-23T09' }, files: 5, records: 9 });
    expect(await DeltaTable.exists(target)).toBe(false);
    expect(await stagedRecords()).toEqual(before);

    const phases = new Set<string>();
    const result = await compactStaging(staging, target, { onProgress: (p) => phases.add(p.phase) });
    expect(result).toMatchObject({ version: 0, sourcesRead: 15, records: 27, quarantined: 0, sourcesDeleted: 15, partitions: 3 });
    expect([...phases]).toEqual(expect.arrayContaining(['list', 'read', 'upload', 'commit', 'delete']));
    expect(await tableRecords()).toEqual(before);
    const snapshot = await (await DeltaTable.open(target)).snapshot();
    expect(snapshot.partitionColumns).toEqual(['hour']);
    expect(new Set(snapshot.files.map((f) => f.partitionValues.hour))).toEqual(new Set(['2026-11-23T08', '2026-11-23T09', '2026-11-23T10']));
    expect(snapshot.schema.fields.map((f) => [f.name, f.type])).toEqual([['id', 'long'], ['name', 'string'], ['amount', 'double'], ['hour', 'string']]);
    expect(await leftovers('data/')).toEqual([]);
    expect(await leftovers('_lakebench/')).toEqual([]);

    // Nothing new: nothing committed. New records: appended in the next version.
    expect(await compactStaging(staging, target)).toMatchObject({ version: undefined, sourcesRead: 0, records: 0 });
    await stageHours(1000);
    const added = await stagedRecords();
    expect(await compactStaging(staging, target)).toMatchObject({ version: 1, records: 27 });
    expect(await tableRecords()).toEqual([...before, ...added].sort());
  });

  it('quarantines records that break the schema, with file and line, before committing the rest', async () => {
    await stage('schema/schema.json', JSON.stringify(SCHEMA));
    await stage('data/hour=h1/good.json', '{\n  "id": 9007199254740993,\n  "name": "pretty",\n  "amount": 1\n}\n');
    await stage(
      'data/hour=h1/mixed.ndjson',
      [
        '{"id":1,"name":"ok","amount":2.5,"unlisted":"ignored"}',
        '{"name":"no id"}',
        '',
        '{"id":"3","name":"id is text"}',
        '{"id":4,"name":"cut off',
        '[1,2]',
        '{"id":6,"name":null,"amount":null}',
      ].join('\n'),
    );
    await stage('data/a-stray.json', '{"id":7}'); // not in a partition folder (and listed first)

    const result = await compactStaging(staging, target);
    expect(result).toMatchObject({ version: 0, sourcesRead: 3, records: 3, quarantined: 5, sourcesDeleted: 3 });
    expect(result.quarantineObjects).toHaveLength(1);
    const quarantine = (await readFile(result.quarantineObjects[0]!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(quarantine.map((q) => [q.file, q.line, q.error])).toEqual([
      ['data/a-stray.json', 1, expect.stringMatching(/partition/)],
      ['data/hour=h1/mixed.ndjson', 2, 'missing required field "id"'],
      ['data/hour=h1/mixed.ndjson', 4, expect.stringMatching(/^field "id": expected a long integer/)],
      ['data/hour=h1/mixed.ndjson', 5, expect.stringMatching(/^unparsable JSON/)],
      ['data/hour=h1/mixed.ndjson', 6, 'not a JSON object'],
    ]);
    expect(quarantine[2].raw).toBe('{"id":"3","name":"id is text"}');
    expect(result.quarantineObjects[0]).toMatch(/quarantine\/[^/]+\/records\.ndjson$/);

    const rows = await queryTable(target, 'SELECT CAST(id AS VARCHAR) AS id, name, amount FROM t ORDER BY name NULLS LAST');
    expect(rows).toEqual([
      { id: '1', name: 'ok', amount: 2.5 },
      { id: '9007199254740993', name: 'pretty', amount: 1 }, // the original text, not a rounded double
      { id: '6', name: null, amount: null },
    ]);
    expect(await leftovers('data/')).toEqual([]);
  });

  it('finishes the deletes of a run that crashed after its commit instead of ingesting again', async () => {
    await stageHours();
    const before = await stagedRecords();
    const crash = new Error('crash after commit');
    await expect(compactStaging(staging, target, { afterCommit: () => Promise.reject(crash) })).rejects.toBe(crash);
    expect(await tableRecords()).toEqual(before); // committed …
    expect(await stagedRecords()).toEqual(before); // … and still staged
    expect(await leftovers('_lakebench/')).toHaveLength(1);

    // A newer object under a consumed key is new data: it must be taken, not deleted.
    const replacedKey = (await leftovers('data/')).find((k) => k.endsWith('.json'))!;
    await new Promise((r) => setTimeout(r, 20)); // a different mtime, hence ETag, even on coarse clocks
    await stage(replacedKey, JSON.stringify({ id: 5000, name: 'newer', amount: 1 }));

    const planned = await compactStaging(staging, target, { dryRun: true });
    expect(planned).toMatchObject({ resumedRuns: 1, sourcesRead: 1, records: 1, sourcesDeleted: 0 });
    const rerun = await compactStaging(staging, target);
    expect(rerun).toMatchObject({ resumedRuns: 1, version: 1, sourcesRead: 1, records: 1, sourcesDeleted: 15 });
    const hour = /hour=([^/]+)/.exec(replacedKey)![1];
    expect(await tableRecords()).toEqual([...before, canonical({ id: 5000, name: 'newer', amount: 1, hour })].sort());
    expect(await leftovers('data/')).toEqual([]);
    expect(await leftovers('_lakebench/')).toEqual([]);
    expect(await compactStaging(staging, target)).toMatchObject({ version: undefined, resumedRuns: 0, sourcesDeleted: 0 });
  });

  it('leaves the staging area as it was when it fails before the commit', async () => {
    await stageHours();
    await stage('data/hour=2026-11-23T08/bad.ndjson', '{"id":"x"}\n');
    const before = await leftovers('data/');
    await expect(compactStaging(staging, target, { beforeCommit: () => Promise.reject(new Error('crash before commit')) })).rejects.toThrow(
      'crash before commit',
    );
    expect(await DeltaTable.exists(target)).toBe(false);
    expect(await leftovers('data/')).toEqual(before);
    expect(await leftovers('quarantine/')).toEqual([]);
    expect(await leftovers('_lakebench/')).toEqual([]);

    const controller = new AbortController();
    const cancelled = compactStaging(staging, target, {
      signal: controller.signal,
      onProgress: (p) => p.phase === 'read' && controller.abort(),
    });
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await leftovers('data/')).toEqual(before);
    expect(await leftovers('_lakebench/')).toEqual([]);

    expect(await compactStaging(staging, target)).toMatchObject({ version: 0, records: 27, quarantined: 1 });
  });

  it('settles a run killed before its commit: its manifest and quarantine go once a later run commits', async () => {
    await stageHours();
    const before = await stagedRecords();
    await stage('data/hour=2026-11-23T08/bad.ndjson', '{"id":"x"}\n');
    // Simulates a SIGKILL just before the commit: the run's manifest and quarantine stay behind.
    let abandoned: string[] = [];
    await expect(
      compactStaging(staging, target, {
        beforeCommit: async () => {
          abandoned = [...(await leftovers('_lakebench/')), ...(await leftovers('quarantine/'))];
          await cp(dir, `${dir}-snapshot`, { recursive: true });
          throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    await rm(dir, { recursive: true });
    await cp(`${dir}-snapshot`, dir, { recursive: true });
    await rm(`${dir}-snapshot`, { recursive: true });
    expect(abandoned).toHaveLength(2);

    const result = await compactStaging(staging, target);
    expect(result).toMatchObject({ version: 0, records: 27, quarantined: 1 });
    expect(await tableRecords()).toEqual(before);
    expect(await leftovers('_lakebench/')).toEqual([]);
    expect(await leftovers('quarantine/')).toHaveLength(1); // this run's, not the abandoned one
    expect(await leftovers('quarantine/')).not.toContain(abandoned.find((k) => k.startsWith('quarantine/')));
  });

  it('lets only one of two concurrent runs take the same records', async () => {
    await stageHours();
    await compactStaging(staging, target);
    await stageHours(1000);
    const before = [...(await tableRecords()), ...(await stagedRecords())].sort();
    let second: Awaited<ReturnType<typeof compactStaging>> | undefined;
    const first = compactStaging(staging, target, {
      beforeCommit: async () => {
        second = await compactStaging(staging, target);
      },
    });
    await expect(first).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(second).toMatchObject({ version: 1, records: 27 });
    expect(await tableRecords()).toEqual(before);
    // The loser's leftovers (a manifest the winner may not have seen) are settled by the next run.
    expect(await compactStaging(staging, target)).toMatchObject({ version: undefined, records: 0 });
    expect(await tableRecords()).toEqual(before);
    expect(await leftovers('_lakebench/')).toEqual([]);
  });

  it('appends to an existing table, checking records against its columns when there is no schema file', async () => {
    const csv = path.join(dir, 'seed.csv');
    await writeFile(csv, 'id,name,amount,hour\n1,a,1.5,h1\n');
    await importFiles(target, { inputs: [csv], partitionBy: ['hour'] });
    await rm(csv);
    await stage('data/hour=h2/x.ndjson', ndjson([{ id: 2, name: 'b', amount: 2 }, { id: 3, name: 7 }]));
    const result = await compactStaging(staging, target);
    expect(result).toMatchObject({ version: 1, records: 1, quarantined: 1 });
    expect(await tableRecords()).toEqual([canonical({ id: 1, name: 'a', amount: 1.5, hour: 'h1' }), canonical({ id: 2, name: 'b', amount: 2, hour: 'h2' })]);
  });

  it('infers the schema when there is neither a schema file nor a table', async () => {
    await stage('data/day=1/a.ndjson', ndjson([{ n: 1, x: 1.5, s: 'a', o: { k: 1 } }, { n: 2, x: 2, s: 'b', o: 'text' }]));
    expect(await compactStaging(staging, target)).toMatchObject({ version: 0, records: 2 });
    const snapshot = await (await DeltaTable.open(target)).snapshot();
    expect(snapshot.schema.fields.map((f) => [f.name, f.type])).toEqual([['n', 'long'], ['x', 'double'], ['s', 'string'], ['o', 'string'], ['day', 'string']]);
    expect(await queryTable(target, 'SELECT n, x, s, o, day FROM t ORDER BY n')).toEqual([
      { n: 1, x: 1.5, s: 'a', o: '{"k":1}', day: '1' },
      { n: 2, x: 2, s: 'b', o: 'text', day: '1' },
    ]);
  });

  it('reads dates and timestamps given as ISO text or as epoch integers of the schema\'s unit', async () => {
    await stage(
      'schema/schema.json',
      JSON.stringify({
        fields: [
          { name: 'id', type: 'INT32' },
          { name: 'day', type: 'INT32', logicalType: 'DATE' },
          { name: 'at', type: 'INT64', logicalType: 'TIMESTAMP_MILLIS' },
        ],
      }),
    );
    await stage(
      'data/part=a/x.ndjson',
      ndjson([
        { id: 1, day: '2024-05-01', at: '2024-05-01T13:30:00Z' },
        { id: 2, day: 19844, at: 1714570200000 },
        { id: 3, day: '2024-05-01', at: '2024-05-01 15:30:00+02:00' },
      ]),
    );
    expect(await compactStaging(staging, target)).toMatchObject({ version: 0, records: 3, quarantined: 0 });
    const rows = await queryTable(target, 'SELECT id, CAST(day AS VARCHAR) AS day, epoch_ms("at") AS ms FROM t ORDER BY id');
    expect(rows).toEqual([1, 2, 3].map((id) => ({ id, day: '2024-05-01', ms: 1714570200000 })));
  });

  it('takes the staging area of the sample lake', async () => {
    await cp(path.join(ROOT, 'resources', 'sample-lake', 'staging'), dir, { recursive: true });
    const result = await compactStaging(staging, target);
    expect(result).toMatchObject({ version: 0, sourcesRead: 15, records: 72, quarantined: 0, partitions: 3, sourcesDeleted: 15 });
    const rows = await queryTable(target, 'SELECT order_ts_hour, count(*) AS n, count(DISTINCT order_id) AS ids FROM t GROUP BY 1 ORDER BY 1');
    expect(rows.map((r) => [r.order_ts_hour, Number(r.n), Number(r.ids)])).toEqual([
      ['2026-11-23T08', 24, 24],
      ['2026-11-23T09', 24, 24],
      ['2026-11-23T10', 24, 24],
    ]);
  });
});
