/**
 * The network fault campaign of issue 15: operations of every kind run as the built CLI against the
 * faulty test S3 proxy (s3server.ts + s3-faults.ts) at a given fault rate, each checked against the
 * model of fault-world.ts:
 * - success (exit 0) → exactly the expected rows, at most the one new commit the operation makes;
 * - failure (exit ≠ 0) → what it could have changed exactly as before, and a clear `lakebench:` message
 *   (no stack trace);
 * - never a commit applied twice (txnIds and added paths unique in every log), never a hang: each run
 *   is bounded (killed after BOUND_MS).
 * A run's attempts per request are drawn from {2, 3, 6}, so that failures — and their cleanliness — are
 * exercised too, not only recovery. At the end, with faults off, verify finds every part clean.
 * Used by test/faults/*.test.ts (about a hundred operations per fault rate) and scripts/soak.ts.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isLakebenchError } from '../../core/errors';
import { verifyLocation } from '../../core/ops/verify/verify';
import { finished, startCli, type CliRun } from './cli-process';
import { OP_KINDS, ordersModel, type PreparedOp } from './fault-ops';
import { buildWorld, tableRows, type World } from './fault-world';
import { FAULT_KINDS, type FaultKind } from './s3-faults';
import { startS3Server } from './s3server';

/** A run still going after this long is a hang (the CLI's own --timeout is shorter). */
const BOUND_MS = 150_000;
const CLI_TIMEOUT = '120s';
const ATTEMPTS = ['2', '3', '6'];

export interface CampaignResult {
  rate: number;
  seed: number;
  attempted: number;
  ok: number;
  cleanFailures: number;
  dirty: { op: string; index: number; why: string }[];
  /** Requests the proxy saw while faults were on, and the faults it injected by kind. */
  requests: number;
  faults: Record<FaultKind, number>;
  /** Retries the CLI made, by operation kind (summed over its runs). */
  retries: Record<string, number>;
  /** Retries by why the attempt before failed. */
  causes: Record<string, number>;
  longest: { op: string; ms: number };
  wallMs: number;
}

export interface CampaignOptions {
  /** Share of requests that get a fault. */
  rate: number;
  operations: number;
  seed: number;
  /** A script running the CLI build to use (see crash-cli.ts); default bin/lakebench.mjs. */
  launcher?: string;
  /** Per-request timeouts of the CLI runs (short, so stalls cost little). */
  timeout: string;
  /** Upper bound of a latency fault. */
  latencyMs: number;
  log?: (line: string) => void;
}

function pick<T extends { weight: number }>(items: T[], random: () => number): T {
  let left = random() * items.reduce((sum, i) => sum + i.weight, 0);
  for (const item of items) if ((left -= item.weight) < 0) return item;
  return items.at(-1)!;
}

async function runBounded(args: string[], env: Record<string, string>, launcher?: string): Promise<CliRun & { hung: boolean; ms: number }> {
  const began = performance.now();
  const child = startCli(args, env, launcher);
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, BOUND_MS);
  const run = await finished(child);
  clearTimeout(timer);
  return { ...run, hung, ms: performance.now() - began };
}

/** Why a failed run's stderr is not a clear error, or undefined when it is. */
function unclearFailure(stderr: string): string | undefined {
  const lines = stderr.split('\n').filter((l) => !l.startsWith('lakebench: network: '));
  if (lines.some((l) => /^\s+at \S/.test(l))) return 'a stack trace';
  if (!lines.some((l) => /^lakebench: \S/.test(l))) return 'no "lakebench: …" message';
  return undefined;
}

function addCounts(into: Record<string, number>, from: Record<string, number> | undefined, prefix = ''): void {
  for (const [key, n] of Object.entries(from ?? {})) into[`${prefix}${key}`] = (into[`${prefix}${key}`] ?? 0) + n;
}

/** Runs one campaign on a fresh server and world; answers its figures (dirty runs are listed, not thrown). */
export async function runFaultCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const began = performance.now();
  const root = await mkdtemp(path.join(os.tmpdir(), `lakebench-faults-${Math.round(options.rate * 100)}-`));
  const server = await startS3Server({ conditionalWrites: true });
  const result: CampaignResult = {
    rate: options.rate,
    seed: options.seed,
    attempted: 0,
    ok: 0,
    cleanFailures: 0,
    dirty: [],
    requests: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    retries: {},
    causes: {},
    longest: { op: '', ms: 0 },
    wallMs: 0,
  };
  try {
    const inputs = path.join(root, 'inputs');
    await mkdir(inputs, { recursive: true });
    const world = await buildWorld(server, inputs, options.seed, path.join(root, 'check-cache'));
    const env = {
      ...server.env,
      LAKEBENCH_HOME: path.join(root, 'home'),
      TMPDIR: path.join(root, 'tmp'),
      LAKEBENCH_S3_FIRST_BYTE_TIMEOUT: options.timeout,
      LAKEBENCH_S3_IDLE_TIMEOUT: options.timeout,
      LAKEBENCH_DEBUG: '1',
    };
    await mkdir(env.TMPDIR, { recursive: true });
    server.setFaults({ rate: options.rate, seed: options.seed, latencyMs: options.latencyMs });
    for (let index = 0; index < options.operations; index++) {
      const kind = pick(OP_KINDS, world.random);
      const attempts = ATTEMPTS[Math.floor(world.random() * ATTEMPTS.length)]!;
      const dirty = (why: string) => result.dirty.push({ op: kind.name, index, why });
      let op: PreparedOp;
      let before: unknown;
      try {
        op = await kind.prepare(world);
        before = await op.state();
      } catch (e) {
        throw new Error(`campaign ${options.rate}/${options.seed}: preparing ${kind.name} #${index} failed: ${(e as Error).message}`, { cause: e });
      }
      const run = await runBounded([...op.args, '--timeout', CLI_TIMEOUT], { ...env, LAKEBENCH_S3_MAX_ATTEMPTS: attempts }, options.launcher);
      result.attempted++;
      if (run.ms > result.longest.ms) result.longest = { op: kind.name, ms: Math.round(run.ms) };
      const stats = /^lakebench: network: (.*)$/m.exec(run.stderr);
      if (stats) {
        const parsed = JSON.parse(stats[1]!) as { retries: Record<string, number>; causes: Record<string, number> };
        const total = Object.values(parsed.retries).reduce((a, b) => a + b, 0);
        addCounts(result.retries, { [kind.name]: total });
        addCounts(result.causes, parsed.causes);
      }
      const what = `${kind.name} #${index} (attempts ${attempts}, exit ${run.code ?? run.signal})`;
      try {
        if (run.hung) dirty(`still running after ${BOUND_MS / 1000} s`);
        else if (run.code === 0) {
          await op.succeeded(run, before);
          result.ok++;
        } else {
          const unclear = unclearFailure(run.stderr);
          const after = await op.state();
          if (unclear) dirty(`failed with ${unclear}: ${run.stderr.slice(-600)}`);
          else if (JSON.stringify(after) !== JSON.stringify(before)) dirty(`failed but changed what it works on: ${run.stderr.slice(-300)}`);
          else result.cleanFailures++;
        }
      } catch (e) {
        dirty(`${(e as Error).message}\n${run.stderr.slice(-600)}`);
      }
      if (index % 25 === 24) options.log?.(`${Math.round(options.rate * 100)}%: ${index + 1} ops, ${result.ok} ok, ${result.cleanFailures} clean failures, ${result.dirty.length} dirty; last ${what}`);
    }
    server.setFaults(undefined);
    result.requests = server.faultStats.requests;
    for (const kind of FAULT_KINDS) result.faults[kind] = server.faultStats.faults[kind];
    await finalChecks(world, result);
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
  result.wallMs = Math.round(performance.now() - began);
  return result;
}

/** Faults off: verify finds nothing wrong anywhere, and each part still reads as its model says. */
async function finalChecks(world: World, result: CampaignResult): Promise<void> {
  const dirty = (why: string) => result.dirty.push({ op: 'final', index: result.attempted, why });
  for (const prefix of ['orders', 'history', 'staging/delta', 'lakeside', 'lakesync-out/todos', 'archive']) {
    try {
      const report = await verifyLocation(world.clean(prefix), {});
      if (report.problems.length) dirty(`verify ${prefix}: ${report.problems.slice(0, 3).map((p) => `${p.kind} ${p.object}: ${p.detail}`).join('; ')}`);
    } catch (e) {
      // A part no operation managed to create yet (the first compaction failed every time) has nothing to verify.
      if (!isLakebenchError(e, 'NOT_A_TABLE')) dirty(`verify ${prefix}: ${(e as Error).message}`);
    }
  }
  const orders = await tableRows(world, 'orders');
  if (JSON.stringify(orders) !== JSON.stringify(ordersModel(world))) dirty('orders: rows differ from the model');
}

export function formatCampaign(r: CampaignResult): string {
  const faults = Object.entries(r.faults).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  const retries = Object.entries(r.retries).sort(([, a], [, b]) => b - a).map(([k, n]) => `${k} ${n}`).join(', ');
  const causes = Object.entries(r.causes).map(([k, n]) => `${k} ${n}`).join(', ');
  return (
    `fault rate ${Math.round(r.rate * 100)}% (seed ${r.seed}): ${r.attempted} operations, ${r.ok} ok, ${r.cleanFailures} clean failures, ${r.dirty.length} dirty, in ${(r.wallMs / 1000).toFixed(0)} s\n` +
    `  requests ${r.requests}, faults injected: ${faults}\n` +
    `  retries by operation: ${retries}\n  retries by cause: ${causes}\n` +
    `  longest operation: ${r.longest.op} ${(r.longest.ms / 1000).toFixed(1)} s` +
    (r.dirty.length ? `\n  dirty:\n${r.dirty.slice(0, 10).map((d) => `    ${d.op} #${d.index}: ${d.why}`).join('\n')}` : '')
  );
}
