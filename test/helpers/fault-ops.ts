/**
 * The operation kinds of the network fault campaign (fault-campaign.ts): for each, the CLI arguments of a
 * run, what a failed run must leave as it was, and how a successful one is checked against the model of
 * fault-world.ts (which it then advances).
 */
import { createHash, randomUUID } from 'node:crypto';
import { isLakebenchError } from '../../core/errors';
import { readEntry } from '../../core/formats/des/archive';
import { listArchive } from '../../core/formats/des/listing';
import { listLakesideLog } from '../../core/formats/lakeside/log';
import { SqlSession } from '../../core/sql/session';
import type { CliRun } from './cli-process';
import { canonicalRows } from './crash-checks';
import { queryTable } from './delta-rows';
import {
  addLakeSyncDeltas,
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

export interface PreparedOp {
  args: string[];
  /** What a failed run must leave exactly as it was (read through the clean endpoint before and after). */
  state(): Promise<unknown>;
  /** Checks a successful run against the model (given the state before it) and advances the model. */
  succeeded(run: CliRun, before: unknown): Promise<void>;
}

export interface OpKind {
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

export const ordersModel = (world: World): string[] => orderRows([...world.orders.values()]);

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
