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
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isLakebenchError } from '../../core/errors';
import { readEntry } from '../../core/formats/des/archive';
import { listArchive } from '../../core/formats/des/listing';
import { listLakesideLog } from '../../core/formats/lakeside/log';
import { verifyLocation } from '../../core/ops/verify/verify';
import { SqlSession } from '../../core/sql/session';
import { finished, startCli } from './cli-process';
import { canonicalRows } from './crash-checks';
import { queryTable } from './delta-rows';
import {
  addLakeSyncDeltas,
  buildWorld,
  checkedVersion,
  csvInput,
  lakesyncState,
  location,
  moreOrders,
  orderRows,
  stageRecords,
  tableRows,
  type OrderRow,
  type World,
} from './fault-world';
import { FAULT_KINDS, type FaultKind } from './s3-faults';
import { startS3Server } from './s3server';
import type { CliRun } from './cli-process';

/** A run still going after this long is a hang (the CLI's own --timeout is shorter). */
const BOUND_MS = 150_000;
const CLI_TIMEOUT = '120s';
const ATTEMPTS = ['2', '3', '6'];

interface PreparedOp {
  args: string[];
  /** What a failed run must leave exactly as it was (read through the clean endpoint before and after). */
  state(): Promise<unknown>;
  /** Checks a successful run against the model (given the state before it) and advances the model. */
  succeeded(run: CliRun, before: unknown): Promise<void>;
}

interface OpKind {
  name: string;
  weight: number;
  prepare(world: World): Promise<PreparedOp>;
}

interface DeltaState {
  version: number;
  rows: string[];
}

/** A Delta table's version and rows (read by `rows`; default: the orders columns). */
const deltaState = (world: World, prefix: string, rows = () => tableRows(world, prefix)) => async (): Promise<DeltaState> => {
  const version = await checkedVersion(world, prefix);
  return { version, rows: version < 0 ? [] : await rows() };
};

/** Rows of a Delta table as canonical strings of the columns `sql` selects (from view `t`). */
async function selectRows(world: World, prefix: string, sql: string): Promise<string[]> {
  return canonicalRows(await queryTable(world.clean(prefix), sql));
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e.slice(0, 400)}, found ${a.slice(0, 400)}`);
}

/** A commit of the op moved the version by at most `most` (and at least `least`). */
function expectNewVersions(before: DeltaState, after: DeltaState, least: number, most: number): void {
  const moved = after.version - before.version;
  if (moved < least || moved > most) throw new Error(`the version moved by ${moved} (from ${before.version} to ${after.version}), expected ${least}–${most}`);
}

const ordersModel = (world: World): string[] => orderRows([...world.orders.values()]);

/** A Delta op on `orders` that keeps its rows (maintenance), moving the version by at most `most`. */
function maintenance(name: string, weight: number, args: (world: World) => string[], most: number): OpKind {
  return {
    name,
    weight,
    async prepare(world) {
      const state = deltaState(world, 'orders');
      return {
        args: args(world),
        state,
        async succeeded(_run, before) {
          const after = await state();
          expectNewVersions(before as DeltaState, after, 0, most);
          expectEqual('rows', after.rows, ordersModel(world));
        },
      };
    },
  };
}

/** An import into `orders` of `rows` (append or merge by id), one commit. */
function ordersImport(world: World, rows: OrderRow[], merge: boolean): Promise<PreparedOp> {
  const state = deltaState(world, 'orders');
  return csvInput(world, rows).then((file) => ({
    args: ['import', location('orders'), file, ...(merge ? ['--mode', 'merge', '--key', 'id'] : [])],
    state,
    async succeeded(_run, before) {
      for (const row of rows) world.orders.set(row.id, row);
      const after = await state();
      expectNewVersions(before as DeltaState, after, 1, 1);
      expectEqual('rows', after.rows, ordersModel(world));
    },
  }));
}

/** Staged record ids in a table or Lakeside bucket, sorted, as the check reads them. */
const sortedIds = (ids: number[]): number[] => [...ids].sort((a, b) => a - b);

async function lakesideCompactedIds(world: World): Promise<number[]> {
  const session = await SqlSession.create({ cache: world.cache, threads: 1 });
  try {
    await session.registerLakeside('ls', world.clean('lakeside'));
    return sortedIds((await session.query('SELECT id FROM ls_compacted')).rows.map((r) => Number(r.id)));
  } finally {
    session.close();
  }
}

/** Every DES entry as a reader finds it: its sha256, or why it cannot be read. */
async function desState(world: World): Promise<Record<string, string>> {
  const store = world.clean('archive');
  const listing = await listArchive(store);
  const seen: Record<string, string> = {};
  for (const uid of world.des.bytes.keys()) {
    try {
      seen[uid] = createHash('sha256').update((await readEntry(store, uid, { listing })).bytes).digest('hex');
    } catch (e) {
      if (!isLakebenchError(e, 'NOT_FOUND')) throw e;
      seen[uid] = /tombstoned/.test(e.message) ? 'tombstoned' : 'gone';
    }
  }
  return seen;
}

/** What the model says every DES entry must read as. */
function desModel(world: World, repacked: boolean): Record<string, string> {
  return Object.fromEntries(
    [...world.des.bytes].map(([uid, bytes]) => [
      uid,
      world.des.tombstoned.has(uid) ? (repacked ? 'gone' : 'tombstoned') : createHash('sha256').update(bytes).digest('hex'),
    ]),
  );
}

export const OP_KINDS: OpKind[] = [
  {
    name: 'import-create',
    weight: 1,
    async prepare(world) {
      const prefix = `new-${randomUUID().slice(0, 8)}`;
      const rows = moreOrders(world, 8);
      const state = deltaState(world, prefix);
      return {
        args: ['import', location(prefix), await csvInput(world, rows), '--partition-by', 'p'],
        state,
        async succeeded() {
          const after = await state();
          expectEqual('version', after.version, 0);
          expectEqual('rows', after.rows, orderRows(rows));
        },
      };
    },
  },
  { name: 'import-append', weight: 2, prepare: (world) => ordersImport(world, moreOrders(world, 6), false) },
  {
    name: 'import-merge',
    weight: 2,
    prepare(world) {
      const ids = [...world.orders.keys()];
      const updates = Array.from({ length: 3 }, () => world.orders.get(ids[Math.floor(world.random() * ids.length)]!)!)
        .filter((row, i, all) => all.findIndex((r) => r.id === row.id) === i)
        .map((row) => ({ ...row, amount: Math.round(world.random() * 1e5) / 100 }));
      return ordersImport(world, [...updates, ...moreOrders(world, 2)], true);
    },
  },
  {
    name: 'delete',
    weight: 2,
    async prepare(world) {
      const [m, r] = [7, Math.floor(world.random() * 7)];
      const state = deltaState(world, 'orders');
      const matching = [...world.orders.values()].filter((row) => row.id % m === r && row.id > 3);
      return {
        args: ['delete', location('orders'), '--where', `id % ${m} = ${r} AND id > 3`],
        state,
        async succeeded(_run, before) {
          for (const row of matching) world.orders.delete(row.id);
          const after = await state();
          expectNewVersions(before as DeltaState, after, matching.length ? 1 : 0, matching.length ? 1 : 0);
          expectEqual('rows', after.rows, ordersModel(world));
        },
      };
    },
  },
  maintenance('compact', 2, () => ['compact', location('orders'), '--target-size', '1MB', '--min-files', '2'], 1),
  maintenance('repack', 1, () => ['repack', location('orders'), '--recompress', 'zstd:3'], 1),
  maintenance('vacuum', 1, () => ['vacuum', location('orders'), '--retention', '0', '--force'], 0),
  maintenance('checkpoint', 1, () => ['checkpoint', location('orders')], 0),
  {
    name: 'verify',
    weight: 1,
    async prepare(world) {
      return {
        args: ['verify', location('orders'), '--json'],
        state: deltaState(world, 'orders'),
        async succeeded(run) {
          expectEqual('problems', (JSON.parse(run.stdout) as { problems: unknown[] }).problems, []);
        },
      };
    },
  },
  {
    name: 'history-append',
    weight: 1,
    async prepare(world) {
      const rows = moreOrders(world, 3);
      const state = deltaState(world, 'history');
      return {
        args: ['import', location('history'), await csvInput(world, rows)],
        state,
        async succeeded(_run, before) {
          world.history.push([...world.history.at(-1)!, ...rows]);
          const after = await state();
          expectNewVersions(before as DeltaState, after, 1, 1);
          expectEqual('rows', after.rows, orderRows(world.history.at(-1)!));
        },
      };
    },
  },
  {
    name: 'time-travel',
    weight: 2,
    async prepare(world) {
      const version = Math.floor(world.random() * world.history.length);
      return {
        args: ['sql', 'select id, p, amount from t', '--table', `t=${location('history')}@${version}`, '--json'],
        state: deltaState(world, 'history'),
        async succeeded(run) {
          expectEqual(`rows at version ${version}`, orderRows(JSON.parse(run.stdout) as Record<string, unknown>[]), orderRows(world.history[version]!));
        },
      };
    },
  },
  {
    name: 'compact-staging',
    weight: 2,
    async prepare(world) {
      world.staged.push(...(await stageRecords(world, 'staging', 8)));
      const state = deltaState(world, 'staging/delta', () => selectRows(world, 'staging/delta', 'SELECT id::BIGINT AS id, amount FROM t'));
      return {
        args: ['compact-staging', location('staging')],
        state,
        async succeeded(_run, before) {
          const after = await state();
          expectNewVersions(before as DeltaState, after, 0, 1);
          const ids = sortedIds(after.rows.map((r) => Number((JSON.parse(r) as { id: number }).id)));
          expectEqual('staged record ids in the table', ids, sortedIds(world.staged));
        },
      };
    },
  },
  {
    name: 'lakeside',
    weight: 1,
    async prepare(world) {
      world.lakesideStaged.push(...(await stageRecords(world, 'lakeside', 8)));
      const state = async () => ({ log: (await listLakesideLog(world.clean('lakeside'))).map((e) => e.key), ids: await lakesideCompactedIds(world) });
      return {
        args: ['compact-staging', location('lakeside'), '--lakeside'],
        state,
        async succeeded(_run, before) {
          const after = await state();
          const moved = after.log.length - (before as { log: string[] }).log.length;
          if (moved !== 1) throw new Error(`the _lakeside_log grew by ${moved} entries, not 1`);
          expectEqual('compacted record ids', after.ids, sortedIds(world.lakesideStaged));
        },
      };
    },
  },
  {
    name: 'lakesync-compact',
    weight: 1,
    async prepare(world) {
      await addLakeSyncDeltas(world);
      const state = deltaState(world, 'lakesync-out/todos', () => selectRows(world, 'lakesync-out/todos', 'SELECT "rowId", title, n::DOUBLE AS n FROM t'));
      return {
        args: ['lakesync', 'compact', location('lakesync'), '--into', location('lakesync-out')],
        state,
        async succeeded(_run, before) {
          const after = await state();
          expectNewVersions(before as DeltaState, after, 1, 1);
          expectEqual('materialised rows', after.rows, await lakesyncState(world));
        },
      };
    },
  },
  {
    name: 'des-tombstone',
    weight: 1,
    async prepare(world) {
      const live = [...world.des.bytes.keys()].filter((uid) => !world.des.tombstoned.has(uid));
      const uid = live[Math.floor(world.random() * live.length)]!;
      return {
        args: ['des', 'tombstone', location('archive'), uid, '--reason', 'campaign', '--by', 'campaign'],
        state: () => desState(world),
        async succeeded() {
          world.des.tombstoned.add(uid);
          expectEqual('entries', await desState(world), desModel(world, false));
        },
      };
    },
  },
  {
    name: 'des-repack',
    weight: 1,
    async prepare(world) {
      return {
        args: ['des', 'repack', location('archive'), '--min-deletion-ratio', '0.01', '--grace', '0'],
        state: () => desState(world),
        async succeeded() {
          expectEqual('entries', await desState(world), desModel(world, true));
          for (const uid of world.des.tombstoned) world.des.bytes.delete(uid);
          world.des.tombstoned.clear();
        },
      };
    },
  },
];

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
