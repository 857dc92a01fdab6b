/**
 * The reading rules of the Iceberg spec, each on a table written for it (test/helpers/iceberg-writer.ts)
 * and read through real DuckDB: delete scoping by sequence number, equality deletes within their
 * partition, v3 deletion vectors in Puffin files, name mapping for files without field ids, identity
 * partition values for columns missing from files, initial defaults, moved tables, gzip and
 * catalog-named metadata, refs, refused types, and pruning (files and whole manifests skipped, answers
 * unchanged).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { cp, mkdtemp, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshotSuffix } from '../../core/formats/iceberg/snapshots';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { icebergFilter } from '../../core/sql/iceberg-filter';
import { IcebergSource } from '../../core/sql/iceberg-source';
import { SqlSession } from '../../core/sql/session';
import { LocalStore } from '../../core/storage/local';
import { IcebergTestWriter, type WriterOptions } from '../helpers/iceberg-writer';

let dir: string;
let conn: DuckDBConnection;
let tables = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-iceberg-rules-'));
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`SET TimeZone = 'UTC'`);
});
afterAll(async () => {
  conn.closeSync();
  await rm(dir, { recursive: true, force: true });
});

function writer(options: WriterOptions): IcebergTestWriter {
  return new IcebergTestWriter(path.join(dir, `table-${tables++}`), conn, options);
}

async function open(w: IcebergTestWriter): Promise<IcebergTable> {
  return IcebergTable.open(new LocalStore(w.dir));
}

/** Rows of `select` (over `t`) at the table's current state or a snapshot suffix. */
async function query(w: IcebergTestWriter, select: string, suffix?: string): Promise<Record<string, unknown>[]> {
  const source = new IcebergSource('t', await open(w), suffix ? parseSnapshotSuffix(suffix) : undefined);
  await source.prepare(conn, select, undefined);
  return (await conn.runAndReadAll(select)).getRowObjectsJson();
}

const ids = async (w: IcebergTestWriter, suffix?: string) =>
  (await query(w, 'SELECT id FROM t ORDER BY id', suffix)).map((r) => Number(r.id));

const idName = [
  { id: 1, name: 'id', type: 'long' },
  { id: 2, name: 'name', type: 'string' },
];

describe('delete scoping by sequence number', () => {
  it('an equality delete removes matching rows of older files only; a position delete also covers files of its own commit', async () => {
    const w = writer({ fields: idName });
    await w.commit({ add: [{ sql: `SELECT range AS id, 'a' || range AS name FROM range(1, 6)` }] }); // seq 1: ids 1..5
    // seq 2: delete id 2 by equality, and add a new row with id 2 in the same commit: the new row stays.
    await w.commit({
      operation: 'overwrite',
      add: [{ sql: `SELECT 2::BIGINT AS id, 'new' AS name` }],
      equalityDeletes: [{ sql: `SELECT 2::BIGINT AS id`, equalityIds: [1] }],
    });
    expect(await ids(w)).toEqual([1, 2, 3, 4, 5]);
    expect((await query(w, `SELECT name FROM t WHERE id = 2`)).map((r) => r.name)).toEqual(['new']);
    // seq 3: a file and a position delete of its row 0 in the same commit: the delete applies (≤).
    const s3 = await w.commit({ add: [{ sql: `SELECT 10::BIGINT AS id, 'x' AS name UNION ALL SELECT 11, 'y'` }] });
    const added = w.files().find((f) => f.snapshotId === s3)!.path;
    await w.commit({ operation: 'delete', positionDeletes: [{ rows: [{ path: added, pos: 0 }] }] });
    expect(await ids(w)).toEqual([1, 2, 3, 4, 5, 11]);
    // An equality delete of id 11 at seq 5 removes it; a later file re-adding id 11 (seq 6) keeps it.
    await w.commit({ operation: 'delete', equalityDeletes: [{ sql: `SELECT 11::BIGINT AS id`, equalityIds: [1] }] });
    expect(await ids(w)).toEqual([1, 2, 3, 4, 5]);
    await w.commit({ add: [{ sql: `SELECT 11::BIGINT AS id, 'back' AS name` }] });
    expect(await ids(w)).toEqual([1, 2, 3, 4, 5, 11]);
    // The snapshot before the deletes still reads its rows.
    expect(await ids(w, String(s3))).toEqual([1, 2, 3, 4, 5, 10, 11]);
  });

  it('a position delete naming a file written after it does not apply (data sequence number > delete’s)', async () => {
    const w = writer({ fields: idName });
    await w.commit({ add: [{ sql: `SELECT 1::BIGINT AS id, 'a' AS name` }] });
    const target = w.files()[0]!.path;
    // seq 2: a position delete of row 0 of that file, which is then rewritten with the same path at seq 3 by a replace.
    await w.commit({ operation: 'delete', positionDeletes: [{ rows: [{ path: target, pos: 0 }] }] });
    expect(await ids(w)).toEqual([]);
    // Equality deletes compare nulls as equal.
    const n = writer({ fields: idName });
    await n.commit({ add: [{ sql: `SELECT * FROM (VALUES (1::BIGINT, NULL::VARCHAR), (2, 'b')) AS t(id, name)` }] });
    await n.commit({ operation: 'delete', equalityDeletes: [{ sql: `SELECT NULL::VARCHAR AS name`, equalityIds: [2] }] });
    expect(await ids(n)).toEqual([2]);
  });
});

describe('equality deletes across partitions', () => {
  it('a partitioned equality delete removes the value in its own partition only; an unpartitioned one everywhere', async () => {
    const w = writer({
      fields: [...idName, { id: 3, name: 'region', type: 'string' }],
      partitionFields: [{ sourceId: 3, fieldId: 1000, name: 'region', transform: 'identity', avroType: 'string' }],
    });
    await w.commit({
      add: [
        { sql: `SELECT 1::BIGINT AS id, 'eu-1' AS name, 'eu' AS region UNION ALL SELECT 2, 'eu-2', 'eu'`, partition: { region: 'eu' } },
        { sql: `SELECT 1::BIGINT AS id, 'us-1' AS name, 'us' AS region`, partition: { region: 'us' } },
      ],
    });
    await w.commit({ operation: 'delete', equalityDeletes: [{ sql: `SELECT 1::BIGINT AS id`, equalityIds: [1], partition: { region: 'eu' } }] });
    expect(await query(w, 'SELECT id, region FROM t ORDER BY region, id')).toEqual([
      { id: '2', region: 'eu' },
      { id: '1', region: 'us' },
    ]);
    // Written under an unpartitioned spec, an equality delete applies in every partition.
    await w.commit({ add: [{ sql: `SELECT 2::BIGINT AS id, 'us-2' AS name, 'us' AS region`, partition: { region: 'us' } }] });
    await w.commit({ operation: 'delete', equalityDeletes: [{ sql: `SELECT 2::BIGINT AS id`, equalityIds: [1], unpartitioned: true }] });
    expect(await query(w, 'SELECT id, region FROM t ORDER BY region, id')).toEqual([{ id: '1', region: 'us' }]);
  });
});

describe('v3 deletion vectors', () => {
  it('removes the positions of the vector in its Puffin file, for its data file only', async () => {
    const w = writer({ formatVersion: 3, fields: idName });
    await w.commit({
      add: [
        { sql: `SELECT range AS id, 'a' AS name FROM range(0, 100)` },
        { sql: `SELECT range AS id, 'b' AS name FROM range(100, 110)` },
      ],
    });
    const [first] = w.files();
    await w.commit({ operation: 'delete', deletionVectors: [{ dataFile: first!.path, positions: [0, 5, 6, 7, 99] }] });
    const remaining = await ids(w);
    expect(remaining).toHaveLength(105);
    expect(remaining).not.toContain(0);
    expect(remaining).not.toContain(6);
    expect(remaining).not.toContain(99);
    expect(remaining).toContain(100);
  });
});

describe('columns', () => {
  it('files without field ids are read through the name mapping (old names resolve to current columns)', async () => {
    const mapping = JSON.stringify([
      { 'field-id': 1, names: ['id'] },
      { 'field-id': 2, names: ['name', 'label_v0'] },
    ]);
    const w = writer({ fields: idName, properties: { 'schema.name-mapping.default': mapping } });
    await w.commit({
      add: [
        { sql: `SELECT 1::BIGINT AS id, 'imported' AS label_v0`, withoutFieldIds: true },
        { sql: `SELECT 2::BIGINT AS id, 'native' AS name` },
      ],
    });
    expect(await query(w, 'SELECT id, name FROM t ORDER BY id')).toEqual([
      { id: '1', name: 'imported' },
      { id: '2', name: 'native' },
    ]);
  });

  it('identity partition values fill a partition column the files lack', async () => {
    const w = writer({
      fields: [...idName, { id: 3, name: 'day', type: 'date' }],
      partitionFields: [{ sourceId: 3, fieldId: 1000, name: 'day', transform: 'identity', avroType: 'int' }],
      properties: { 'schema.name-mapping.default': JSON.stringify([{ 'field-id': 1, names: ['id'] }, { 'field-id': 2, names: ['name'] }, { 'field-id': 3, names: ['day'] }]) },
    });
    // 19723 = 2024-01-01 in days since 1970.
    await w.commit({ add: [{ sql: `SELECT 1::BIGINT AS id, 'a' AS name`, partition: { day: 19723 }, omit: ['day'] }] });
    expect(await query(w, 'SELECT id, day FROM t')).toEqual([{ id: '1', day: '2024-01-01' }]);
  });

  it('a column added with an initial default reads it for rows written before it existed; renames and drops follow the schema', async () => {
    const w = writer({ formatVersion: 3, fields: idName });
    await w.commit({ add: [{ sql: `SELECT 1::BIGINT AS id, 'a' AS name` }] });
    await w.commit({
      fields: [
        { id: 1, name: 'id', type: 'long' },
        { id: 3, name: 'score', type: 'int', 'initial-default': 7 },
      ],
      add: [{ sql: `SELECT 2::BIGINT AS id, 9::INT AS score`, fieldIds: { id: 1, score: 3 } }],
    });
    expect(await query(w, 'SELECT * FROM t ORDER BY id')).toEqual([
      { id: '1', score: 7 },
      { id: '2', score: 9 },
    ]);
  });

  it('refuses an unknown v3 type by name', async () => {
    const w = writer({ formatVersion: 3, fields: [...idName, { id: 3, name: 'payload', type: 'variant' }] });
    await w.commit({ add: [{ sql: `SELECT 1::BIGINT AS id, 'a' AS name`, fieldIds: { id: 1, name: 2 } }] });
    await expect(query(w, 'SELECT * FROM t')).rejects.toThrow(/column payload has Iceberg type variant/);
  });
});

describe('where tables live', () => {
  it('a moved table: recorded s3a:// paths resolve under the local folder; a really missing file is named', async () => {
    const w = writer({ fields: idName, location: 's3a://old-bucket/warehouse/db/events' });
    await w.commit({ add: [{ sql: `SELECT range AS id, 'x' AS name FROM range(3)` }] });
    expect(await ids(w)).toEqual([0, 1, 2]);
    const missing = w.files()[0]!.path;
    await unlink(path.join(w.dir, missing.slice('s3a://old-bucket/warehouse/db/events/'.length)));
    await expect(ids(w)).rejects.toThrow(new RegExp(`data file ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is missing`));
  });

  it('gzip-compressed, catalog-named metadata is found and read', async () => {
    const w = writer({ fields: idName, catalogNames: true, gzip: true });
    await w.commit({ add: [{ sql: `SELECT 1::BIGINT AS id, 'a' AS name` }] });
    await w.commit({ add: [{ sql: `SELECT 2::BIGINT AS id, 'b' AS name` }] });
    const table = await open(w);
    expect(table.metadataKey).toMatch(/^metadata\/00002-.*\.gz\.metadata\.json$/);
    expect(await ids(w)).toEqual([1, 2]);
  });

  it('tags and branches select their snapshots; 64-bit ids survive exactly', async () => {
    const w = writer({ fields: idName });
    const first = await w.commit({ add: [{ sql: `SELECT 1::BIGINT AS id, 'a' AS name` }] });
    await w.commit({ add: [{ sql: `SELECT 2::BIGINT AS id, 'b' AS name` }] });
    await w.ref('v1.0', first, 'tag');
    await w.ref('audit', first, 'branch');
    expect(first > 2n ** 53n).toBe(true);
    expect((await open(w)).history().map((h) => h.version)).toContain(String(first));
    expect(await ids(w, 'tag:v1.0')).toEqual([1]);
    expect(await ids(w, 'branch:audit')).toEqual([1]);
    expect(await ids(w, 'branch:main')).toEqual([1, 2]);
    await expect(ids(w, 'tag:nope')).rejects.toThrow(/no tag named nope \(tags: v1.0\)/);
  });
});

describe('pruning', () => {
  it('bucket, identity and bounds skip files a WHERE cannot match; answers equal the full scan', async () => {
    const w = writer({
      fields: [...idName, { id: 3, name: 'day', type: 'date' }],
      partitionFields: [{ sourceId: 3, fieldId: 1000, name: 'day_month', transform: 'month', avroType: 'int' }],
    });
    // 12 files, one per month of 2024, ids 100*m .. 100*m+99.
    const add = Array.from({ length: 12 }, (_, m) => ({
      sql: `SELECT (${m * 100} + range)::BIGINT AS id, 'n' || range AS name, DATE '2024-${String(m + 1).padStart(2, '0')}-01' + CAST(range % 28 AS INT) AS day FROM range(100)`,
      partition: { day_month: (2024 - 1970) * 12 + m },
    }));
    await w.commit({ add });
    const table = await open(w);
    const source = new IcebergSource('t', table);
    await new IcebergSource('t_full', table).prepare(conn, 'SELECT 1', undefined);
    const cases: [string, number][] = [
      [`SELECT count(*) AS n FROM t WHERE day = DATE '2024-03-05'`, 1],
      [`SELECT count(*) AS n FROM t WHERE t.day >= '2024-11-15'`, 2],
      [`SELECT count(*) AS n FROM t WHERE id = 555`, 1],
      [`SELECT count(*) AS n FROM t WHERE id IN (5, 1105) AND name IS NOT NULL`, 2],
      [`SELECT count(*) AS n FROM t AS x WHERE x.id BETWEEN 150 AND 250`, 2],
      [`SELECT count(*) AS n FROM t WHERE id < 0 OR day IS NULL`, 0],
      [`SELECT count(*) AS n FROM t WHERE id > 1.5 AND id < 3`, 1], // 1.5 is no exact long: only id < 3 prunes
      [`SELECT count(*) AS n FROM t WHERE id + 1 = 556`, 12], // not column-vs-constant: no pruning
    ];
    for (const [sql, files] of cases) {
      const filter = await icebergFilter(conn, sql, 't', source.schema);
      const plan = await table.planScan(table.snapshot(), filter?.predicate);
      expect(plan.tasks.length, sql).toBe(files);
      const prepared = await source.prepare(conn, sql, { viewName: 't_pruned' });
      const full = (await conn.runAndReadAll(sql.replace(/FROM t\b( AS \w+)?/, (_, alias?: string) => `FROM t_full${alias ?? ' AS t'}`))).getRowObjectsJson();
      expect((await conn.runAndReadAll(prepared.sql)).getRowObjectsJson(), sql).toEqual(full);
    }
  });

  it('skips whole manifests by their partition summaries, end to end through a SQL session', async () => {
    const w = writer({
      fields: [...idName, { id: 3, name: 'day', type: 'date' }],
      partitionFields: [{ sourceId: 3, fieldId: 1000, name: 'day', transform: 'identity', avroType: 'int' }],
      appendManifests: true,
    });
    // Twelve appends, each its own manifest of one day's file.
    for (let d = 0; d < 12; d++) {
      await w.commit({ add: [{ sql: `SELECT (${d * 10} + range)::BIGINT AS id, 'n' AS name, DATE '2024-01-01' + ${d} AS day FROM range(10)`, partition: { day: 19_723 + d } }] });
    }
    const table = await open(w);
    expect(await table.manifests(table.snapshot()!)).toHaveLength(12);
    const sql = `SELECT count(*) AS n, min(id) AS lo FROM t WHERE day = DATE '2024-01-06'`;
    const filter = await icebergFilter(conn, sql, 't', table.schemaFor(table.snapshot()));
    expect((await table.planScan(table.snapshot(), filter?.predicate)).stats).toMatchObject({ manifests: 12, manifestsSkipped: 11, dataFiles: 1 });

    // A fresh table folder (nothing parsed is cached for it): the session's query reads one manifest.
    const copy = `${w.dir}-copy`;
    await cp(w.dir, copy, { recursive: true });
    const reads: string[] = [];
    const store = new LocalStore(copy);
    const counting = new Proxy(store, {
      get: (target, key, receiver) =>
        key === 'get' ? (k: string, range?: { offset: number; length: number }) => (reads.push(k), target.get(k, range)) : Reflect.get(target, key, receiver),
    });
    const session = await SqlSession.create();
    try {
      await session.registerIceberg('t', await IcebergTable.open(counting), { kind: 'current' });
      expect((await session.query(sql)).rows).toEqual([{ n: 10, lo: 50 }]);
    } finally {
      session.close();
    }
    expect(reads.filter((k) => k.endsWith('-m0.avro'))).toHaveLength(1);
  });
});
