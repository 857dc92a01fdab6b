/**
 * check and promote (the quality gate) on Iceberg tables: exact failing counts at the current snapshot,
 * a clean pass at an older one named `@<snapshot id>` (the 64-bit id kept exactly in the report and in a
 * results table), a table named by its catalog-style metadata file; promote copies a passing snapshot
 * into a Delta trusted table and writes nothing when a check fails; into an Iceberg trusted table it
 * appends by one append snapshot (files in the table's partition spec, read back by icebird), and a
 * staging column the trusted table lacks is refused by name before anything is written.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { icebergRead } from 'icebird';
import murmurhash from 'murmurhash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { checkTable, promoteTable } from '../../core/api/quality';
import { DeltaTable } from '../../core/formats/delta/table';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { parseRules } from '../../core/quality/rules';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';
import { fileStates } from '../helpers/refusals';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { startFolderServer } from '../helpers/static-server';

/** bucket[4] of a long as the spec defines it (Appendix B: Murmur3 x86 32, seed 0, of its 8 little-endian bytes), computed here. */
function icebergBucket4(value: bigint): number {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64LE(value);
  return (murmurhash.v3(bytes, 0) & 0x7fffffff) % 4;
}

let dir: string;
let api: LakebenchApi;
/** `dir` over loopback HTTP, for icebird. */
let http: { url: string; stop: () => Promise<void> };
let table: string;
let cleanSnapshot: string;
let dirtySnapshot: string;

const RULES = parseRules(
  `
- { name: id_unique, check_type: uniqueness, column_name: id }
- { name: amount_positive, check_type: positive, column_name: amount }
- { name: size, check_type: row_count_range, params: { min_count: 1, max_count: 4 } }
`,
  'rules.yaml',
);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-iceberg-quality-'));
  http = await startFolderServer(dir);
  api = createApi({ catalogPath: path.join(dir, 'catalog.sqlite'), cacheDir: path.join(dir, 'cache') });
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  table = path.join(dir, 'orders');
  const w = new IcebergTestWriter(table, conn, {
    fields: [
      { id: 1, name: 'id', type: 'long' },
      { id: 2, name: 'amount', type: 'double' },
    ],
    catalogNames: true,
  });
  cleanSnapshot = String(await w.commit({ add: [{ sql: `SELECT range AS id, range * 1.5 + 1 AS amount FROM range(3)` }] }));
  // Adds a duplicate id, a negative and a zero amount: 6 rows.
  dirtySnapshot = String(await w.commit({ add: [{ sql: `SELECT * FROM (VALUES (2::BIGINT, -4.0::DOUBLE), (7, 0.0), (8, 3.0)) AS t(id, amount)` }] }));
  conn.closeSync();
});
afterAll(async () => {
  await api?.close();
  await http?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('check on an Iceberg table', () => {
  it('counts the violations at the current snapshot and names it exactly', async () => {
    const report = await checkTable(api, { table, rules: RULES });
    expect(Object.fromEntries(report.results.map((r) => [r.check_name, [r.status, r.failing_rows, r.total_rows]]))).toEqual({
      id_unique: ['failed', 1, 6],
      amount_positive: ['failed', 2, 6],
      size: ['failed', 1, 6],
    });
    expect(report.passed).toBe(false);
    expect(report.version).toBe(dirtySnapshot);
  });

  it('passes at the older snapshot named by id, and writes results with the 64-bit id exact', async () => {
    const results = path.join(dir, 'results');
    const report = await checkTable(api, { table: `${table}@${cleanSnapshot}`, rules: RULES, writeResults: results });
    expect(report.passed).toBe(true);
    expect(report.version).toBe(cleanSnapshot);
    const written = await queryTable(new LocalStore(results), 'SELECT DISTINCT table_version::VARCHAR AS v FROM t');
    expect(written).toEqual([{ v: cleanSnapshot }]);
  });

  it('checks the table named by one of its metadata files (catalog-style names): the state that file pins', async () => {
    const report = await checkTable(api, { table: path.join(table, 'metadata', await firstMetadataFile()), rules: RULES });
    // The first metadata file was written by the first commit: its snapshot is the clean one.
    expect(report.passed).toBe(true);
    expect(report.version).toBe(cleanSnapshot);
    expect(report.results.every((r) => r.total_rows === 3)).toBe(true);
  });
});

async function firstMetadataFile(): Promise<string> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(path.join(table, 'metadata'))).filter((f) => f.startsWith('00001-')).sort()[0]!;
}

describe('promote from an Iceberg table', () => {
  it('copies a passing snapshot into a new Delta table, in one commit', async () => {
    const trusted = path.join(dir, 'trusted');
    const report = await promoteTable(api, { staging: `${table}@${cleanSnapshot}`, trusted, rules: RULES });
    expect(report.refused).toBeUndefined();
    expect(report.rowsPromoted).toBe(3);
    expect(await (await DeltaTable.open(new LocalStore(trusted))).latestVersion()).toBe(report.version);
    expect(await queryTable(new LocalStore(trusted), 'SELECT id::INT AS id, amount FROM t ORDER BY id')).toEqual([
      { id: 0, amount: 1 },
      { id: 1, amount: 2.5 },
      { id: 2, amount: 4 },
    ]);
  });

  it('writes nothing when a check fails at the current snapshot', async () => {
    const trusted = path.join(dir, 'trusted-refused');
    const report = await promoteTable(api, { staging: table, trusted, rules: RULES });
    expect(report.refused).toMatch(/3 check\(s\) did not pass: id_unique/);
    expect(report.version).toBeUndefined();
    expect(await DeltaTable.exists(new LocalStore(trusted))).toBe(false);
  });

});

describe('promote into an Iceberg table', () => {
  /** A trusted Iceberg table (bucket[4] on id) with one row already, written by the test writer. */
  async function trustedIceberg(name: string): Promise<string> {
    const location = path.join(dir, name);
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const w = new IcebergTestWriter(location, conn, {
      location: `${http.url}/${name}`,
      fields: [
        { id: 1, name: 'id', type: 'long' },
        { id: 2, name: 'amount', type: 'double' },
      ],
      partitionFields: [{ sourceId: 1, fieldId: 1000, name: 'id_bucket', transform: 'bucket[4]', avroType: 'int' }],
    });
    await w.commit({ add: [{ sql: `SELECT 100::BIGINT AS id, 9.5::DOUBLE AS amount`, partition: { id_bucket: icebergBucket4(100n) } }] });
    conn.closeSync();
    return location;
  }

  it('appends a passing snapshot by one append snapshot, each new file in its bucket; icebird reads the rows', async () => {
    // The spec's own example (Appendix B): hash(34L) = 2017239379.
    expect(murmurhash.v3(Buffer.from([34, 0, 0, 0, 0, 0, 0, 0]), 0)).toBe(2017239379);
    const trusted = await trustedIceberg('trusted-iceberg');
    const before = await IcebergTable.open(new LocalStore(trusted));
    const report = await promoteTable(api, { staging: `${table}@${cleanSnapshot}`, trusted, rules: RULES });
    expect(report.refused).toBeUndefined();
    expect(report.rowsPromoted).toBe(3);
    const after = await IcebergTable.open(new LocalStore(trusted));
    expect(after.metadata.currentSnapshotId).toBe(report.version);
    expect(after.snapshot()).toMatchObject({ operation: 'append', parentId: before.snapshot()!.id });
    const files = await after.files(after.snapshot());
    expect(files).toHaveLength(1 + new Set([0n, 1n, 2n].map(icebergBucket4)).size);
    // Every id is found through the partition pruning of its own bucket.
    for (const id of [0n, 1n, 2n, 100n]) {
      const scan = await after.planScan(after.snapshot(), { op: 'eq', fieldId: 1, value: id });
      expect(scan.tasks.map((t) => t.file.partition.id_bucket)).toEqual([icebergBucket4(id)]);
    }
    const rows = (await icebergRead({ tableUrl: `${http.url}/trusted-iceberg` })) as Record<string, unknown>[];
    expect(rows.map((r) => [Number(r.id), r.amount]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
      [0, 1],
      [1, 2.5],
      [2, 4],
      [100, 9.5],
    ]);
  });

  it('writes nothing when a check fails, and refuses staging columns the table does not have by name', async () => {
    const trusted = await trustedIceberg('trusted-iceberg-refused');
    const before = await fileStates(trusted);
    const report = await promoteTable(api, { staging: table, trusted, rules: RULES });
    expect(report.refused).toMatch(/3 check\(s\) did not pass/);
    expect(await fileStates(trusted)).toEqual(before);

    // A staging table with a column the trusted one lacks.
    const wide = path.join(dir, 'staging-wide');
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const w = new IcebergTestWriter(wide, conn, {
      fields: [
        { id: 1, name: 'id', type: 'long' },
        { id: 2, name: 'amount', type: 'double' },
        { id: 3, name: 'note', type: 'string' },
      ],
    });
    await w.commit({ add: [{ sql: `SELECT 5::BIGINT AS id, 1.0::DOUBLE AS amount, 'x' AS note` }] });
    conn.closeSync();
    await expect(promoteTable(api, { staging: wide, trusted, rules: RULES })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/input column note is not in the Iceberg table's schema \(id, amount\)/),
    });
    expect(await fileStates(trusted)).toEqual(before);
  });
});
