/**
 * The app's view of a LakeSync bucket (formats.md §3): its tables as the SQL views resolve them (rows,
 * columns), its flushed delta files (date, gateway, table prefix, HLC range, delta count, size) and its
 * materialised current states. Reads only.
 */
import { readFile } from 'node:fs/promises';
import { LakebenchError } from '../errors';
import { DELTAS_DIR, listLakeSyncFiles, materialisedTable } from '../formats/lakesync/deltas';
import { formatHlc } from '../formats/lakesync/hlc';
import { quoteIdent, quoteLiteral } from '../sql-text';
import { mapWithConcurrency } from '../storage/concurrency';
import type { ObjectInfo } from '../storage/types';
import type { LakebenchApi } from './api';
import type { ResultColumn } from '../sql/session';
import type { LocationArgs } from './types';

export interface LakeSyncTableSummary {
  name: string;
  /** Rows of the resolved current state. */
  rows: number;
  columns: ResultColumn[];
}

export interface LakeSyncDeltaFile {
  /** Relative to the bucket. */
  key: string;
  /** `YYYY-MM-DD` folder. */
  date: string;
  gateway: string;
  /** The `<table>-` prefix of the name, when the gateway flushes per table. */
  table?: string;
  format: 'json' | 'parquet';
  /** HLCs as decimal text (they exceed 2^53), and as wall time + counter (formatHlc). */
  minHlc: string;
  maxHlc: string;
  minTime: string;
  maxTime: string;
  /** The envelope's deltaCount (else its deltas), or the Parquet file's row count. */
  deltas: number;
  size: number;
}

export interface LakeSyncMaterialisedState {
  table: string;
  key: string;
  size: number;
  /** ISO-8601. */
  lastModified: string;
}

export interface LakeSyncSummary {
  location: string;
  tables: LakeSyncTableSummary[];
  /** Ordered by max HLC. */
  files: LakeSyncDeltaFile[];
  materialised: LakeSyncMaterialisedState[];
}

/** `deltas/<date>/<gateway>/[<table>-]<minHlc>-<maxHlc>.json|parquet`. */
const DELTA_FILE = /^deltas\/([^/]+)\/([^/]+)\/(?:([^/]+?)-)?(\d+)-(\d+)\.(json|parquet)$/;

export async function lakeSyncSummary(api: LakebenchApi, where: LocationArgs): Promise<LakeSyncSummary> {
  const store = api.open(where);
  const { SqlSession } = await import('../sql/session');
  const cache = await api.cache();
  const session = await SqlSession.create({ cache, threads: 2 });
  try {
    const names = await session.registerLakeSync(store);
    const tables: LakeSyncTableSummary[] = [];
    for (const name of names) {
      const count = await session.query(`SELECT count(*) AS n FROM ${quoteIdent(name)}`);
      const described = await session.query(`DESCRIBE ${quoteIdent(name)}`);
      tables.push({
        name,
        rows: Number(count.rows[0]!.n),
        columns: described.rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) })),
      });
    }
    const listed = await listLakeSyncFiles(store);
    const deltaFiles = listed.filter((f) => f.key.startsWith(DELTAS_DIR));
    // The views read every file already, so these are local (in place, or in the cache) and cheap to reopen.
    const local = await cache.ensureMany(store, deltaFiles.map((f) => ({ key: f.key, size: f.size, etag: f.etag })));
    const files = await mapWithConcurrency(deltaFiles, 8, async (info) => {
      const path = local.get(info.key)!;
      const deltas = info.key.endsWith('.json')
        ? await envelopeDeltaCount(path, store.urlOf(info.key))
        : Number((await session.query(`SELECT num_rows AS n FROM parquet_file_metadata(${quoteLiteral(path)})`)).rows[0]!.n);
      return deltaFile(info, deltas);
    });
    const materialised = listed.flatMap((info) => {
      const table = materialisedTable(info.key);
      return table === undefined ? [] : [{ table, key: info.key, size: info.size, lastModified: info.lastModified.toISOString() }];
    });
    return { location: store.url, tables, files: files.sort((a, b) => compareHlc(a.maxHlc, b.maxHlc) || a.key.localeCompare(b.key)), materialised };
  } finally {
    session.close();
  }
}

function deltaFile(info: ObjectInfo, deltas: number): LakeSyncDeltaFile {
  const match = DELTA_FILE.exec(info.key);
  if (!match) throw new LakebenchError('BAD_INPUT', 'a delta file must be named deltas/<date>/<gateway>/[<table>-]<minHlc>-<maxHlc>.json|parquet', { object: info.key });
  const [, date, gateway, table, min, max, format] = match as unknown as [string, string, string, string | undefined, string, string, 'json' | 'parquet'];
  return {
    key: info.key,
    date,
    gateway,
    ...(table !== undefined && { table }),
    format,
    minHlc: min,
    maxHlc: max,
    minTime: formatHlc(BigInt(min)),
    maxTime: formatHlc(BigInt(max)),
    deltas,
    size: info.size,
  };
}

async function envelopeDeltaCount(path: string, object: string): Promise<number> {
  const envelope = JSON.parse(await readFile(path, 'utf8')) as { deltaCount?: unknown; deltas?: unknown[] };
  if (typeof envelope.deltaCount === 'number') return envelope.deltaCount;
  if (Array.isArray(envelope.deltas)) return envelope.deltas.length;
  throw new LakebenchError('BAD_INPUT', 'the envelope has neither deltaCount nor a deltas list', { object });
}

function compareHlc(a: string, b: string): number {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
