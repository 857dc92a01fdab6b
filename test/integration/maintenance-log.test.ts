/**
 * The maintenance log through LakebenchApi.maintenance (ok, failed, cancelled and "problems" runs with
 * their counts) and `maintain` (compact → checkpoint → expire → vacuum) on a table of many small files,
 * through the CLI handlers `maintain` and `log`.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { maintainLogged } from '../../core/api/maintenance-jobs';
import type { MaintainFlags } from '../../core/cli/maintenance-program';
import { log, maintain } from '../../core/cli/commands/maintain';
import type { CliContext, CommandOutput } from '../../core/cli/context';
import { isLakebenchError } from '../../core/errors';
import { compactTable } from '../../core/ops/compact';
import type { MaintainResult } from '../../core/ops/maintain';
import { findOrphans } from '../../core/ops/orphans';
import { vacuumTable } from '../../core/ops/vacuum';
import { LocalStore } from '../../core/storage/local';
import { buildCli, runCli } from '../helpers/cli-process';
import { failure } from '../helpers/failure';
import { appendCsv, DAY, filesUnder, ids } from '../helpers/maintenance-table';

const SMALL_FILES = 8;
const BIG = 128 * 1024 * 1024;

let dir: string;
let tableDir: string;
let store: LocalStore;
let api: LakebenchApi;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-maintenance-log-'));
  tableDir = path.join(dir, 'table');
  store = new LocalStore(tableDir);
  api = createApi({ catalogPath: path.join(dir, 'catalog.sqlite'), cacheDir: path.join(dir, 'cache') });
  for (let i = 0; i < SMALL_FILES; i++) await appendCsv(store, dir, `id,v\n${2 * i},a${i}\n${2 * i + 1},b${i}\n`);
});
afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

const where = () => ({ location: tableDir });
const tableLog = () => api.maintenanceLog(where());
const parquetFiles = async () => (await filesUnder(tableDir)).filter((f) => f.endsWith('.parquet') && !f.startsWith('_delta_log/'));

/** A CLI context over this test's API, capturing stdout and stderr. */
function cli(): CliContext & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { json: false, location: {}, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), api: async () => api, stdout, stderr };
}

function output(outcome: CommandOutput | number): CommandOutput {
  if (typeof outcome === 'number') throw new Error(`the command exited with ${outcome}`);
  return outcome;
}

describe('LakebenchApi.maintenance records every run', () => {
  it('an ok run: status, details, duration, retained versions and live files before and after', async () => {
    const result = await api.maintenance('compact', where(), (s) => compactTable(s, { targetSize: BIG, minFiles: 2 }));
    expect(result.version).toBe(SMALL_FILES);
    const [entry, ...rest] = await tableLog();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      tableName: store.url,
      operation: 'compact',
      status: 'ok',
      snapshotsBefore: SMALL_FILES,
      snapshotsAfter: SMALL_FILES + 1,
      filesBefore: SMALL_FILES,
      filesAfter: 1,
      versionBefore: String(SMALL_FILES - 1),
      versionAfter: String(SMALL_FILES),
      dryRun: false,
      details: { version: SMALL_FILES, filesRemoved: SMALL_FILES, filesAdded: 1 },
    });
    expect(entry.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(entry.executedAt)).not.toBeNaN();
    expect(entry.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('a dry run is recorded as one, from the flag or from the result', async () => {
    await api.maintenance('compact', where(), (s) => compactTable(s, { targetSize: BIG, minFiles: 2, dryRun: true }), { dryRun: true });
    await api.maintenance('vacuum', where(), (s) => vacuumTable(s, { retentionMs: 7 * DAY, dryRun: true }));
    const entries = await tableLog();
    expect(entries.map((e) => [e.operation, e.dryRun, e.filesBefore, e.filesAfter])).toEqual([
      ['vacuum', true, SMALL_FILES, SMALL_FILES],
      ['compact', true, SMALL_FILES, SMALL_FILES],
    ]);
  });

  it('a failed run: the error is rethrown and recorded with its code; nothing changed', async () => {
    const error = await failure(api.maintenance('vacuum', where(), (s) => vacuumTable(s, { retentionMs: 3600_000 })));
    expect(isLakebenchError(error, 'USAGE')).toBe(true);
    const [entry] = await tableLog();
    expect(entry).toMatchObject({
      operation: 'vacuum',
      status: 'failed',
      details: { error: (error as Error).message, code: 'USAGE' },
      snapshotsBefore: SMALL_FILES,
      snapshotsAfter: SMALL_FILES,
      filesBefore: SMALL_FILES,
      filesAfter: SMALL_FILES,
    });
  });

  it('a cancelled run: recorded as cancelled, the table as it was', async () => {
    const abort = new AbortController();
    const error = await failure(
      api.maintenance('compact', where(), (s) =>
        compactTable(s, { targetSize: BIG, minFiles: 2, signal: abort.signal, onProgress: () => abort.abort() }),
      ),
    );
    expect(isLakebenchError(error, 'CANCELLED')).toBe(true);
    const [entry] = await tableLog();
    expect(entry).toMatchObject({ operation: 'compact', status: 'cancelled', snapshotsAfter: SMALL_FILES, filesAfter: SMALL_FILES });
    expect((entry.details as { error: string }).error).toBe((error as Error).message);
  });

  it('orphans that found something is "problems"; none found is "ok"', async () => {
    await api.maintenance('orphans', where(), (s) => findOrphans(s, { olderThanMs: 0 }));
    await writeFile(path.join(tableDir, 'part-left-by-a-failed-write.parquet'), 'x');
    await api.maintenance('orphans', where(), (s) => findOrphans(s, { olderThanMs: 0 }));
    expect((await tableLog()).map((e) => e.status)).toEqual(['problems', 'ok']);
  });

  it('a location that is not a Delta table has no counts', async () => {
    const folder = path.join(dir, 'plain');
    await mkdir(folder);
    const error = await failure(api.maintenance('compact', { location: folder }, (s) => compactTable(s, { targetSize: BIG, minFiles: 2 })));
    expect(error).toBeInstanceOf(Error);
    const [entry] = await api.maintenanceLog({ location: folder });
    expect(entry).toMatchObject({ status: 'failed', snapshotsBefore: null, snapshotsAfter: null, filesBefore: null, filesAfter: null });
  });
});

describe('maintain: compact → checkpoint → expire → vacuum', () => {
  const flags = (over: Partial<MaintainFlags> = {}): MaintainFlags => ({
    targetSize: BIG,
    minFiles: 2,
    ...over,
  });

  it('--dry-run shows each step\'s plan, logs each as a dry run under one run id, and changes nothing', async () => {
    const files = await filesUnder(tableDir);
    const ctx = cli();
    const { result, text, exitCode } = output(await maintain(ctx, tableDir, flags({ dryRun: true })));
    expect(exitCode).toBeUndefined();
    expect(text).toMatch(/compact\s+ok\s+1 partition, 8 files .* → 1 file/);
    expect(text).toMatch(/checkpoint\s+ok\s+would write a checkpoint at v7/);
    expect(text).toMatch(/vacuum\s+ok\s+would delete 0 files/);
    expect(text).toContain('dry run: nothing was changed');
    expect(result).toMatchObject({ dryRun: true, compact: { plan: [{ files: SMALL_FILES, outputFiles: 1 }] }, vacuum: { dryRun: true, deleted: [] } });
    expect((result as MaintainResult).compact?.version).toBeUndefined();
    expect(await filesUnder(tableDir)).toEqual(files);

    const entries = await tableLog();
    expect(entries.map((e) => e.operation)).toEqual(['vacuum', 'expire', 'checkpoint', 'compact']);
    expect(new Set(entries.map((e) => e.runId))).toEqual(new Set([(result as { runId: string }).runId]));
    for (const e of entries) expect(e).toMatchObject({ status: 'ok', dryRun: true, snapshotsBefore: SMALL_FILES, snapshotsAfter: SMALL_FILES });
    // Progress: each step announces itself, then its own phases carry its name.
    const progress = ctx.stderr.join('');
    for (const step of ['compact', 'checkpoint', 'expire', 'vacuum']) expect(progress).toMatch(new RegExp(`^${step} 0/0$`, 'm'));
    expect(progress).toMatch(/^compact: \w+ \d+\/\d+$/m);
  });

  it('on many small files: fewer files, one more version, old log and files gone, rows unchanged', async () => {
    const rows = await ids(store);
    expect(await parquetFiles()).toHaveLength(SMALL_FILES);
    // Forty days on: every log entry and removed file is past the retentions.
    const result = await maintainLogged(api, where(), {
      targetSize: BIG,
      minFiles: 2,
      retentionMs: 7 * DAY,
      logRetentionMs: 30 * DAY,
      now: Date.now() + 40 * DAY,
    });
    expect(result.failed).toBeUndefined();
    expect(result.compact).toMatchObject({ version: SMALL_FILES, filesRemoved: SMALL_FILES, filesAdded: 1 });
    expect(result.checkpoint).toMatchObject({ version: SMALL_FILES, dryRun: false });
    expect(result.vacuum?.deleted).toHaveLength(SMALL_FILES);
    expect(await ids(store)).toEqual(rows);
    expect(await parquetFiles()).toHaveLength(1);

    const byOperation = Object.fromEntries((await tableLog()).map((e) => [e.operation, e]));
    expect(byOperation.compact).toMatchObject({ filesBefore: SMALL_FILES, filesAfter: 1, snapshotsBefore: SMALL_FILES, snapshotsAfter: SMALL_FILES + 1 });
    expect(byOperation.checkpoint).toMatchObject({ snapshotsBefore: SMALL_FILES + 1, snapshotsAfter: SMALL_FILES + 1 });
    // Expired up to the new checkpoint: only its version is still readable.
    expect(byOperation.expire).toMatchObject({ snapshotsBefore: SMALL_FILES + 1, snapshotsAfter: 1 });
    expect(byOperation.vacuum).toMatchObject({ status: 'ok', filesBefore: 1, filesAfter: 1 });
    expect(new Set(Object.values(byOperation).map((e) => e.runId)).size).toBe(1);
  });

  it('stops at the first failed step, says which, exits 1, and logs it', async () => {
    const { result, text, exitCode } = output(await maintain(cli(), tableDir, flags({ retention: 3600_000 })));
    expect(exitCode).toBe(1);
    expect(text).toMatch(/vacuum\s+FAILED/);
    expect(text).toMatch(/maintain stopped at vacuum: /);
    expect(result).toMatchObject({ failed: { step: 'vacuum', code: 'USAGE' }, compact: { version: SMALL_FILES } });
    expect((await tableLog()).map((e) => [e.operation, e.status])).toEqual([
      ['vacuum', 'failed'],
      ['expire', 'ok'],
      ['checkpoint', 'ok'],
      ['compact', 'ok'],
    ]);
  });

  it('`log` lists runs newest first, for one table or all, with --limit', async () => {
    await maintain(cli(), tableDir, flags({ dryRun: true }));
    const one = output(await log(cli(), tableDir, { limit: 2 }));
    expect((one.result as { operation: string }[]).map((e) => e.operation)).toEqual(['vacuum', 'expire']);
    expect(one.text.split('\n')[0]).toMatch(/^executed\s+operation\s+status\s+version\s+versions\s+files\s+ms\s+summary$/);
    expect(one.text).toMatch(/vacuum\s+ok \(dry run\)\s+7 → 7\s+8 → 8\s+8 → 8/);
    const all = output(await log(cli(), undefined, { limit: 50 }));
    expect(all.text.split('\n')[0]).toMatch(/^executed\s+table\s+operation/);
    expect(all.result).toHaveLength(4);
  });
});

describe('the built CLI: maintain and log', () => {
  it('runs `maintain --dry-run --json` and lists its steps with `log --json`; a bad flag is a usage error', async () => {
    buildCli();
    const env = { LAKEBENCH_HOME: path.join(dir, 'home') };
    const planned = await runCli(['maintain', tableDir, '--dry-run', '--min-files', '2', '--json'], env);
    expect(planned.code).toBe(0);
    const result = JSON.parse(planned.stdout) as MaintainResult & { runId: string };
    expect(result).toMatchObject({ dryRun: true, compact: { plan: [{ files: SMALL_FILES }] } });

    const listed = await runCli(['log', tableDir, '--limit', '3', '--json'], env);
    expect(listed.code).toBe(0);
    const entries = JSON.parse(listed.stdout) as { operation: string; runId: string; dryRun: boolean }[];
    expect(entries.map((e) => [e.operation, e.runId, e.dryRun])).toEqual([
      ['vacuum', result.runId, true],
      ['expire', result.runId, true],
      ['checkpoint', result.runId, true],
    ]);

    const bad = await runCli(['maintain', tableDir, '--retention', 'soon'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a duration: "soon"');
  });
});
