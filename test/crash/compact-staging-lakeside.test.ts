/**
 * `compact-staging --lakeside` under SIGKILL: the built CLI is killed at each progress step (read, write,
 * upload — between the Parquet uploads and the log entry —, commit, and between the log entry and the
 * source deletes) and at random times, several times each, re-using one working copy until a run finishes.
 * After every run each staged record is exactly once in the bucket (compacted files the log holds live,
 * plus staged sources no committed run consumed), the log replays, no live file is missing and every
 * Parquet file the log does not hold is on the reconcile report; a last clean run empties the staging area
 * and `lakebench orphans` lists the files killed runs left without a log entry.
 *
 * The shared campaign harness (crash-harness.ts) checks Delta tables; this layout has its own checks.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../core/demo/sample-data';
import { readLakesideLog } from '../../core/formats/lakeside/log';
import { reconcileLakeside } from '../../core/formats/lakeside/reconcile';
import { queryRows, withScratchDb } from '../../core/ops/scratch-db';
import { listRuns } from '../../core/formats/lakeside/run-manifests';
import { quoteLiteral } from '../../core/sql-text';
import { LocalStore } from '../../core/storage/local';
import { finished, startCli } from '../helpers/cli-process';
import { canonicalRows, compareRows, filesOnDisk } from '../helpers/crash-checks';
import { buildPrivateCli, type PrivateCli } from '../helpers/crash-cli';
import { campaignSeed } from '../helpers/crash-harness';
import { runCli, type KillPlan } from '../helpers/crash-run';
import { stagingArea } from '../helpers/crash-scenarios';

/** The steps a clean run prints, each killed at this many times (the child keeps running until the signal lands). */
const STEPS = ['read:mid', 'write:end', 'upload:mid', 'upload:end', 'commit:start', 'commit:end', 'delete:mid'];
const KILLS_PER_STEP = 3;
const TIME_KILLS = 8;
const CAMPAIGN_TIMEOUT_MS = 10 * 60_000;

let cli: PrivateCli;
let root: string;

beforeAll(async () => {
  cli = await buildPrivateCli();
  root = await mkdtemp(join(tmpdir(), 'lakebench-crash-lakeside-'));
});
afterAll(async () => {
  await cli?.remove();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Records once each: those in live compacted files, and those staged that no committed run consumed. */
async function bucketRows(dir: string): Promise<string[]> {
  const store = new LocalStore(dir);
  const { live, entries } = await readLakesideLog(store);
  const committedRuns = new Set(entries.map((e) => e.metadata?.runId));
  const consumed = new Set(
    (await listRuns(store)).flatMap((run) => (run.manifest && committedRuns.has(run.manifest.runId) ? run.manifest.sources.map((s) => s.key) : [])),
  );
  const rows: Record<string, unknown>[] = [];
  if (live.size > 0) {
    const list = [...live.keys()].map((key) => quoteLiteral(join(dir, key))).join(', ');
    const compacted = await withScratchDb('crash-check', undefined, ({ connection }) =>
      queryRows(connection, `SELECT id, name, amount, order_ts_hour AS hour FROM read_parquet([${list}], hive_partitioning = true, hive_types_autocast = false)`),
    );
    rows.push(...compacted.map((r) => ({ ...r, id: Number(r.id) })));
  }
  for (const key of (await filesOnDisk(join(dir, 'data'))).map((k) => `data/${k}`)) {
    if (!/\.(nd)?json$/.test(key) || consumed.has(key)) continue;
    const hour = /order_ts_hour=([^/]+)/.exec(key)![1];
    for (const line of (await readFile(join(dir, key), 'utf8')).split('\n')) {
      if (line.trim()) rows.push({ ...(JSON.parse(line) as object), hour });
    }
  }
  return canonicalRows(rows);
}

/** The log replays, no live file is missing, and every Parquet file it does not hold is reported. */
async function checkBucket(dir: string): Promise<{ unlogged: string[] }> {
  const report = await reconcileLakeside(new LocalStore(dir));
  expect(report.missing).toEqual([]);
  const { live } = await readLakesideLog(new LocalStore(dir));
  const parquet = (await filesOnDisk(dir)).filter((key) => key.startsWith('parquet/'));
  expect(report.orphans.map((o) => o.key).sort()).toEqual(parquet.filter((key) => !live.has(key)).sort());
  expect(report.orphans.filter((o) => o.reason === 'removed')).toEqual([]);
  return { unlogged: report.orphans.map((o) => o.key) };
}

describe('compact-staging --lakeside under SIGKILL', () => {
  it('keeps every record exactly once and reports every unlogged file, whatever the moment of the kill', { timeout: CAMPAIGN_TIMEOUT_MS }, async () => {
    const seed = campaignSeed();
    const random = seededRandom(seed);
    const env = { LAKEBENCH_HOME: join(root, 'home'), TMPDIR: root };
    const fixture = join(root, 'fixture');
    await stagingArea(fixture);
    const pristine = await bucketRows(fixture);
    expect(pristine.length).toBeGreaterThan(200);

    let copies = 0;
    const freshCopy = async () => {
      const dir = join(root, `run-${++copies}`);
      await cp(fixture, dir, { recursive: true });
      return dir;
    };
    const args = (dir: string) => ['compact-staging', dir, '--lakeside'];
    const clean = await runCli(cli.launcher, args(await freshCopy()), env);
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect(clean.steps).toEqual(expect.arrayContaining(STEPS));

    const plans: KillPlan[] = [
      ...STEPS.flatMap((step) => Array.from({ length: KILLS_PER_STEP }, () => ({ kind: 'step' as const, step, jitterMs: 0 }))),
      ...Array.from({ length: TIME_KILLS }, () => ({ kind: 'time' as const, afterOutputMs: random() * clean.totalMs })),
    ];
    const seen = { unloggedLeft: 0, committedNotDeleted: 0, kills: 0 };
    let dir = await freshCopy();
    for (const plan of plans) {
      const logBefore = (await readLakesideLog(new LocalStore(dir))).entries.length;
      const unloggedBefore = (await reconcileLakeside(new LocalStore(dir))).orphans.length;
      const run = await runCli(cli.launcher, args(dir), env, plan);
      const context = `seed ${seed}, plan ${JSON.stringify(plan)}, killed=${run.killed} in ${run.phase}\n${run.stderr.slice(-1500)}`;
      if (!run.killed) expect(run.exitCode, context).toBe(0);
      compareRows(pristine, await bucketRows(dir));
      const { unlogged } = await checkBucket(dir);
      if (!run.killed) {
        dir = await freshCopy();
        continue;
      }
      seen.kills++;
      if (unlogged.length > unloggedBefore) seen.unloggedLeft++;
      const logAfter = (await readLakesideLog(new LocalStore(dir))).entries.length;
      const staged = (await filesOnDisk(join(dir, 'data'))).length;
      if (logAfter > logBefore && staged > 0) seen.committedNotDeleted++;
    }
    console.log(`lakeside crash campaign, seed ${seed}: ${seen.kills} kills of ${plans.length} runs; ` +
      `${seen.unloggedLeft} left unlogged Parquet, ${seen.committedNotDeleted} were after the log entry with sources left`);
    expect(seen.kills).toBeGreaterThan(plans.length / 2);
    expect(seen.unloggedLeft).toBeGreaterThan(0);
    expect(seen.committedNotDeleted).toBeGreaterThan(0);

    // A clean run finishes the job from whatever the last kills left.
    const last = await runCli(cli.launcher, args(dir), env);
    expect(last.exitCode, last.stderr).toBe(0);
    compareRows(pristine, await bucketRows(dir));
    expect(await filesOnDisk(join(dir, 'data'))).toEqual([]);
    expect(await listRuns(new LocalStore(dir))).toEqual([]);
    const { unlogged } = await checkBucket(dir);
    const orphans = await finished(startCli(['orphans', dir], env, cli.launcher));
    expect(orphans.code).toBe(0);
    for (const key of unlogged) expect(orphans.stdout).toContain(key);
    expect(orphans.stdout).toContain(`${unlogged.length} file${unlogged.length === 1 ? '' : 's'} not live in _lakeside_log`);
  });
});
