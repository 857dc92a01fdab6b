/**
 * SIGKILL campaigns: runs a maintenance command as the built CLI (a real child process, the way users and
 * cron run it) and kills it at random moments, then checks that the table kept every row and that only
 * orphans are left over. Used by test/crash/*.test.ts (a few dozen kills per op) and scripts/soak.ts.
 *
 * Kill moments (crash-run.ts): a tenth in start-up, half at a random time across the work (up to 1.2×
 * a clean run's), the rest right at a progress step seen in the clean run, chosen uniformly, so narrow
 * windows (between upload and commit, between commit and deletes) get their share.
 *
 * One working copy of the fixture is re-used across runs until a run leaves nothing more to do, so later
 * runs also exercise recovery from the leftovers of earlier kills.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../core/demo/sample-data';
import { checkTable, compareRows, finalVacuum, tableVersion } from './crash-checks';
import { runCli, type CliRunResult, type KillPlan } from './crash-run';

/** What a scenario must keep, captured before a run. */
export interface Expectation {
  /** The table's latest version (-1 when there is no table yet). */
  version: number;
  /** Canonical rows (see canonicalRows) when the run does not commit. */
  rows: string[];
  /** Canonical rows when it does (differs only for ops that delete rows, like repack --purge-where). */
  rowsIfCommitted: string[];
}

export interface CrashScenario {
  /** The command, e.g. `compact`. */
  name: string;
  /** Writes the pristine fixture into `dir` (once per campaign; runs work on copies of it). */
  build(dir: string): Promise<void>;
  /** CLI arguments of one run against the working copy `dir`. */
  args(dir: string): string[];
  /** The Delta table the command commits to, inside `dir`. */
  table(dir: string): string;
  /** The canonical rows `dir` holds (for compact-staging: the table's and those still staged). */
  rows(dir: string): Promise<string[]>;
  /** Rows expected after a committed run, read before it (default: the same rows). */
  rowsIfCommitted?(dir: string): Promise<string[]>;
  /** Whether a run that ended this way leaves nothing more to do, so the next run needs a fresh copy. */
  exhausted(run: RunRecord): boolean;
  /** Throws when a run that completed left work undone (checked after the final clean run). */
  finished?(dir: string): Promise<void>;
  /**
   * For what is not a Delta table (a DES archive): a number that grows with every commit, the check after
   * each run, and the final cleanup. Defaults: the table's version, checkTable and finalVacuum.
   */
  version?(dir: string): Promise<number>;
  check?(dir: string): Promise<void>;
  cleanup?(dir: string): Promise<void>;
}

/** How one run ended and where it was when killed. */
export interface RunRecord extends CliRunResult {
  kill?: KillPlan;
  /** Whether the table's version moved during the run. */
  committed: boolean;
}

export interface CampaignOptions {
  kills: number;
  seed: number;
  /** The CLI to run (see crash-cli.ts). */
  launcher: string;
  /** Progress lines for long runs (soak). */
  log?: (line: string) => void;
  /** Where working copies live (default: local folders). */
  site?: CrashSite;
}

/** Where a campaign's runs work: local folders, or copies on an S3 server (s3-crash-site.ts). */
export interface CrashSite {
  /** A fresh working copy of the fixture folder, answered as the location the runs get. */
  copy(fixture: string, name: string): Promise<string>;
  /** Drops a working copy. */
  remove(location: string): Promise<void>;
  /** What the CLI runs need in their environment to reach it. */
  env: Record<string, string>;
}

/** Working copies as folders under `root`, copied file by file. */
function localSite(root: string): CrashSite {
  return {
    async copy(fixture, name) {
      const dir = join(root, name);
      await copyTree(fixture, dir);
      return dir;
    },
    remove: (dir) => rm(dir, { recursive: true, force: true }),
    env: {},
  };
}

export interface CampaignSummary {
  op: string;
  seed: number;
  kills: number;
  /** Runs that finished before their kill was due. */
  completed: number;
  /** Kills by the phase of the last progress line, `+committed` when the commit had landed. */
  phases: Record<string, number>;
  /** Kills by plan: startup, time, step. */
  plans: Record<string, number>;
  /** Calibration: a clean run's duration, when it printed its first progress line, and its steps. */
  cleanRunMs: number;
  firstOutputMs: number;
  steps: string[];
  wallMs: number;
}

/** Shares of kills in start-up and at a random time; the rest are at a progress step. */
const STARTUP_SHARE = 0.1;
const TIME_SHARE = 0.5;
/** Random-time kills are drawn up to this multiple of a clean run's working time, so some land at the very end. */
const OVERSHOOT = 1.2;
/** A step kill lands this much after the step's line at most: the child keeps running meanwhile. */
const STEP_JITTER_MS = 15;
/** Runs per wanted kill before giving up (kills that come too late do not count). */
const MAX_RUNS_PER_KILL = 3;

/** A fresh seed, or CRASH_SEED from the environment to replay a failed campaign. */
export function campaignSeed(): number {
  const fromEnv = process.env.CRASH_SEED;
  return fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
}

const increment = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

/**
 * Kills `scenario`'s command `options.kills` times, checking the table after each run, then lets one run
 * finish, checks again and vacuums (retention 0) down to the log and live files. Throws on the first
 * broken invariant with the seed, the run and what broke.
 */
export async function runCrashCampaign(scenario: CrashScenario, options: CampaignOptions): Promise<CampaignSummary> {
  const began = performance.now();
  const random = seededRandom(options.seed);
  const root = await mkdtemp(join(tmpdir(), `lakebench-crash-${scenario.name}-`));
  const site = options.site ?? localSite(root);
  // The CLI's catalog and its DuckDB scratch folders (left behind by killed runs) stay inside root.
  const env = { ...site.env, LAKEBENCH_HOME: join(root, 'home'), TMPDIR: join(root, 'tmp') };
  await mkdir(env.TMPDIR, { recursive: true });
  const fixture = join(root, 'fixture');
  let copies = 0;
  // Each copy gets a new location: in-process snapshot caches are keyed by location.
  const freshCopy = (): Promise<string> => site.copy(fixture, `${scenario.name}-run-${++copies}-${options.seed}`);
  const summary: CampaignSummary = {
    op: scenario.name,
    seed: options.seed,
    kills: 0,
    completed: 0,
    phases: {},
    plans: {},
    cleanRunMs: 0,
    firstOutputMs: 0,
    steps: [],
    wallMs: 0,
  };
  const fail = (what: string, run?: RunRecord, cause?: unknown): Error =>
    new Error(
      `${scenario.name} crash campaign (seed ${options.seed}; replay with CRASH_SEED=${options.seed}), ` +
        `after ${summary.kills} kills: ${what}` +
        (run
          ? `\nlast run: ${run.killed ? `killed (${JSON.stringify(run.kill)})` : 'not killed'} in phase ${run.phase}, ` +
            `exit ${run.exitCode}, committed=${run.committed}\nstderr:\n${run.stderr.slice(-2000)}`
          : ''),
      { cause },
    );

  /** One run of the command against `dir` holding `before`, then every check. */
  const runAndCheck = async (dir: string, before: Expectation, kill?: KillPlan): Promise<RunRecord> => {
    const ended = await runCli(options.launcher, scenario.args(dir), env, kill);
    const run: RunRecord = { ...ended, kill, committed: (await versionOf(scenario, dir)) > before.version };
    if (!run.killed && run.exitCode !== 0) throw fail('the command failed on its own', run);
    try {
      await checkRows(scenario, dir, run.committed ? before.rowsIfCommitted : before.rows);
      await (scenario.check ? scenario.check(dir) : checkTable(scenario.table(dir)));
    } catch (e) {
      throw fail((e as Error).message, run, e);
    }
    return run;
  };

  try {
    await scenario.build(fixture);
    // Every copy starts out as the fixture; after a run the checks proved the rows, so the expectation
    // is read again only when a commit changed them.
    const pristine = await expectationOf(scenario, fixture);
    const calibration = await runAndCheck(await freshCopy(), pristine);
    summary.cleanRunMs = calibration.totalMs;
    summary.firstOutputMs = calibration.firstOutputMs;
    summary.steps = [...new Set(calibration.steps)];
    const workMs = Math.max(1, calibration.totalMs - calibration.firstOutputMs);
    const drawPlan = (): KillPlan => {
      const r = random();
      if (r < STARTUP_SHARE || summary.steps.length === 0) return { kind: 'startup', atMs: random() * calibration.firstOutputMs };
      if (r < STARTUP_SHARE + TIME_SHARE) return { kind: 'time', afterOutputMs: random() * workMs * OVERSHOOT };
      return { kind: 'step', step: summary.steps[Math.floor(random() * summary.steps.length)]!, jitterMs: random() * STEP_JITTER_MS };
    };

    let dir = await freshCopy();
    let before = pristine;
    for (let runs = 0; summary.kills < options.kills; runs++) {
      if (runs >= options.kills * MAX_RUNS_PER_KILL) throw fail(`only ${summary.kills} of ${runs} runs were killed`);
      const run = await runAndCheck(dir, before, drawPlan());
      if (run.killed) {
        summary.kills++;
        increment(summary.phases, run.committed ? `${run.phase}+committed` : run.phase);
        increment(summary.plans, run.kill!.kind);
      } else {
        summary.completed++;
      }
      if (!run.killed || scenario.exhausted(run)) {
        await site.remove(dir);
        dir = await freshCopy();
        before = pristine;
      } else if (run.committed) {
        before = await expectationOf(scenario, dir);
      }
      if (runs % 50 === 49) options.log?.(`${scenario.name}: ${summary.kills} kills, ${summary.completed} completed`);
    }

    // The last working copy holds whatever the last kill left: a clean run must finish the job from there.
    await runAndCheck(dir, before);
    const rows = await scenario.rows(dir);
    try {
      await scenario.finished?.(dir);
      await (scenario.cleanup ? scenario.cleanup(dir) : finalVacuum(scenario.table(dir)));
      await checkRows(scenario, dir, rows);
    } catch (e) {
      throw fail(`after the final clean run and vacuum: ${(e as Error).message}`, undefined, e);
    }
    summary.wallMs = performance.now() - began;
    return summary;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Copies a folder tree with parallel file copies (fs.cp copies one file at a time: 10× slower here). */
async function copyTree(from: string, to: string): Promise<void> {
  const files = (await readdir(from, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const targets = files.map((e) => join(to, relative(from, join(e.parentPath, e.name))));
  await Promise.all([...new Set(targets.map(dirname))].map((dir) => mkdir(dir, { recursive: true })));
  await Promise.all(files.map((e, i) => copyFile(join(e.parentPath, e.name), targets[i]!)));
}

async function expectationOf(scenario: CrashScenario, dir: string): Promise<Expectation> {
  const rows = await scenario.rows(dir);
  return {
    version: await versionOf(scenario, dir),
    rows,
    rowsIfCommitted: scenario.rowsIfCommitted ? await scenario.rowsIfCommitted(dir) : rows,
  };
}

const versionOf = (scenario: CrashScenario, dir: string): Promise<number> => (scenario.version ? scenario.version(dir) : tableVersion(scenario.table(dir)));

async function checkRows(scenario: CrashScenario, dir: string, expected: string[]): Promise<void> {
  compareRows(expected, await scenario.rows(dir));
}

const byCount = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');

/** Prints a campaign summary as a few lines (test output and soak). */
export function formatSummary(s: CampaignSummary): string {
  return (
    `${s.op}: ${s.kills} kills (+${s.completed} runs finished first) in ${(s.wallMs / 1000).toFixed(1)} s, seed ${s.seed}; ` +
    `clean run ${s.cleanRunMs.toFixed(0)} ms (first progress at ${s.firstOutputMs.toFixed(0)} ms)\n` +
    `  killed in phase: ${byCount(s.phases)}\n  kill plans: ${byCount(s.plans)}`
  );
}
