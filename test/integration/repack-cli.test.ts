/** `lakebench repack` as users run it: --json documents, text reports, exit statuses. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../core/storage/local';
import { buildCli, runCli } from '../helpers/cli-process';
import { queryTable } from '../helpers/delta-rows';
import { tableWithHistory } from '../helpers/repack-tables';

let dir: string;
let table: string;
let marker: string;
let env: Record<string, string>;

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-repack-cli-'));
  env = { LAKEBENCH_HOME: path.join(dir, 'home') };
  table = path.join(dir, 'table');
  ({ marker } = await tableWithHistory(new LocalStore(table), dir));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, env);

describe('lakebench repack', () => {
  it('refuses to run without an operation or with --purge alone (exit 2), naming the fix', async () => {
    const none = await cli('repack', table);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--purge-where, --drop-corrupt or --recompress');
    const purgeOnly = await cli('repack', table, '--purge');
    expect(purgeOnly.code).toBe(2);
    expect(purgeOnly.stderr).toContain('--purge needs --purge-where');
    expect((await cli('repack', table, '--recompress', 'zstd:40')).code).not.toBe(0);
  });

  it('prints the plan of a dry run and changes nothing', async () => {
    const run = await cli('repack', table, '--purge-where', `note = '${marker}'`, '--purge', '--dry-run');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('dry run: nothing changed');
    expect(run.stdout).toContain('rows purged: 1');
    expect(run.stdout).toMatch(/would delete 2 objects/);
    expect(await queryTable(new LocalStore(table), `SELECT count(*) AS n FROM t WHERE note = '${marker}'`)).toEqual([{ n: 1 }]);
  });

  it('recompresses with --json: one JSON document on stdout, progress on stderr', async () => {
    const run = await cli('repack', table, '--recompress', 'zstd:7', '--json');
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { version: number; filesRewritten: number; dryRun: boolean };
    expect(result).toMatchObject({ version: 5, dryRun: false, rowsPurged: 0, quarantined: [], purgedObjects: [] });
    expect(result.filesRewritten).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/recompress \d+\/\d+/);
  });

  it('purges with a text report listing the deleted objects, and logs the run', async () => {
    const run = await cli('repack', table, '--purge-where', `note = '${marker}'`, '--purge');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^committed version 6: 1 files replaced by 1/);
    expect(run.stdout).toMatch(/deleted \d+ objects:/);
    expect(run.stdout).toContain('_delta_log/00000000000000000000.json');
    const log = await cli('log', table);
    expect(log.code).toBe(0);
    expect(log.stdout).toContain('repack');
  });
});
