/**
 * What the network fault campaign (fault-campaign.ts) works on, in one bucket of the faulty test S3
 * server, and the model of what each part must hold — kept up to date only from operations that
 * succeeded, so that a failed one can be checked to have changed nothing:
 * - `orders`, a partitioned Delta table (appends, merges, deletes, compaction, repack, vacuum,
 *   checkpoint, verify), modelled as its rows by id;
 * - `history`, a Delta table that only grows, modelled as its rows at each version (time travel);
 * - `staging/`, a Lakeside staging area compacted into `staging/delta`, and `lakeside/`, one compacted
 *   into its own layout (parquet/ + _lakeside_log/), each modelled as the record ids staged so far;
 * - `lakesync/`, LakeSync deltas materialised into `lakesync-out/todos` (the model: the engine's own
 *   resolution of the bucket, read through the clean endpoint);
 * - `archive/`, a DES archive, modelled as its entries' bytes and which are tombstoned.
 * Seeding and checking go through the clean endpoint; only the operations under test meet faults.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRandom, toCsv, toNdjson } from '../../core/demo/sample-data';
import { DeltaTable } from '../../core/formats/delta/table';
import { importFiles } from '../../core/ops/import';
import { SqlSession } from '../../core/sql/session';
import { FileCache } from '../../core/storage/cache';
import { mapWithConcurrency } from '../../core/storage/concurrency';
import { S3Store } from '../../core/storage/s3';
import { canonicalRows } from './crash-checks';
import { queryTable } from './delta-rows';
import { writeShard } from './des-writer';
import { assertNoDuplicateCommit, loggedCommits } from './log-commits';
import type { S3TestServer } from './s3server';

export const BUCKET = 'camp';
const PARTITIONS = ['a', 'b', 'c', 'd'];
const HOURS = ['2026-11-23T08', '2026-11-23T09'];
const DES_SHARDS = 4;
const DES_ENTRIES_PER_SHARD = 8;

export interface OrderRow {
  id: number;
  p: string;
  amount: number;
}

export interface World {
  server: S3TestServer;
  /** Local folder for input files. */
  dir: string;
  random: () => number;
  /** A store at `prefix` of the bucket through the clean endpoint. */
  clean(prefix: string): S3Store;
  /** A cache for reading remote tables in checks. */
  cache: FileCache;
  orders: Map<number, OrderRow>;
  /** Rows of `history` at each version. */
  history: OrderRow[][];
  nextId: number;
  /** Record ids staged so far in `staging/` and in `lakeside/`. */
  staged: number[];
  lakesideStaged: number[];
  nextRecord: number;
  lakesyncFiles: number;
  /** Tables created by `import` (create): their expected rows. */
  created: Map<string, OrderRow[]>;
  des: { bytes: Map<string, Buffer>; tombstoned: Set<string> };
}

export const location = (prefix: string): string => `s3://${BUCKET}/${prefix}`;

export function orderRows(rows: readonly (OrderRow | Record<string, unknown>)[]): string[] {
  return canonicalRows(rows.map((r) => ({ id: Number(r.id), p: String(r.p), amount: Number(r.amount) })));
}

/** Rows (id, p, amount) of a Delta table at `prefix`, as canonical strings. */
export async function tableRows(world: World, prefix: string): Promise<string[]> {
  return orderRows(await queryTable(world.clean(prefix), 'SELECT id, p, amount FROM t'));
}

/** A Delta table's latest version (-1 when there is none), after checking that no commit was applied twice. */
export async function checkedVersion(world: World, prefix: string): Promise<number> {
  const store = world.clean(prefix);
  if (!(await DeltaTable.exists(store))) return -1;
  const commits = await loggedCommits(store);
  assertNoDuplicateCommit(commits, store.url);
  return commits.at(-1)!.version;
}

function newRows(world: World, count: number): OrderRow[] {
  return Array.from({ length: count }, () => {
    const id = world.nextId++;
    return { id, p: PARTITIONS[id % PARTITIONS.length]!, amount: Math.round(world.random() * 1e5) / 100 };
  });
}

/** Writes rows as a CSV input file and answers its path. */
export async function csvInput(world: World, rows: OrderRow[]): Promise<string> {
  const file = path.join(world.dir, `input-${randomUUID()}.csv`);
  await writeFile(file, toCsv(rows.map((r) => ({ ...r }))));
  return file;
}

export function moreOrders(world: World, count: number): OrderRow[] {
  return newRows(world, count);
}

/** Stages `count` records `{id, amount}` under `prefix` (single-record .json files and one .ndjson); answers their ids. */
export async function stageRecords(world: World, prefix: string, count: number): Promise<number[]> {
  const store = world.clean(prefix);
  const records = Array.from({ length: count }, () => ({ id: world.nextRecord++, amount: Math.round(world.random() * 1e4) / 100 }));
  const hour = HOURS[Math.floor(world.random() * HOURS.length)]!;
  const singles = records.slice(0, Math.ceil(count / 2));
  const batch = records.slice(singles.length);
  await mapWithConcurrency(singles, 8, (r) => store.put(`data/order_ts_hour=${hour}/${randomUUID()}.json`, JSON.stringify(r)));
  if (batch.length) await store.put(`data/order_ts_hour=${hour}/${randomUUID()}.ndjson`, toNdjson(batch));
  return records.map((r) => r.id);
}

/** Appends a LakeSync delta file: inserts of new rows and updates and deletes of earlier ones. */
export async function addLakeSyncDeltas(world: World): Promise<void> {
  const n = world.lakesyncFiles++;
  const at = (Date.parse('2026-11-23T10:00:00Z') + n * 1000) * 65536;
  const deltas = [
    ...[0, 1].map((i) => ({ op: 'INSERT', table: 'todos', rowId: `r${n}-${i}`, clientId: 'camp', columns: [{ column: 'title', value: `todo ${n}.${i}` }, { column: 'n', value: n }], hlc: String(at + i), deltaId: `d${n}-${i}` })),
    ...(n > 0 ? [{ op: 'UPDATE', table: 'todos', rowId: `r${n - 1}-0`, clientId: 'camp', columns: [{ column: 'title', value: `updated by ${n}` }], hlc: String(at + 2), deltaId: `d${n}-u` }] : []),
    ...(n > 1 ? [{ op: 'DELETE', table: 'todos', rowId: `r${n - 2}-1`, clientId: 'camp', columns: [], hlc: String(at + 3), deltaId: `d${n}-d` }] : []),
  ];
  const envelope = { version: 1, gatewayId: 'gw', createdAt: new Date().toISOString(), hlcRange: { min: String(at), max: String(at + 3) }, deltaCount: deltas.length, byteSize: 0, deltas };
  await world.clean('lakesync').put(`deltas/2026-11-23/gw/todos-${at}-${at + 3}.json`, JSON.stringify(envelope));
}

/** The resolved LakeSync state, read by the engine through the clean endpoint. */
export async function lakesyncState(world: World): Promise<string[]> {
  const session = await SqlSession.create({ cache: world.cache, threads: 1 });
  try {
    await session.registerLakeSync(world.clean('lakesync'));
    return canonicalRows((await session.query('SELECT "rowId", title, n::DOUBLE AS n FROM todos')).rows);
  } finally {
    session.close();
  }
}

/** Builds every part of the world through the clean endpoint. */
export async function buildWorld(server: S3TestServer, dir: string, seed: number, cacheDir: string): Promise<World> {
  const clean = (prefix: string) =>
    new S3Store({ client: server.cleanClient, bucket: BUCKET, prefix, urlScheme: 's3', endpoint: server.cleanEndpoint });
  const world: World = {
    server,
    dir,
    random: seededRandom(seed),
    clean,
    cache: new FileCache(cacheDir, 1 << 30),
    orders: new Map(),
    history: [],
    nextId: 1,
    staged: [],
    lakesideStaged: [],
    nextRecord: 1,
    lakesyncFiles: 0,
    created: new Map(),
    des: { bytes: new Map(), tombstoned: new Set() },
  };
  await server.createBucket(BUCKET);
  for (let i = 0; i < 3; i++) {
    const rows = newRows(world, 12);
    await importFiles(clean('orders'), { inputs: [await csvInput(world, rows)], partitionBy: ['p'] });
    for (const row of rows) world.orders.set(row.id, row);
  }
  const first = newRows(world, 5);
  await importFiles(clean('history'), { inputs: [await csvInput(world, first)] });
  world.history.push(first);

  const schema = JSON.stringify({ fields: [{ name: 'id', type: 'INT64', repetitionType: 'REQUIRED' }, { name: 'amount', type: 'DOUBLE' }] });
  for (const prefix of ['staging', 'lakeside']) await clean(prefix).put('schema/schema.json', schema);
  world.staged.push(...(await stageRecords(world, 'staging', 10)));
  world.lakesideStaged.push(...(await stageRecords(world, 'lakeside', 10)));
  await addLakeSyncDeltas(world);

  const archive = clean('archive');
  for (let shard = 0; shard < DES_SHARDS; shard++) {
    const entries = Array.from({ length: DES_ENTRIES_PER_SHARD }, (_, i) => {
      const uid = String(shard + i * DES_SHARDS);
      const bytes = Buffer.from(Array.from({ length: 200 + Math.floor(world.random() * 800) }, () => Math.floor(world.random() * 256)));
      world.des.bytes.set(uid, bytes);
      return { uid, bytes, codec: (i % 2 ? 'zstd' : 'none') as 'zstd' | 'none' };
    });
    const name = `20261123_${shard.toString(16).toUpperCase().padStart(2, '0')}_0001`;
    const { shard: bytes, sidecar } = await writeShard(name, entries);
    await archive.put(`${name}.des`, bytes);
    await archive.put(`${name}.meta`, sidecar);
  }
  return world;
}
