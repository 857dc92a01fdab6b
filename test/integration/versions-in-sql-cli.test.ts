/** `lakebench sql` with versions in the SQL text: two versions of one table joined and diffed in one query. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-process';
import { ROOT } from '../e2e/ui-harness';

let dir: string;
let lake: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-versions-sql-'));
  lake = path.join(dir, 'lake');
  await cp(path.join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
  env = { LAKEBENCH_HOME: path.join(dir, 'home') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sql = async (query: string, ...extra: string[]) => {
  const run = await runCli(['sql', query, '--lake', lake, '--json', ...extra], env);
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as Record<string, unknown>[];
};

describe('versions in SQL (CLI)', () => {
  it('reads orders at a version, at a time and at the latest in one query', async () => {
    const [row] = await sql(
      `select (select count(*) from orders@0) as v0, (select count(*) from "orders@1") as v1, (select count(*) from orders) as latest,
              (select count(*) from orders@${'2099-01-01T00:00:00Z'}) as at_time`,
    );
    expect(row).toEqual({ v0: 2000, v1: 2800, latest: 7581, at_time: 7581 });
  });

  it('joins and diffs two versions: the rows a DELETE removed', async () => {
    // v6 deleted the cancelled orders of v5.
    const [diff] = await sql(`select count(*) as gone, count(*) filter (where status <> 'cancelled') as other from (select * from orders@5 except all select * from orders@6)`);
    expect(diff).toEqual({ gone: 866, other: 0 });
    const [joined] = await sql('select count(*) as kept from orders@5 a join orders@6 b using (order_id)');
    expect(joined).toEqual({ kept: Number((await sql('select count(*) as n from orders@6'))[0]!.n) });
  });

  it('refuses a version of a table the query cannot see, naming it', async () => {
    const run = await runCli(['sql', 'select * from nothing@3', '--lake', lake], env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('nothing@3: no table named nothing');
  });
});
