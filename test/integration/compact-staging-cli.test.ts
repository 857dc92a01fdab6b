/** `lakebench compact-staging` as users run it: the plan with --dry-run, the report, --into, --json. */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../core/storage/local';
import { finished, ROOT, startCli } from '../helpers/cli-process';
import { buildPrivateCli, type PrivateCli } from '../helpers/crash-cli';
import { queryTable } from '../helpers/delta-rows';

let cli: PrivateCli;
let dir: string;

beforeAll(async () => {
  cli = await buildPrivateCli();
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-compact-staging-cli-'));
}, 120_000);
afterAll(async () => {
  await cli?.remove();
  await rm(dir, { recursive: true, force: true });
});

/** A private catalog, so the maintenance log of the test is not the user's. */
const run = (args: string[]) => finished(startCli(args, { LAKEBENCH_HOME: path.join(dir, 'home') }, cli.launcher));

describe('lakebench compact-staging', () => {
  it('prints the plan, then compacts the sample staging area into the table given with --into', async () => {
    const staging = path.join(dir, 'staging');
    const table = path.join(dir, 'orders-staged');
    await cp(path.join(ROOT, 'resources', 'sample-lake', 'staging'), staging, { recursive: true });

    const plan = await run(['compact-staging', staging, '--into', table, '--dry-run']);
    expect(plan.stderr).not.toMatch(/lakebench:/);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('dry run: nothing changed; would write 72 records from 15 files into 3 partitions');
    expect(plan.stdout).toContain('order_ts_hour=2026-11-23T09: 5 files, 24 records');

    const done = await run(['compact-staging', staging, '--into', table, '--json']);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ version: 0, records: 72, sourcesDeleted: 15, partitions: 3, quarantined: 0 });
    expect(done.stderr).toMatch(/^commit 1\/1/m);
    expect(await readdir(path.join(staging, 'data', 'order_ts_hour=2026-11-23T09'))).toEqual([]);
    const [count] = await queryTable(new LocalStore(table), 'SELECT count(*) AS n FROM t');
    expect(Number(count!.n)).toBe(72);

    const again = await run(['compact-staging', staging, '--into', table]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('nothing staged; nothing committed\n');
  });
});
