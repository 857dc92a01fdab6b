/**
 * LakeSync tables as DuckDB views: the bucket's delta files become one table of column cells, and each
 * LakeSync table a view of its current state (formats.md §3), resolved in DuckDB rather than row by row:
 * per (table, rowId, column) the value with the highest HLC wins, a tie going to the higher clientId; a
 * DELETE drops every cell of the row whose HLC is ≤ its own, and a later write resurrects the row with
 * only the columns written after it. "As of HLC h" is the same resolution over the deltas with hlc ≤ h.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { appendParquetCells, cellsOfEnvelope, writeCells } from '../formats/lakesync/deltas';
import { quoteIdent, quoteLiteral } from '../sql-text';

export interface DeltaFile {
  /** Where DuckDB and Node read it. */
  localPath: string;
  /** The object's URL, for errors. */
  object: string;
}

/** Internal names; a session holds one LakeSync bucket's state at a time. */
const RAW = 'lb_lakesync_raw';
const LIVE = 'lb_lakesync_live';
const STATE = 'lb_lakesync_state';
const ROWS = 'lb_lakesync_rows';

/** Types a column's values take (json_type names) and the SQL that reads the winning JSON value as that type. */
function columnReader(types: string[]): { sqlType: string; read: (json: string) => string } {
  const seen = types.filter((t) => t !== 'NULL');
  if (seen.length > 0 && seen.every((t) => ['DOUBLE', 'BIGINT', 'UBIGINT'].includes(t))) return { sqlType: 'DOUBLE', read: (v) => `CAST(${v}::JSON AS DOUBLE)` };
  if (seen.length > 0 && seen.every((t) => t === 'BOOLEAN')) return { sqlType: 'BOOLEAN', read: (v) => `CAST(${v}::JSON AS BOOLEAN)` };
  if (seen.every((t) => t === 'VARCHAR')) return { sqlType: 'VARCHAR', read: (v) => `json_extract_string(${v}, '$')` };
  return { sqlType: 'JSON', read: (v) => `${v}::JSON` }; // objects, arrays, mixed: JSON text
}

/**
 * Loads the delta files and (re)creates one view per LakeSync table, named as the table. Returns the
 * table names. `asOf`: only deltas with hlc ≤ asOf count.
 */
export async function createLakeSyncViews(connection: DuckDBConnection, files: DeltaFile[], asOf?: bigint): Promise<string[]> {
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${RAW} ("table" VARCHAR, row_id VARCHAR, client_id VARCHAR, hlc VARCHAR, op VARCHAR, "column" VARCHAR, value VARCHAR)`,
  );
  const scratch = await mkdtemp(join(tmpdir(), 'lakebench-lakesync-'));
  try {
    const cellsFile = join(scratch, 'cells.ndjson');
    let jsonCells = 0;
    for (const file of files) {
      if (file.localPath.endsWith('.parquet')) {
        await appendParquetCells(connection, file.localPath, RAW);
      } else {
        const cells = cellsOfEnvelope(await readFile(file.localPath), file.object);
        await writeCells(cellsFile, cells);
        jsonCells += cells.length;
      }
    }
    if (jsonCells > 0) {
      await connection.run(
        `INSERT INTO ${RAW} SELECT "table", row_id, client_id, hlc, op, "column", value FROM read_json(${quoteLiteral(cellsFile)}, format = 'newline_delimited',
           columns = {"table": 'VARCHAR', row_id: 'VARCHAR', client_id: 'VARCHAR', hlc: 'VARCHAR', op: 'VARCHAR', "column": 'VARCHAR', value: 'VARCHAR'})`,
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const upTo = asOf === undefined ? '' : `WHERE CAST(hlc AS BIGINT) <= ${asOf}`;
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${LIVE} AS
      WITH cells AS (SELECT "table", row_id, client_id, CAST(hlc AS BIGINT) AS hlc, op, "column", value FROM ${RAW} ${upTo}),
           deleted AS (SELECT "table", row_id, max(hlc) AS deleted_hlc FROM cells WHERE op = 'DELETE' GROUP BY ALL)
      SELECT c.* FROM cells c LEFT JOIN deleted d USING ("table", row_id)
       WHERE c.op <> 'DELETE' AND (d.deleted_hlc IS NULL OR c.hlc > d.deleted_hlc)`);
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${STATE} AS
      SELECT "table", row_id, "column", arg_max(value, {'hlc': hlc, 'client': client_id}) AS value
        FROM ${LIVE} WHERE "column" IS NOT NULL GROUP BY ALL`);
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${ROWS} AS SELECT DISTINCT "table", row_id FROM ${LIVE}`);

  const columns = (
    await connection.runAndReadAll(
      `SELECT "table", "column", list(DISTINCT coalesce(json_type(value::JSON), 'NULL')) AS types
         FROM ${STATE} GROUP BY ALL ORDER BY "table", min(rowid)`,
    )
  ).getRows();
  const tables = (await connection.runAndReadAll(`SELECT DISTINCT "table" FROM ${RAW} ORDER BY 1`)).getRows().map((r) => String(r[0]));
  for (const table of tables) {
    const selects = columns
      .filter((c) => c[0] === table)
      .map(([, column, types]) => {
        const { read } = columnReader((types as { items: unknown[] }).items.map(String));
        return `${read(`max(s.value) FILTER (WHERE s."column" = ${quoteLiteral(String(column))})`)} AS ${quoteIdent(String(column))}`;
      });
    await connection.run(
      `CREATE OR REPLACE VIEW ${quoteIdent(table)} AS
         SELECT r.row_id AS "rowId"${selects.map((s) => `, ${s}`).join('')}
           FROM ${ROWS} r LEFT JOIN ${STATE} s ON s."table" = r."table" AND s.row_id = r.row_id
          WHERE r."table" = ${quoteLiteral(table)} GROUP BY r.row_id`,
    );
  }
  return tables;
}
