/**
 * The files a LakeSync bucket's state is resolved from (formats.md §3): flushed deltas under
 * `deltas/<YYYY-MM-DD>/<gateway>/…` as JSON envelopes or Parquet, and a compactor's resolved rows at
 * `materialised/<table>/current.parquet`. Each is read by DuckDB as column cells — one row per (delta,
 * column), plus a row with a null column for a delta (at least each one that set no column), so a DELETE
 * and an INSERT without columns still count — which core/sql/lakesync-views.ts resolves.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakebenchError } from '../../errors';
import { quoteIdent, quoteLiteral, quoteLiteralList } from '../../sql-text';
import type { ObjectInfo, ObjectStore } from '../../storage/types';
import { parseHlc } from './hlc';

export const DELTAS_DIR = 'deltas/';
export const MATERIALISED_DIR = 'materialised/';
const FIXED_PARQUET_COLUMNS = ['op', 'table', 'rowId', 'clientId', 'hlc', 'deltaId'];
export const DELTA_OPS = ['INSERT', 'UPDATE', 'DELETE'];
/** The op of a materialised row's cells: a base state, not a delta (kept apart from deltas by time travel). */
export const MATERIALISED_OP = 'MATERIALISED';
/** The HLC of a materialised cell when current.parquet has no `hlc` column: older than every delta. */
export const MATERIALISED_DEFAULT_HLC = -1n;

/** Columns (in order) of the cell rows every reader here produces. */
export const CELL_COLUMNS = `"table" VARCHAR, row_id VARCHAR, client_id VARCHAR, hlc BIGINT, op VARCHAR, "column" VARCHAR, value VARCHAR`;

/** Delta files and materialised current states, in listing order. */
export async function listLakeSyncFiles(store: ObjectStore): Promise<ObjectInfo[]> {
  const files: ObjectInfo[] = [];
  for await (const info of store.listAll(DELTAS_DIR)) if (/\.(json|parquet)$/.test(info.key)) files.push(info);
  for await (const info of store.listAll(MATERIALISED_DIR)) if (materialisedTable(info.key) !== undefined) files.push(info);
  return files;
}

/** The table whose current state `key` holds (`materialised/<table>/current.parquet`), if it is one. */
export function materialisedTable(key: string): string | undefined {
  return /^materialised\/([^/]+)\/current\.parquet$/.exec(key)?.[1];
}

/**
 * One SELECT of the cells of many JSON envelopes `{version:1, …, deltas:[{op, table, rowId, clientId,
 * columns:[{column,value}], hlc, deltaId}]}`, read and unnested by DuckDB (an envelope is one JSON object,
 * so `maxBytes`, the largest file's size, bounds it). DuckDB is lenient where the format is not: an
 * unknown op, a missing table/rowId or a malformed HLC come out as cells that `envelopeCellsProblem`
 * finds, and `checkEnvelope` then names the file and the problem.
 */
export function envelopeCellsSql(localPaths: string[], maxBytes: number): string {
  const deltaType = `STRUCT(op VARCHAR, "table" VARCHAR, "rowId" VARCHAR, "clientId" VARCHAR, hlc VARCHAR, columns STRUCT("column" VARCHAR, value JSON)[])`;
  // unnest in the select list: a lateral unnest in FROM joins back on the whole delta struct, 5x slower.
  return `
    SELECT "table", row_id, coalesce(client_id, ''), TRY_CAST(hlc AS BIGINT), op,
           "column", CASE WHEN "column" IS NOT NULL THEN coalesce(value::VARCHAR, 'null') END
      FROM (SELECT d."table", d."rowId" AS row_id, d."clientId" AS client_id, d.hlc, d.op,
                   unnest(CASE WHEN len(d.columns) > 0 THEN d.columns ELSE [NULL] END, recursive := true)
              FROM (SELECT unnest(coalesce(deltas, [NULL])) AS d
                      FROM read_json(${quoteLiteralList(localPaths)}, format = 'auto', maximum_object_size = ${Math.max(maxBytes + 1, 16 * 1024 * 1024)},
                                     columns = {deltas: '${deltaType}[]'})))`;
}

/** A condition over cell rows that is true for any cell an envelope must not produce. */
export const envelopeCellsProblem = `op IS NULL OR op NOT IN (${DELTA_OPS.map(quoteLiteral).join(', ')}) OR "table" IS NULL OR row_id IS NULL OR hlc IS NULL OR hlc < 0`;

/** A flushed envelope's fields beyond its deltas, as checkEnvelope returns them (unchecked). */
export interface DeltaEnvelope {
  deltaCount?: unknown;
  hlcRange?: { min?: unknown; max?: unknown };
  deltas: { hlc: unknown }[];
}

/** The parsed envelope; throws an error naming `object` and the first problem that keeps it from being one. */
export function checkEnvelope(bytes: Uint8Array, object: string): DeltaEnvelope {
  let envelope: { deltas?: unknown };
  try {
    envelope = JSON.parse(new TextDecoder().decode(bytes)) as { deltas?: unknown };
  } catch (e) {
    throw new LakebenchError('BAD_INPUT', `not a JSON delta envelope: ${(e as Error).message}`, { object });
  }
  if (!Array.isArray(envelope.deltas)) throw new LakebenchError('BAD_INPUT', 'the envelope has no "deltas" list', { object });
  envelope.deltas.forEach((delta: Record<string, unknown> | null, index) => {
    const where = `${object} (delta ${index})`;
    if (delta === null || typeof delta !== 'object') throw new LakebenchError('BAD_INPUT', 'a delta must be an object', { object: where });
    if (!DELTA_OPS.includes(String(delta.op))) throw new LakebenchError('BAD_INPUT', `unknown op ${JSON.stringify(delta.op)}`, { object: where });
    if (typeof delta.table !== 'string' || typeof delta.rowId !== 'string') {
      throw new LakebenchError('BAD_INPUT', 'a delta needs a table and a rowId (strings)', { object: where });
    }
    parseHlc(delta.hlc, where);
    if (delta.columns !== undefined && !Array.isArray(delta.columns)) throw new LakebenchError('BAD_INPUT', '"columns" must be a list', { object: where });
  });
  return envelope as DeltaEnvelope;
}

/**
 * One SELECT of the cells of a Parquet file: a delta file, or (`materialisedAs` its table) a compactor's
 * current state. A null cell means "column not in this delta" (for a current state: no value to override);
 * `lakesync:bool_columns` (key-value metadata) lists int8 booleans; a utf8 cell holding JSON object or
 * array text is that JSON value, as LakeSync's own Parquet reader takes it. A current state without `hlc` is older
 * than every delta (MATERIALISED_DEFAULT_HLC); without `clientId` it loses HLC ties.
 */
export async function parquetCellsSql(connection: DuckDBConnection, localPath: string, object: string, materialisedAs?: string): Promise<string> {
  const path = quoteLiteral(localPath);
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${path})`);
  const names = described.getRows().map((r) => String(r[0]));
  const textColumns = new Set(described.getRows().filter((r) => String(r[1]) === 'VARCHAR').map((r) => String(r[0])));
  const required = materialisedAs === undefined ? ['op', 'table', 'rowId', 'hlc'] : ['rowId'];
  const missing = required.filter((c) => !names.includes(c));
  if (missing.length > 0) throw new LakebenchError('BAD_INPUT', `a LakeSync Parquet file needs the column(s) ${missing.join(', ')}`, { object });
  const userColumns = names.filter((c) => !FIXED_PARQUET_COLUMNS.includes(c));
  const meta = await connection.runAndReadAll(
    `SELECT decode(value) FROM parquet_kv_metadata(${path}) WHERE decode(key) = 'lakesync:bool_columns'`,
  );
  const boolColumns = new Set<string>(meta.getRows().length ? (JSON.parse(String(meta.getRows()[0]![0])) as string[]) : []);
  const has = (column: string) => names.includes(column);
  const source =
    materialisedAs === undefined
      ? `SELECT "table" AS lb_table, "rowId" AS lb_row_id, coalesce("clientId", '') AS lb_client_id, CAST(hlc AS BIGINT) AS lb_hlc, op AS lb_op`
      : `SELECT ${quoteLiteral(materialisedAs)} AS lb_table, "rowId" AS lb_row_id, ${has('clientId') ? `coalesce("clientId", '')` : `''`} AS lb_client_id,
                ${has('hlc') ? 'CAST(hlc AS BIGINT)' : String(MATERIALISED_DEFAULT_HLC)} AS lb_hlc, ${quoteLiteral(MATERIALISED_OP)} AS lb_op`;
  const jsonValues = userColumns.map((column) => {
    const id = quoteIdent(column);
    if (boolColumns.has(column)) return `to_json(${id} <> 0)::VARCHAR AS ${id}`;
    // LakeSync flushes objects and arrays as their JSON text, and its reader parses back a string that looks
    // like one ({…} or […]) and is valid JSON: such a cell is that JSON, not a string holding it.
    if (textColumns.has(column)) {
      return `CASE WHEN regexp_full_match(${id}, '\\s*(\\{.*\\}|\\[.*\\])\\s*', 's') AND json_valid(${id}) THEN json(${id})::VARCHAR ELSE to_json(${id})::VARCHAR END AS ${id}`;
    }
    return `to_json(${id})::VARCHAR AS ${id}`;
  });
  // lb_* names cannot clash with a user column named like a cell column.
  const rows = `(${source}${jsonValues.map((v) => `, ${v}`).join('')} FROM read_parquet(${path}))`;
  const fixed = 'lb_table, lb_row_id, lb_client_id, lb_hlc, lb_op';
  const deltaRows = `SELECT ${fixed}, NULL::VARCHAR, NULL::VARCHAR FROM ${rows}`;
  if (userColumns.length === 0) return deltaRows;
  // UNPIVOT leaves out null cells: exactly the columns a delta did not set.
  return `${deltaRows} UNION ALL
    SELECT ${fixed}, lb_column, lb_value FROM (UNPIVOT ${rows} ON ${userColumns.map(quoteIdent).join(', ')} INTO NAME lb_column VALUE lb_value)`;
}
