/**
 * Every Delta fixture written by other implementations reads with the expected content at every listed
 * version, through SqlSession views (local tables, files read in place).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { SqlSession } from '../../core/sql/session';
import { quoteIdent, quoteLiteral } from '../../core/sql-text';
import { LocalStore } from '../../core/storage/local';
import { FIXTURES } from '../helpers/fixtures';
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** From fixtures/README.md: one column's values per version (order not significant). */
const DELTA_RS: { table: string; column: string; versions: Record<number, (number | string)[]> }[] = [
  { table: 'simple_table', column: 'id', versions: { 0: range(0, 4), 1: range(0, 19), 2: range(5, 9), 3: [5, 7, 9, 106, 108], 4: [5, 7, 9] } },
  { table: 'delta-0.8.0', column: 'value', versions: { 0: range(0, 4), 1: [0, 1, 2, 4] } },
  { table: 'delta-0.2.0', column: 'value', versions: { 0: [1, 2, 3], 1: [1, 1, 2, 2, 3, 3], 2: [1, 2, 3], 3: [1, 1, 2, 2, 3, 3] } },
  { table: 'simple_table_with_checkpoint', column: 'version', versions: { 10: [0, 0, ...range(1, 9)] } },
  { table: 'delta-0.8.0-partitioned', column: 'value', versions: { 0: ['1', '2', '3', '6', '7', '5', '4'] } },
  // v1 is a DELETE that added a deletion vector (rows 0 and 9) to the only file.
  { table: 'table-with-dv-small', column: 'value', versions: { 0: range(0, 9), 1: range(1, 8) } },
];

const sorted = (values: unknown[]) => [...values].map((v) => JSON.stringify(v)).sort();

let session: SqlSession;
beforeAll(async () => {
  session = await SqlSession.create({ threads: 2 });
});
afterAll(() => session?.close());

async function register(name: string, dir: string, version?: number) {
  return session.registerDelta(name, await DeltaTable.open(new LocalStore(dir)), version === undefined ? undefined : { version });
}

describe('delta-rs fixtures', () => {
  for (const { table, column, versions } of DELTA_RS) {
    for (const [version, expected] of Object.entries(versions)) {
      it(`${table} v${version}`, async () => {
        const snapshot = await register('t', path.join(FIXTURES, 'delta-rs', table), Number(version));
        expect(snapshot.version).toBe(Number(version));
        const { rows } = await session.query(`SELECT ${quoteIdent(column)} AS c FROM t`);
        expect(sorted(rows.map((r) => r.c))).toEqual(sorted(expected));
      });
    }
  }

  it('delta-0.8.0-partitioned: partition columns come from the log', async () => {
    await register('t', path.join(FIXTURES, 'delta-rs/delta-0.8.0-partitioned'));
    const { rows } = await session.query(`SELECT value, year, month, day FROM t WHERE year = '2021' AND month = '12' ORDER BY value`);
    expect(rows).toEqual([
      { value: '5', year: '2021', month: '12', day: '4' },
      { value: '6', year: '2021', month: '12', day: '20' },
      { value: '7', year: '2021', month: '12', day: '20' },
    ]);
  });

  it('delta-0.8.0-null-partition: a null partition value reads as NULL', async () => {
    await register('t', path.join(FIXTURES, 'delta-rs/delta-0.8.0-null-partition'));
    const { rows } = await session.query('SELECT k, v FROM t ORDER BY v');
    expect(rows).toEqual([
      { k: 'A', v: 1 },
      { k: null, v: 2 },
    ]);
    expect((await session.query('SELECT count(*) AS n FROM t WHERE k IS NULL')).rows).toEqual([{ n: 1 }]);
  });

});

/** Rows of the view `t` against the rows of `expected` (same columns, cast to the view's types), as a multiset. */
async function compareWithExpected(contentGlob: string) {
  const { columns } = await session.query('SELECT * FROM t LIMIT 0');
  const casts = columns.map((c) => `CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ');
  await session.run(`CREATE OR REPLACE VIEW expected AS SELECT ${casts} FROM read_parquet(${quoteLiteral(contentGlob)})`);
  const counts = await session.query(
    `SELECT (SELECT count(*) FROM t) AS actual, (SELECT count(*) FROM expected) AS expected,
            (SELECT count(*) FROM (SELECT * FROM t EXCEPT ALL SELECT * FROM expected)) AS unexpected,
            (SELECT count(*) FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM t)) AS missing`,
  );
  return counts.rows[0];
}

/** Delta's golden tables (written by Delta Spark's test suite): expected/*.parquet holds the latest version's rows. */
describe('golden tables', () => {
  const cases = readdirSync(path.join(FIXTURES, 'golden'));
  it('has cases', () => expect(cases.length).toBeGreaterThan(0));
  for (const name of cases.filter((c) => existsSync(path.join(FIXTURES, 'golden', c, 'expected')))) {
    it(`${name} reads exactly its expected rows`, async () => {
      await register('t', path.join(FIXTURES, 'golden', name, 'delta'));
      const row = await compareWithExpected(path.join(FIXTURES, 'golden', name, 'expected', '*.parquet'));
      expect(row.actual).toBeGreaterThan(0);
      expect(row).toEqual({ actual: row.expected, expected: row.expected, unexpected: 0, missing: 0 });
    });
  }

  it('canonicalized-paths-normal-a: a remove of file:/x retires the add of /x, so no file is live', async () => {
    const snapshot = await register('t', path.join(FIXTURES, 'golden/canonicalized-paths-normal-a/delta'));
    expect(snapshot.version).toBe(1);
    expect(snapshot.files).toEqual([]);
    expect((await session.query('SELECT count(*) AS n FROM t')).rows).toEqual([{ n: 0 }]);
  });

  it('dv-partitioned-with-checkpoint: history marks the deletes that only added deletion vectors', async () => {
    const history = await (await DeltaTable.open(new LocalStore(path.join(FIXTURES, 'golden/dv-partitioned-with-checkpoint/delta')))).history();
    const onlyDvs = history.filter((c) => c.onlyDeletionVectors).map((c) => c.version).sort((a, b) => a - b);
    // v1–v8, v14, v15 re-add a file with a (bigger) DV; v9, v11–v13 remove a file whole; v0 and v10 add files.
    expect(onlyDvs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]);
  });

  it('dv-partitioned-with-checkpoint: every version reads the rows its deletes left', async () => {
    const dir = path.join(FIXTURES, 'golden/dv-partitioned-with-checkpoint/delta');
    // v0 wrote 50 rows; each later commit deleted one (v1..v15: col1 = 0, 2, …, 28).
    for (const version of [0, 1, 6, 9, 10, 11, 15]) {
      await register('t', dir, version);
      const { rows } = await session.query('SELECT count(*) AS n, count(*) FILTER (WHERE col1 IN (SELECT 2 * range FROM range(15))) AS gone FROM t');
      expect(rows).toEqual([{ n: 50 - version, gone: 15 - version }]);
    }
  });
});

/** dat cases: expected/<latest|vN>/table_content.parquet compared as a multiset of rows, in the view's types. */
describe('dat fixtures', () => {
  const cases = readdirSync(path.join(FIXTURES, 'dat'));
  it('has cases', () => expect(cases.length).toBeGreaterThan(0));
  for (const name of cases) {
    const caseDir = path.join(FIXTURES, 'dat', name);
    for (const expectedDir of readdirSync(path.join(caseDir, 'expected'))) {
      it(`${name} ${expectedDir}`, async () => {
        const meta = JSON.parse(readFileSync(path.join(caseDir, 'expected', expectedDir, 'table_version_metadata.json'), 'utf8'));
        const version = expectedDir === 'latest' ? undefined : Number(expectedDir.slice(1));
        const snapshot = await register('t', path.join(caseDir, 'delta'), version);
        expect(snapshot.version).toBe(meta.version);

        const row = await compareWithExpected(path.join(caseDir, 'expected', expectedDir, 'table_content.parquet', '*.parquet'));
        expect(row.actual).toBeGreaterThan(0);
        expect(row).toEqual({ actual: row.expected, expected: row.expected, unexpected: 0, missing: 0 });
      });
    }
  }

  it('with_schema_change: a column added later reads as NULL for old files', async () => {
    // v0 has one schema; v1 overwrote it (overwriteSchema). Check both versions name the right columns.
    const dir = path.join(FIXTURES, 'dat/with_schema_change/delta');
    const v0 = await register('t', dir, 0);
    const v0Columns = (await session.query('SELECT * FROM t LIMIT 0')).columns.map((c) => c.name);
    expect(v0Columns).toEqual(v0.schema.fields.map((f) => f.name));
    const latest = await register('t', dir);
    const latestColumns = (await session.query('SELECT * FROM t LIMIT 0')).columns.map((c) => c.name);
    expect(latestColumns).toEqual(latest.schema.fields.map((f) => f.name));
  });
});
