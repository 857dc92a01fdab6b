/** `lakebench orphans | vacuum | checkpoint | expire` as users run them: exit statuses, --json, text reports. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteWhere } from '../../core/ops/delete';
import { LocalStore } from '../../core/storage/local';
import { buildCli, runCli } from '../helpers/cli-process';
import { appendCsv, DAY, filesUnder, ids, setModified, setTableProperties } from '../helpers/maintenance-table';

let dir: string;
let table: string;
let env: Record<string, string>;
const STRAY = 'part-stray.parquet';

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-vacuum-cli-'));
  env = { LAKEBENCH_HOME: path.join(dir, 'home') };
  table = path.join(dir, 'table');
  const store = new LocalStore(table);
  await appendCsv(store, dir, 'id\n1\n2\n');
  await appendCsv(store, dir, 'id\n3\n');
  await deleteWhere(store, 'id = 3'); // v2 removes the second file
  await writeFile(path.join(table, STRAY), 'left by a failed write');
  await setModified(path.join(table, STRAY), Date.now() - 10 * DAY);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, env);

describe('lakebench orphans / vacuum / checkpoint / expire', () => {
  it('orphans: a text report and a --json document, filtered by --older-than', async () => {
    const text = await cli('orphans', table);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`${STRAY}\\s+22 B\\s+10d\\s+unreferenced`));
    expect(text.stdout).toContain('1 file, 22 B');

    const json = await cli('orphans', '--json', table, '--older-than', '30d');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ orphans: [], bytes: 0, olderThanMs: 30 * 24 * 3600_000 });
    expect((await cli('orphans', table, '--older-than', 'soon')).code).toBe(2);
  });

  it('vacuum: refuses a short retention with exit 2, dry-runs, then deletes only the old orphan', async () => {
    const refused = await cli('vacuum', table, '--retention', '1h');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing a vacuum retention of 1h');
    expect(refused.stderr).toContain('--force');

    const plan = await cli('vacuum', '--json', table, '--dry-run');
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout) as { deleted: { object: string; reason: string }[]; dryRun: boolean; retentionMs: number };
    expect(planned).toMatchObject({ dryRun: true, retentionMs: 7 * DAY, deleted: [{ object: path.join(table, STRAY), reason: 'orphan' }] });
    expect(await filesUnder(table)).toContain(STRAY);

    const run = await cli('vacuum', table);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('deleted 1 file (22 B) removed or written more than 7d ago');
    expect(await filesUnder(table)).not.toContain(STRAY);
    expect(await ids(new LocalStore(table))).toEqual([1, 2]);
  });

  it('checkpoint and expire: afterwards the log starts at the checkpoint, and time travel before it says so', async () => {
    const checkpoint = await cli('checkpoint', '--json', table);
    expect(checkpoint.code).toBe(0);
    expect(JSON.parse(checkpoint.stdout)).toEqual({ version: 2, object: path.join(table, '_delta_log', '00000000000000000002.checkpoint.parquet') });

    const nothing = await cli('expire', table);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toContain('nothing to expire (log retention 30d); oldest readable version: 0');

    // Commits made "40 days ago": everything before the latest version's checkpoint goes.
    for (const v of [0, 1, 2]) await setModified(path.join(table, '_delta_log', `${String(v).padStart(20, '0')}.json`), Date.now() - 40 * DAY);
    const dry = await cli('expire', table, '--dry-run');
    expect(dry.stdout).toContain('dry run: would delete 2 log entries older than 30d; oldest readable version: 2');
    const run = await cli('expire', '--json', table);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ oldestVersion: 2, dryRun: false, deleted: [expect.stringContaining('00000000000000000000.json'), expect.stringContaining('00000000000000000001.json')] });
    const travel = await cli('files', table, '--version', '0');
    expect(travel.code).toBe(1);
    expect(travel.stderr).toContain('version 0 is no longer readable');
    expect(travel.stderr).toContain('available versions: 2..2');
  });

  it('records every run in the maintenance log', async () => {
    const log = await cli('log', '--json', table);
    expect(log.code).toBe(0);
    const operations = (JSON.parse(log.stdout) as { operation: string }[]).map((e) => e.operation);
    expect(operations).toEqual(expect.arrayContaining(['orphans', 'vacuum', 'checkpoint', 'expire']));
  });
});

describe('retention flags', () => {
  it("apply as given, even at the default's value; absent, the table's property decides", async () => {
    const own = path.join(dir, 'with-property');
    const store = new LocalStore(own);
    await appendCsv(store, dir, 'id\n1\n');
    await setTableProperties(store, { 'delta.logRetentionDuration': 'interval 15 days' });
    const expire = async (...flags: string[]) => {
      const run = await runCli(['expire', '--json', own, '--dry-run', ...flags], { LAKEBENCH_HOME: path.join(dir, 'home-retention') });
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as { logRetentionMs: number }).logRetentionMs;
    };
    expect(await expire()).toBe(15 * DAY);
    expect(await expire('--log-retention', '30d')).toBe(30 * DAY);
  });
});
