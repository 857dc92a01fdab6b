/**
 * The readable rows of a corrupt Parquet file, row group by row group. Each row group is copied on its
 * own by DuckDB (a `file_row_number` range covering exactly one row group, which DuckDB prunes to that
 * group) and must also decode in parquet-wasm, an independent reader, and have no page whose CRC
 * differs (verify's page walk: both readers decode such a page without complaint). A row group failing
 * any of these is lost whole. A file whose footer cannot be read has no row group to salvage.
 */
import { readFile } from 'node:fs/promises';
import { parquetMetadata } from 'hyparquet';
import { readParquet } from 'parquet-wasm';
import { quoteLiteral } from '../sql-text';
import { queryRows, type ScratchDb } from './scratch-db';
import { walkPagesInBytes } from './verify/page-walk';

export interface Salvage {
  /** Local Parquet files holding the readable row groups, one per group, with the file's columns. */
  parts: string[];
  rowsSalvaged: number;
  /** Rows of the row groups that failed; `expectedRows` when the footer itself is unreadable. */
  rowsLost: number;
  rowGroups: { total: number; lost: number };
}

interface RowGroup {
  id: number;
  firstRow: number;
  rows: number;
}

/** Copies the readable row groups of the Parquet file at `localPath` into files named `<outPrefix>-rg<n>.parquet`. */
export async function salvageRowGroups(db: ScratchDb, localPath: string, outPrefix: string, expectedRows = 0): Promise<Salvage> {
  const groups = await rowGroupsOf(db, localPath);
  if (!groups) return { parts: [], rowsSalvaged: 0, rowsLost: expectedRows, rowGroups: { total: 0, lost: 0 } };
  const bytes = await readFile(localPath);
  const badCrcs = await rowGroupsWithBadCrcs(bytes);
  const salvage: Salvage = { parts: [], rowsSalvaged: 0, rowsLost: 0, rowGroups: { total: groups.length, lost: 0 } };
  for (const group of groups) {
    db.checkCancelled();
    const part = `${outPrefix}-rg${group.id}.parquet`;
    if (!badCrcs.has(group.id) && decodesInParquetWasm(bytes, group.id) && (await copyRowGroup(db, localPath, group, part))) {
      salvage.parts.push(part);
      salvage.rowsSalvaged += group.rows;
    } else {
      salvage.rowsLost += group.rows;
      salvage.rowGroups.lost++;
    }
  }
  return salvage;
}

/** Row groups from the footer, with the number of each one's first row; undefined when the footer is unreadable. */
async function rowGroupsOf(db: ScratchDb, localPath: string): Promise<RowGroup[] | undefined> {
  let rows: Record<string, unknown>[];
  try {
    rows = await queryRows(
      db.connection,
      `SELECT row_group_id AS id, any_value(row_group_num_rows) AS n
         FROM parquet_metadata(${quoteLiteral(localPath)}) GROUP BY 1 ORDER BY 1`,
    );
  } catch {
    return undefined;
  }
  let firstRow = 0;
  return rows.map((row) => {
    const group = { id: Number(row.id), firstRow, rows: Number(row.n) };
    firstRow += group.rows;
    return group;
  });
}

async function copyRowGroup(db: ScratchDb, localPath: string, group: RowGroup, part: string): Promise<boolean> {
  const source = `read_parquet(${quoteLiteral(localPath)}, file_row_number = true, hive_partitioning = false)`;
  try {
    await db.connection.run(
      `COPY (SELECT * EXCLUDE (file_row_number) FROM ${source}
              WHERE file_row_number >= ${group.firstRow} AND file_row_number < ${group.firstRow + group.rows})
         TO ${quoteLiteral(part)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    const [copied] = await queryRows(db.connection, `SELECT num_rows AS n FROM parquet_file_metadata(${quoteLiteral(part)})`);
    return Number(copied!.n) === group.rows;
  } catch {
    db.checkCancelled(); // an interrupted COPY is a cancel, not a lost row group
    return false;
  }
}

/** Row groups holding a page whose stored CRC differs from its bytes' (none known when hyparquet cannot parse the footer). */
async function rowGroupsWithBadCrcs(bytes: Uint8Array): Promise<Set<number>> {
  let metadata;
  try {
    metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch {
    return new Set();
  }
  const { mismatches } = await walkPagesInBytes(bytes, metadata, { decompress: false });
  return new Set(mismatches.map((m) => m.rowGroup));
}

function decodesInParquetWasm(bytes: Uint8Array, rowGroup: number): boolean {
  try {
    readParquet(bytes, { rowGroups: [rowGroup] }).free();
    return true;
  } catch {
    return false;
  }
}
