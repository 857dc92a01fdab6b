/**
 * The flushed delta files of a LakeSync bucket (formats.md §3): `deltas/<YYYY-MM-DD>/<gateway>/…` as JSON
 * envelopes or Parquet. Both are turned into one NDJSON file of column cells — one line per (delta,
 * column) plus one per delta with no column, so a DELETE and an INSERT without columns still count —
 * which DuckDB then resolves (core/sql/lakesync-views.ts).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakebenchError } from '../../errors';
import { quoteIdent, quoteLiteral } from '../../sql-text';
import type { ObjectInfo, ObjectStore } from '../../storage/types';
import { parseHlc } from './hlc';

export const DELTAS_DIR = 'deltas/';
const FIXED_PARQUET_COLUMNS = ['op', 'table', 'rowId', 'clientId', 'hlc', 'deltaId'];
const OPS = new Set(['INSERT', 'UPDATE', 'DELETE']);

/** One cell: a column a delta set, or (column null) the delta itself. `value` is JSON text. */
export interface Cell {
  table: string;
  rowId: string;
  clientId: string;
  hlc: string;
  op: string;
  column: string | null;
  value: string | null;
}

export async function listDeltaFiles(store: ObjectStore): Promise<ObjectInfo[]> {
  const files: ObjectInfo[] = [];
  for await (const info of store.listAll(DELTAS_DIR)) if (/\.(json|parquet)$/.test(info.key)) files.push(info);
  return files;
}

/** Cells of a JSON envelope `{version:1, …, deltas:[{op, table, rowId, clientId, columns:[{column,value}], hlc, deltaId}]}`. */
export function cellsOfEnvelope(bytes: Uint8Array, object: string): Cell[] {
  let envelope: { deltas?: unknown };
  try {
    envelope = JSON.parse(new TextDecoder().decode(bytes)) as { deltas?: unknown };
  } catch (e) {
    throw new LakebenchError('BAD_INPUT', `not a JSON delta envelope: ${(e as Error).message}`, { object });
  }
  if (!Array.isArray(envelope.deltas)) throw new LakebenchError('BAD_INPUT', 'the envelope has no "deltas" list', { object });
  const cells: Cell[] = [];
  envelope.deltas.forEach((delta: Record<string, unknown>, index) => {
    const where = `${object} (delta ${index})`;
    const op = String(delta.op);
    if (!OPS.has(op)) throw new LakebenchError('BAD_INPUT', `unknown op ${JSON.stringify(delta.op)}`, { object: where });
    if (typeof delta.table !== 'string' || typeof delta.rowId !== 'string') {
      throw new LakebenchError('BAD_INPUT', 'a delta needs a table and a rowId (strings)', { object: where });
    }
    const base = { table: delta.table, rowId: delta.rowId, clientId: String(delta.clientId ?? ''), hlc: String(parseHlc(delta.hlc, where)), op };
    cells.push({ ...base, column: null, value: null });
    for (const c of (delta.columns as { column: string; value: unknown }[] | undefined) ?? []) {
      cells.push({ ...base, column: c.column, value: JSON.stringify(c.value ?? null) });
    }
  });
  return cells;
}

/**
 * Appends the cells of a Parquet delta file to `target` (a DuckDB table of Cell columns). A null cell
 * means "column not in this delta"; `lakesync:bool_columns` (key-value metadata) lists int8 booleans.
 */
export async function appendParquetCells(connection: DuckDBConnection, localPath: string, target: string): Promise<void> {
  const path = quoteLiteral(localPath);
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${path})`);
  const userColumns = described.getRows().map((r) => String(r[0])).filter((c) => !FIXED_PARQUET_COLUMNS.includes(c));
  const meta = await connection.runAndReadAll(
    `SELECT decode(value) FROM parquet_kv_metadata(${path}) WHERE decode(key) = 'lakesync:bool_columns'`,
  );
  const boolColumns = new Set<string>(meta.getRows().length ? (JSON.parse(String(meta.getRows()[0]![0])) as string[]) : []);
  const base = `"table" AS "table", "rowId" AS row_id, "clientId" AS client_id, CAST(hlc AS VARCHAR) AS hlc, op`;
  const selects = [`SELECT ${base}, NULL::VARCHAR AS "column", NULL::VARCHAR AS value FROM read_parquet(${path})`];
  for (const column of userColumns) {
    const id = quoteIdent(column);
    const value = boolColumns.has(column) ? `to_json(${id} <> 0)` : `to_json(${id})`;
    selects.push(`SELECT ${base}, ${quoteLiteral(column)}, ${value}::VARCHAR FROM read_parquet(${path}) WHERE ${id} IS NOT NULL`);
  }
  await connection.run(`INSERT INTO ${quoteIdent(target)} ${selects.join(' UNION ALL ')}`);
}

/** Writes cells as NDJSON for DuckDB (streamed: a bucket can hold millions of deltas). */
export async function writeCells(path: string, cells: Iterable<Cell>): Promise<void> {
  const out = createWriteStream(path, { flags: 'a' });
  for (const c of cells) {
    const line = JSON.stringify({ table: c.table, row_id: c.rowId, client_id: c.clientId, hlc: c.hlc, op: c.op, column: c.column, value: c.value });
    if (!out.write(line + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
