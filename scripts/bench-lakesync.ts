/**
 * `tsx scripts/bench-lakesync.ts`: LakeSync resolution speed against raw DuckDB, measured in the same run.
 *
 *   lakesync_resolve_ratio  SqlSession.registerLakeSync over a bucket of 1M deltas (100k rows, 10 JSON
 *                           envelopes; INSERTs, partial UPDATEs and DELETEs with out-of-order HLCs) plus a
 *                           count/checksum over the resulting view ÷ one hand-written DuckDB window-function
 *                           query doing the same resolution over the same files (read_json)
 *
 * Both must give the same count and checksum. Rounds alternate so load drift hits both; the first round only
 * warms up, and medians of the others are reported.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SqlSession } from '../core/sql/session';
import { quoteLiteralList } from '../core/sql-text';
import { LocalStore } from '../core/storage/local';
import { median, report } from './bench-report';

const ROWS = 100_000;
const DELTAS = 1_000_000;
const FILES = 10;
const CLIENTS = 8;
const ROUNDS = 4;
const WALL = Date.parse('2026-11-23T10:00:00.000Z');

/** A deterministic PRNG (mulberry32), so every run resolves the same bucket. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes the envelopes. Delta i gets a slot from a random permutation: its wall time is slot / CLIENTS and
 * its client slot % CLIENTS, so HLCs are out of order across and within files, several clients share an
 * HLC (the clientId tie-break decides), and no (hlc, client) pair repeats (the winner is always defined).
 */
async function makeBucket(bucket: string): Promise<void> {
  const next = random(42);
  const slots = Array.from({ length: DELTAS }, (_, i) => i);
  for (let i = DELTAS - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  const columnsOf = (kind: 0 | 1): { column: string; value: unknown }[] => {
    const all = [
      { column: 'title', value: `title-${Math.floor(next() * 1e6)}` },
      { column: 'qty', value: Math.round(next() * 10_000) / 100 },
      { column: 'done', value: next() < 0.5 },
    ];
    if (kind === 0) return all;
    const some = all.filter(() => next() < 0.4); // an UPDATE carries only the columns it changes
    return some.length > 0 ? some : [all[Math.floor(next() * all.length)]!];
  };
  const folder = path.join(bucket, 'deltas', '2026-11-23', 'gw-bench');
  await mkdir(folder, { recursive: true });
  const perFile = DELTAS / FILES;
  for (let file = 0; file < FILES; file++) {
    const deltas = [];
    for (let i = file * perFile; i < (file + 1) * perFile; i++) {
      const slot = slots[i]!;
      const hlc = String((BigInt(WALL + Math.floor(slot / CLIENTS)) << 16n) | BigInt(slot % 7));
      const rowId = `r${i < ROWS ? i : Math.floor(next() * ROWS)}`;
      const roll = next();
      const op = i < ROWS || roll < 0.1 ? 'INSERT' : roll < 0.2 ? 'DELETE' : 'UPDATE';
      const columns = op === 'DELETE' ? [] : columnsOf(op === 'INSERT' ? 0 : 1);
      deltas.push({ op, table: 'items', rowId, clientId: `client-${slot % CLIENTS}`, columns, hlc, deltaId: `d${i}` });
    }
    const hlcs = deltas.map((d) => BigInt(d.hlc));
    const [min, max] = [hlcs.reduce((a, b) => (a < b ? a : b)), hlcs.reduce((a, b) => (a > b ? a : b))];
    const envelope = { version: 1, gatewayId: 'gw-bench', createdAt: new Date(WALL).toISOString(), hlcRange: { min: String(min), max: String(max) }, deltaCount: deltas.length, byteSize: 0, deltas };
    await writeFile(path.join(folder, `items-${min}-${max}.json`), JSON.stringify(envelope));
  }
}

const CHECKSUM = `SELECT count(*)::VARCHAR AS n, sum(hash("rowId", title, qty, done))::VARCHAR AS checksum`;

/**
 * The baseline: the resolution rule of formats.md §3 written once by hand for this schema. Per row, the
 * newest DELETE; per (row, column) the newest cell after it (tie: higher clientId); rows with a live cell.
 */
function baselineQuery(files: string[]): string {
  return `
    WITH deltas AS (
      SELECT unnest(deltas) AS d FROM read_json(${quoteLiteralList(files)}, format = 'auto', maximum_object_size = 1000000000,
        columns = {deltas: 'STRUCT(op VARCHAR, "table" VARCHAR, "rowId" VARCHAR, "clientId" VARCHAR, hlc VARCHAR, columns STRUCT("column" VARCHAR, value JSON)[])[]'})),
    cells AS (
      SELECT d."table" AS tbl, d."rowId" AS row_id, d."clientId" AS client_id, CAST(d.hlc AS BIGINT) AS hlc, d.op,
             unnest(CASE WHEN len(d.columns) > 0 THEN d.columns ELSE [NULL] END, recursive := true)
        FROM deltas),
    marked AS (SELECT *, max(hlc) FILTER (WHERE op = 'DELETE') OVER (PARTITION BY tbl, row_id) AS deleted_hlc FROM cells),
    live AS (SELECT * FROM marked WHERE op <> 'DELETE' AND (deleted_hlc IS NULL OR hlc > deleted_hlc)),
    ranked AS (
      SELECT *, row_number() OVER (PARTITION BY tbl, row_id, "column" ORDER BY hlc DESC, client_id DESC) AS rank
        FROM live WHERE "column" IS NOT NULL),
    resolved AS (
      SELECT l.row_id AS "rowId",
             json_extract_string(max(coalesce(r.value::VARCHAR, 'null')) FILTER (WHERE r."column" = 'title'), '$') AS title,
             CAST(max(coalesce(r.value::VARCHAR, 'null')) FILTER (WHERE r."column" = 'qty')::JSON AS DOUBLE) AS qty,
             CAST(max(coalesce(r.value::VARCHAR, 'null')) FILTER (WHERE r."column" = 'done')::JSON AS BOOLEAN) AS done
        FROM (SELECT DISTINCT tbl, row_id FROM live) l LEFT JOIN (SELECT * FROM ranked WHERE rank = 1) r USING (tbl, row_id)
       WHERE l.tbl = 'items' GROUP BY l.row_id)
    ${CHECKSUM} FROM resolved`;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-lakesync-'));
try {
  console.error(`bench-lakesync: working in ${work} (${os.availableParallelism()} cores)`);
  const bucket = path.join(work, 'bucket');
  await makeBucket(bucket);
  const store = new LocalStore(bucket);
  const files: string[] = [];
  for await (const info of store.listAll('deltas/')) files.push(store.localPath(info.key)!);
  const duckdb = await (await DuckDBInstance.create(':memory:')).connect();

  const engine = async (): Promise<string> => {
    const session = await SqlSession.create();
    try {
      await session.registerLakeSync(store);
      return JSON.stringify((await session.query(`${CHECKSUM} FROM items`)).rows[0]);
    } finally {
      session.close();
    }
  };
  const baseline = async (): Promise<string> => {
    const rows = (await duckdb.runAndReadAll(baselineQuery(files))).getRowObjectsJson();
    return JSON.stringify(rows[0]);
  };

  const engineTimes: number[] = [];
  const baselineTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const ours = await timed(engine);
    const theirs = await timed(baseline);
    if (ours.value !== theirs.value) throw new Error(`engine and baseline disagree: ${ours.value} vs ${theirs.value}`);
    if (round === 0) {
      console.error(`bench-lakesync: ${DELTAS} deltas in ${files.length} files resolve to ${ours.value}`);
      continue;
    }
    engineTimes.push(ours.ms);
    baselineTimes.push(theirs.ms);
  }
  duckdb.closeSync();
  const [ours, theirs] = [median(engineTimes), median(baselineTimes)];
  console.error(`bench-lakesync: registerLakeSync + checksum ${ours.toFixed(0)} ms, hand-written DuckDB query ${theirs.toFixed(0)} ms`);
  report('lakesync_resolve_ms', Math.round(ours), 'ms');
  report('lakesync_baseline_ms', Math.round(theirs), 'ms');
  report('lakesync_resolve_ratio', ours / theirs, 'x');
} finally {
  await rm(work, { recursive: true, force: true });
}
