/** `lakebench compact` as users run it: plan, commit, JSON result, usage errors, the maintenance log. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { importFiles } from '../../core/ops/import';
import { LocalStore } from '../../core/storage/local';
import { buildCli, runCli } from '../helpers/cli-process';

let work: string;
let table: string;
let env: Record<string, string>;
const cli = (args: string[]) => runCli(args, env);

beforeAll(async () => {
  buildCli();
  work = await mkdtemp(join(tmpdir(), 'lakebench-compact-cli-'));
  env = { LAKEBENCH_HOME: join(work, 'home') };
  table = join(work, 'orders');
  for (let i = 0; i < 4; i++) {
    const input = join(work, `${i}.csv`);
    await writeFile(input, `id,region,v\n${i},eu,${i}\n${i + 10},us,${i}\n`);
    await importFiles(new LocalStore(table), { inputs: [input], partitionBy: ['region'] });
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('lakebench compact', () => {
  it('prints the plan on --dry-run and commits nothing', async () => {
    const run = await cli(['compact', table, '--min-files', '3', '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/region=eu\s+4\s/);
    expect(run.stdout).toMatch(/region=us\s+4\s/);
    expect(run.stdout).toContain('dry run: nothing changed');
    expect(await (await DeltaTable.open(new LocalStore(table))).latestVersion()).toBe(3);
  });

  it('refuses --where on a data column with exit 2, naming it', async () => {
    const run = await cli(['compact', table, '--where', 'v > 1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"v" is a data column');
  });

  it('compacts with --where and --json, reports progress on stderr, and logs the run', async () => {
    const run = await cli(['compact', table, '--min-files', '3', '--where', "region = 'eu'", '--sort-by', 'id', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { version: number; filesRemoved: number; filesAdded: number; plan: unknown[] };
    expect(result).toMatchObject({ version: 4, filesRemoved: 4, filesAdded: 1, plan: [{ partition: { region: 'eu' }, files: 4, outputFiles: 1 }] });
    expect(run.stderr).toContain('write 1/1');
    expect(run.stderr).toContain('commit 1/1');

    const log = await cli(['log', table, '--json']);
    expect(log.code).toBe(0);
    const entries = JSON.parse(log.stdout) as { operation: string; status: string; filesBefore: number; filesAfter: number }[];
    expect(entries.filter((e) => e.operation === 'compact').map((e) => [e.status, e.filesBefore, e.filesAfter])).toContainEqual(['ok', 8, 5]);
  });

  it('takes --scratch-limit as a size, refuses one a bin cannot fit by its partition, and reports bytes moved', async () => {
    const bad = await cli(['compact', table, '--scratch-limit', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a size: "lots"');

    const tooSmall = await cli(['compact', table, '--min-files', '3', '--where', "region = 'us'", '--scratch-limit', '1KB']);
    expect(tooSmall.code).toBe(2);
    expect(tooSmall.stderr).toMatch(/partition region=us: a bin of [\d.]+ KB of input files needs [\d.]+ KB of scratch space .* more than --scratch-limit 1 KB/);
    expect(await (await DeltaTable.open(new LocalStore(table))).latestVersion()).toBe(4);

    const run = await cli(['compact', table, '--min-files', '3', '--where', "region = 'us'", '--scratch-limit', '10GB', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { version: number; bytesRemoved: number; scratchHighWaterBytes: number };
    expect(result).toMatchObject({ version: 5 });
    expect(result.scratchHighWaterBytes).toBeGreaterThan(0);
    // A local table's inputs are read in place: nothing downloaded, the written file uploaded (moved into the table).
    expect(run.stderr).toMatch(/transfer downloaded 0 B of [\d.]+ KB, uploaded [\d.]+ K?B \(scratch 0 B\)\n/);
  });
});
