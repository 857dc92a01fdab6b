/** Data quality checks on real tables: exact failing counts per check type, errors per check, the gate. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { checkTable, promoteTable } from '../../core/api/quality';
import { DeltaTable } from '../../core/formats/delta/table';
import { importFiles } from '../../core/ops/import';
import { parseRules, type QualityCheck } from '../../core/quality/rules';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';

let dir: string;
let api: LakebenchApi;
let dirty: string;
let clean: string;

const DIRTY_CSV = `id,status,amount,score,created
1,a,10,50,2020-01-01
2,b,-1,150,2020-01-02
3,a,0,-5,2020-01-03
3,x,5,20,2999-01-01
4,a,7,30,2020-01-05
5,y,,40,2020-01-06
5,b,3,,3000-05-05
5,,4,60,
6,a,-2,70,2020-01-09
,a,1,101,2020-01-10
`;
const CLEAN_CSV = `id,status,amount,score,created
1,a,6,50,2020-01-01
2,b,1,100,2020-01-02
3,a,2,0,2020-01-03
`;

/** One check of every type, each with a planted violation count in DIRTY_CSV. */
const RULES = `
- { name: id_unique, check_type: uniqueness, column_name: id }
- { name: id_present, check_type: not_null, column_name: id }
- { name: status_known, check_type: accepted_values, column_name: status, params: { accepted: [a, b] } }
- { name: amount_positive, check_type: positive, column_name: amount }
- { name: score_range, check_type: range, column_name: score, params: { min_value: 0, max_value: 100 } }
- { name: size, check_type: row_count_range, params: { min_count: 1, max_count: 5 } }
- { name: not_future, check_type: no_future_dates, column_name: created }
- { name: big_amounts, check_type: custom_sql, params: { sql: "SELECT * FROM t WHERE amount > 6" } }
`;
const EXPECTED_FAILING: Record<string, number> = {
  id_unique: 2, // 3 twice, 5 three times
  id_present: 1,
  status_known: 2, // x, y (the null is not counted)
  amount_positive: 3, // -1, 0, -2
  score_range: 3, // 150, -5, 101
  size: 1, // 10 rows > 5
  not_future: 2,
  big_amounts: 2, // 10, 7
};

async function table(name: string, csv: string): Promise<string> {
  const input = path.join(dir, `${name}.csv`);
  await writeFile(input, csv);
  const location = path.join(dir, name);
  await importFiles(new LocalStore(location), { inputs: [input] });
  return location;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-quality-'));
  api = createApi({ catalogPath: path.join(dir, 'catalog.sqlite'), cacheDir: path.join(dir, 'cache') });
  dirty = await table('dirty', DIRTY_CSV);
  clean = await table('clean', CLEAN_CSV);
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('quality checks', () => {
  it('counts the planted violations of every check type exactly, with samples', async () => {
    const report = await checkTable(api, { table: dirty, rules: parseRules(RULES, 'rules.yaml') });
    expect(Object.fromEntries(report.results.map((r) => [r.check_name, r.failing_rows]))).toEqual(EXPECTED_FAILING);
    expect(report.results.every((r) => r.status === 'failed' && r.total_rows === 10)).toBe(true);
    expect(report.passed).toBe(false);
    expect(report.version).toBe('0');
    const unique = report.results.find((r) => r.check_name === 'id_unique')!;
    expect(unique.failing_sample).toEqual([{ id: 5, occurrences: 3 }, { id: 3, occurrences: 2 }]);
    const range = report.results.find((r) => r.check_name === 'score_range')!;
    expect(range.failing_sample.map((row) => row.score).sort()).toEqual([-5, 101, 150]);
  });

  it('passes the same rules on a clean table (JSON rules)', async () => {
    const rules = parseRules(JSON.stringify(parseRules(RULES, 'r.yaml')), 'rules.json');
    const report = await checkTable(api, { table: clean, rules });
    expect(report.results.map((r) => [r.check_name, r.status, r.failing_rows])).toEqual(rules.map((c) => [c.name, 'passed', 0]));
    expect(report.passed).toBe(true);
  });

  it('reports an unknown type, a missing column, bad params, a SQL error and writing SQL per check while the others run', async () => {
    const rules: QualityCheck[] = [
      { name: 'weird', check_type: 'freshness' },
      { name: 'ghost', check_type: 'not_null', column_name: 'nope' },
      { name: 'no_bounds', check_type: 'range', column_name: 'score' },
      { name: 'broken_sql', check_type: 'custom_sql', params: { sql: 'SELECT no_such_column FROM t' } },
      { name: 'writes', check_type: 'custom_sql', params: { sql: 'DELETE FROM t' } },
      { name: 'two_statements', check_type: 'custom_sql', params: { sql: 'SELECT 1; SELECT 2' } },
      { name: 'still_runs', check_type: 'not_null', column_name: 'id' },
    ];
    const report = await checkTable(api, { table: dirty, rules });
    const byName = Object.fromEntries(report.results.map((r) => [r.check_name, r]));
    for (const name of ['weird', 'ghost', 'no_bounds', 'broken_sql', 'writes', 'two_statements']) expect(byName[name]!.status).toBe('error');
    expect(byName.weird!.details).toContain('unknown check_type "freshness"');
    expect(byName.ghost!.details).toContain('column "nope" is not in the table');
    expect(byName.writes!.details).toContain('one read-only SELECT');
    expect(byName.still_runs).toMatchObject({ status: 'failed', failing_rows: 1 });
    expect(await queryTable(new LocalStore(dirty), 'SELECT count(*)::INT AS n FROM t')).toEqual([{ n: 10 }]); // DELETE never ran
  });

  it('checks an older version, keeps results in the catalog and appends them to a Delta table', async () => {
    const more = path.join(dir, 'more.csv');
    await writeFile(more, 'id,status,amount,score,created\n7,a,1,1,2020-02-01\n');
    await importFiles(new LocalStore(dirty), { inputs: [more] });
    const resultsTable = path.join(dir, 'quality_results');
    const rules = parseRules(RULES, 'rules.yaml');
    const v0 = await checkTable(api, { table: `${dirty}@0`, rules, writeResults: resultsTable });
    expect(v0.version).toBe('0');
    expect(v0.results.find((r) => r.check_name === 'size')!.total_rows).toBe(10);
    const latest = await checkTable(api, { table: dirty, rules, writeResults: resultsTable });
    expect(latest.version).toBe('1');
    expect(latest.results.find((r) => r.check_name === 'size')!.total_rows).toBe(11);

    const stored = (await api.catalog()).listQualityResults({ tableName: new LocalStore(dirty).url, checkName: 'size' });
    expect(stored.slice(0, 2).map((r) => [r.tableVersion, r.total_rows])).toEqual([['1', 11], ['0', 10]]);
    const rows = await queryTable(new LocalStore(resultsTable), 'SELECT table_version, check_name, failing_rows FROM t WHERE check_name = \'amount_positive\' ORDER BY table_version');
    expect(rows).toEqual([{ table_version: 0, check_name: 'amount_positive', failing_rows: 3 }, { table_version: 1, check_name: 'amount_positive', failing_rows: 3 }]);
  });

  it('promotes a staging version only when every check passes', async () => {
    const trusted = path.join(dir, 'trusted');
    const rules = parseRules(RULES, 'rules.yaml');
    const refused = await promoteTable(api, { staging: dirty, trusted, rules });
    expect(refused.version).toBeUndefined();
    expect(refused.refused).toContain('did not pass');
    expect(await DeltaTable.exists(new LocalStore(trusted))).toBe(false);

    const promoted = await promoteTable(api, { staging: clean, trusted, rules });
    expect(promoted).toMatchObject({ version: 0, rowsPromoted: 3 });
    expect(await queryTable(new LocalStore(trusted), 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });
});

describe('lakebench check / promote', () => {
  it('prints the results as JSON and exits 1 on a failed check, 0 when all pass', async () => {
    const { runCli } = await import('../helpers/cli-process');
    const rules = path.join(dir, 'rules.yaml');
    await writeFile(rules, RULES);
    const env = { LAKEBENCH_HOME: path.join(dir, 'home') };
    const failed = await runCli(['check', `${dirty}@0`, '--rules', rules, '--json'], env);
    expect(failed.code).toBe(1);
    const { results } = JSON.parse(failed.stdout) as { results: { check_name: string; failing_rows: number }[] };
    expect(Object.fromEntries(results.map((r) => [r.check_name, r.failing_rows]))).toEqual(EXPECTED_FAILING);
    const passed = await runCli(['check', clean, '--rules', rules], env);
    expect(passed.code).toBe(0);
    expect(passed.stdout).toContain('8 passed, 0 failed, 0 error');
    const refused = await runCli(['promote', dirty, path.join(dir, 'trusted-cli'), '--rules', rules], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('not promoted, nothing written');
    const missing = await runCli(['check', clean, '--rules', path.join(dir, 'nope.yaml')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.yaml');
  });

  it('runs the rules saved in the app when no --rules is given, and says so when none are saved', async () => {
    const { runCli } = await import('../helpers/cli-process');
    const home = path.join(dir, 'home-saved');
    const saved = createApi({ catalogPath: path.join(home, 'catalog.sqlite'), cacheDir: path.join(home, 'cache') });
    (await saved.catalog()).saveQualityRules(saved.open({ location: dirty }).url, parseRules(RULES, 'rules'));
    await saved.close();
    const env = { LAKEBENCH_HOME: home };
    const failed = await runCli(['check', `${dirty}@0`, '--json'], env);
    expect(failed.code).toBe(1);
    const { results } = JSON.parse(failed.stdout) as { results: { check_name: string; failing_rows: number }[] };
    expect(Object.fromEntries(results.map((r) => [r.check_name, r.failing_rows]))).toEqual(EXPECTED_FAILING);
    const none = await runCli(['check', clean], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no rules saved for this table in the app');
  });
});
