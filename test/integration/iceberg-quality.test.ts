/**
 * check and promote (the quality gate) on Iceberg tables: exact failing counts at the current snapshot,
 * a clean pass at an older one named `@<snapshot id>` (the 64-bit id kept exactly in the report and in a
 * results table), a table named by its catalog-style metadata file; promote copies a passing snapshot
 * into a Delta trusted table and writes nothing when a check fails; an Iceberg table as the trusted side
 * is refused by name before anything is read or written.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { checkTable, promoteTable } from '../../core/api/quality';
import { DeltaTable } from '../../core/formats/delta/table';
import { parseRules } from '../../core/quality/rules';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';
import { fileStates } from '../helpers/refusals';
import { IcebergTestWriter } from '../helpers/iceberg-writer';

let dir: string;
let api: LakebenchApi;
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

  it('refuses an Iceberg table as the trusted side by name, changing nothing', async () => {
    const before = await fileStates(table);
    await expect(promoteTable(api, { staging: `${table}@${cleanSnapshot}`, trusted: table, rules: RULES })).rejects.toThrow(
      'import: not supported for Iceberg tables',
    );
    expect(await fileStates(table)).toEqual(before);
  });
});
