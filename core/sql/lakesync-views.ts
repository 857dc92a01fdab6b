/**
 * LakeSync tables as DuckDB views: the bucket's files become one table of column cells, and each LakeSync
 * table a view of its current state (formats.md §3), resolved in DuckDB rather than row by row.
 *
 * The rule: per (table, rowId, column) the value with the highest HLC wins, a tie going to the higher
 * clientId; a DELETE drops every cell of the row whose HLC is ≤ its own, and a later write resurrects the
 * row with only the columns written after it.
 *
 * A compactor's `materialised/<table>/current.parquet` is the base state under the deltas: its cells
 * take part in the same rule, stamped with the file's `hlc` column when it has one and otherwise older
 * than every delta (HLC -1). So a delta overrides a materialised value column by column, a DELETE removes
 * a materialised row (a later write resurrects it), and a table present only in materialised/ is a view
 * too. "As of HLC h" is the same resolution over the deltas with hlc ≤ h plus every materialised row:
 * a current state keeps no per-cell history, so it cannot be rolled back.
 */
import { readFile } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakebenchError } from '../errors';
import {
  CELL_COLUMNS,
  MATERIALISED_OP,
  checkEnvelope,
  envelopeCellsProblem,
  envelopeCellsSql,
  materialisedTable,
  parquetCellsSql,
} from '../formats/lakesync/deltas';
import { quoteIdent, quoteLiteral } from '../sql-text';

export interface LakeSyncFile {
  /** The object's key in the bucket (says what the file holds). */
  key: string;
  size: number;
  /** Where DuckDB and Node read it. */
  localPath: string;
  /** The object's URL, for errors. */
  object: string;
}

/** Internal names; a session holds one LakeSync bucket's state at a time. */
const RAW = 'lb_lakesync_raw';
const STATE = 'lb_lakesync_state';

/** The SQL that reads a column's winning JSON value as the type all its values take (json_type names). */
function columnReader(types: string[]): (json: string) => string {
  const seen = types.filter((t) => t !== 'NULL');
  if (seen.length > 0 && seen.every((t) => ['DOUBLE', 'BIGINT', 'UBIGINT'].includes(t))) return (v) => `CAST(${v}::JSON AS DOUBLE)`;
  if (seen.length > 0 && seen.every((t) => t === 'BOOLEAN')) return (v) => `CAST(${v}::JSON AS BOOLEAN)`;
  if (seen.every((t) => t === 'VARCHAR')) return (v) => `json_extract_string(${v}, '$')`;
  return (v) => `${v}::JSON`; // objects, arrays, mixed: JSON text
}

/**
 * Loads the envelopes' cells with one DuckDB read; when DuckDB fails or yields a cell no valid envelope
 * can, parses each envelope in Node to name the file and the problem.
 */
async function loadEnvelopes(connection: DuckDBConnection, envelopes: LakeSyncFile[], signal?: AbortSignal): Promise<void> {
  let failure: unknown;
  try {
    const maxBytes = Math.max(...envelopes.map((f) => f.size));
    await connection.run(`INSERT INTO ${RAW} ${envelopeCellsSql(envelopes.map((f) => f.localPath), maxBytes)}`);
    const bad = await connection.runAndReadAll(`SELECT count(*) FROM ${RAW} WHERE ${envelopeCellsProblem}`);
    if (Number(bad.getRows()[0]![0]) === 0) return;
  } catch (e) {
    if (signal?.aborted) throw e;
    failure = e;
  }
  for (const file of envelopes) checkEnvelope(await readFile(file.localPath), file.object);
  const folder = envelopes[0]!.object.replace(/\/deltas\/.*$/, '/deltas/');
  throw new LakebenchError('BAD_INPUT', `the delta envelopes cannot be read: ${failure instanceof Error ? failure.message : 'a delta without table, rowId, op or HLC'}`, {
    object: folder,
    cause: failure,
  });
}

async function loadCells(connection: DuckDBConnection, files: LakeSyncFile[], signal?: AbortSignal): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${RAW} (${CELL_COLUMNS})`);
  const envelopes = files.filter((f) => f.key.endsWith('.json'));
  if (envelopes.length > 0) await loadEnvelopes(connection, envelopes, signal);
  for (const file of files) {
    if (!file.key.endsWith('.parquet')) continue;
    const select = await parquetCellsSql(connection, file.localPath, file.object, materialisedTable(file.key));
    await connection.run(`INSERT INTO ${RAW} ${select}`);
  }
}

/**
 * Resolves the cells into STATE: per (table, rowId, column) the winning JSON value, plus a row with a null
 * column for every live delta that set no column — so every live row has at least one line in STATE.
 */
async function resolveState(connection: DuckDBConnection, asOf?: bigint): Promise<void> {
  const upTo = asOf === undefined ? '' : `WHERE op = ${quoteLiteral(MATERIALISED_OP)} OR hlc <= ${asOf}`;
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${STATE} AS
      WITH cells AS (SELECT * FROM ${RAW} ${upTo}),
           deleted AS (SELECT "table", row_id, max(hlc) AS deleted_hlc FROM cells WHERE op = 'DELETE' GROUP BY ALL)
      SELECT c."table", c.row_id, c."column", arg_max(c.value, {'hlc': c.hlc, 'client': c.client_id}) AS value
        FROM cells c LEFT JOIN deleted d USING ("table", row_id)
       WHERE c.op <> 'DELETE' AND (d.deleted_hlc IS NULL OR c.hlc > d.deleted_hlc)
       GROUP BY ALL`);
}

/**
 * Loads the bucket's files and (re)creates one view per LakeSync table, named as the table. Returns the
 * table names. `asOf`: only deltas with hlc ≤ asOf count (and every materialised row).
 */
export async function createLakeSyncViews(
  connection: DuckDBConnection,
  files: LakeSyncFile[],
  options: { asOf?: bigint; signal?: AbortSignal } = {},
): Promise<string[]> {
  await loadCells(connection, files, options.signal);
  await resolveState(connection, options.asOf);
  // Columns in the order they first appear in the files, typed by the values that won.
  const columns = (
    await connection.runAndReadAll(
      `SELECT "table", "column", list(DISTINCT coalesce(json_type(s.value::JSON), 'NULL')) AS types
         FROM ${STATE} s JOIN (SELECT "table", "column", min(rowid) AS first FROM ${RAW} WHERE "column" IS NOT NULL GROUP BY ALL) USING ("table", "column")
        GROUP BY ALL ORDER BY "table", min(first)`,
    )
  ).getRows();
  const tables = (await connection.runAndReadAll(`SELECT DISTINCT "table" FROM ${RAW} ORDER BY 1`)).getRows().map((r) => String(r[0]));
  for (const table of tables) {
    const selects = columns
      .filter((c) => c[0] === table)
      .map(([, column, types]) => {
        const read = columnReader((types as { items: unknown[] }).items.map(String));
        return `${read(`max(value) FILTER (WHERE "column" = ${quoteLiteral(String(column))})`)} AS ${quoteIdent(String(column))}`;
      });
    await connection.run(
      `CREATE OR REPLACE VIEW ${quoteIdent(table)} AS
         SELECT row_id AS "rowId"${selects.map((s) => `, ${s}`).join('')}
           FROM ${STATE} WHERE "table" = ${quoteLiteral(table)} GROUP BY row_id`,
    );
  }
  return tables;
}
