/**
 * Loads the import's input files into one DuckDB table (`lb_input`), with the columns of all files
 * united by name, optional audit columns, and the input order kept in two ordering columns so that
 * a merge can let the last row for a key win.
 */
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakebenchError } from '../errors';
import { formatOfPath, type InputFormat } from './input-files';
import {
  badInputError,
  copyWithoutBadRows,
  csvBadRows,
  csvRejectOptions,
  ndjsonBadRows,
  writeBadRows,
  type BadRow,
} from './input-check';
import { quoteIdent, quoteLiteral } from '../sql-text';
import { describe, queryRows, type ColumnType } from './scratch-db';

export const INPUT_TABLE = 'lb_input';
/** Ordering columns of a multi-file INPUT_TABLE: position of the file in the inputs, then of the row in the file. */
const INPUT_ORDER_COLUMNS = ['__lb_file_ord', '__lb_row_ord'] as const;
export const AUDIT_COLUMNS = { sourceFile: '_source_file', ingestedAt: '_ingested_at' } as const;

export interface StageOptions {
  format?: InputFormat;
  auditColumns?: boolean;
  ingestedAt: Date;
  badRowsPath?: string;
  /** Folder for cleaned copies of inputs with bad rows. */
  scratchDir: string;
  /** Called after each file is loaded, with the number loaded so far. */
  onFileStaged?: (done: number) => void;
}

export interface StagedInput {
  /** Data columns of INPUT_TABLE (without the ordering columns), in input order. */
  columns: ColumnType[];
  rows: number;
  badRows: number;
  /** ORDER BY list over INPUT_TABLE that puts the last input row first (merge: last row wins). */
  newestFirst: string;
}

export async function stageInputs(
  connection: DuckDBConnection,
  files: string[],
  options: StageOptions,
): Promise<StagedInput> {
  const [fileOrder, rowOrder] = INPUT_ORDER_COLUMNS;
  const perFile: string[] = [];
  const badRows: BadRow[] = [];
  for (const [index, file] of files.entries()) {
    const format = options.format ?? formatOfPath(file);
    const { source, bad } = await sourceOf(file, format, index, options);
    badRows.push(...bad);
    const table = `lb_input_${index}`;
    await runNamingFile(connection, file, `CREATE TABLE ${table} AS SELECT *${auditSelect(file, options)} FROM ${source}`);
    perFile.push(`SELECT *, ${index} AS ${fileOrder}, rowid AS ${rowOrder} FROM ${table}`);
    options.onFileStaged?.(index + 1);
  }
  badRows.push(...(await csvBadRows(connection)));
  badRows.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line);
  if (badRows.length > 0) {
    if (!options.badRowsPath) throw badInputError(badRows);
    await writeBadRows(options.badRowsPath, badRows);
  }
  let newestFirst = `${fileOrder} DESC, ${rowOrder} DESC`;
  if (files.length === 1) {
    // One input (the common case): keep its table rather than copying every row into a union; its
    // rowid already is the input order (DuckDB keeps insertion order when loading a file).
    await connection.run(`ALTER TABLE lb_input_0 RENAME TO ${INPUT_TABLE}`);
    newestFirst = 'rowid DESC';
  } else {
    await connection.run(`CREATE TABLE ${INPUT_TABLE} AS ${perFile.join(' UNION ALL BY NAME ')}`);
    for (const index of files.keys()) await connection.run(`DROP TABLE lb_input_${index}`);
  }

  const columns = (await describe(connection, `SELECT * FROM ${INPUT_TABLE}`)).filter(
    (c) => !(INPUT_ORDER_COLUMNS as readonly string[]).includes(c.name),
  );
  const [count] = await queryRows(connection, `SELECT count(*) AS n FROM ${INPUT_TABLE}`);
  const rows = Number(count!.n);
  if (rows === 0) {
    throw new LakebenchError('BAD_INPUT', `no rows to import in ${files.length} input file(s)`, { object: files[0] });
  }
  return { columns, rows, badRows: badRows.length, newestFirst };
}

/** `, <source file> AS _source_file, <import time> AS _ingested_at` when audit columns are on. */
function auditSelect(file: string, options: StageOptions): string {
  if (!options.auditColumns) return '';
  return `, ${quoteLiteral(file)} AS ${quoteIdent(AUDIT_COLUMNS.sourceFile)}` +
    `, ${quoteLiteral(options.ingestedAt.toISOString())}::TIMESTAMPTZ AS ${quoteIdent(AUDIT_COLUMNS.ingestedAt)}`;
}

/** The DuckDB table function reading one file, and the bad rows found before DuckDB reads it. */
async function sourceOf(
  file: string,
  format: InputFormat,
  index: number,
  options: StageOptions,
): Promise<{ source: string; bad: BadRow[] }> {
  const path = quoteLiteral(file);
  switch (format) {
    case 'csv':
      return { source: `read_csv(${path}, ${csvRejectOptions()})`, bad: [] };
    case 'parquet':
      return { source: `read_parquet(${path})`, bad: [] };
    case 'json':
      if (await startsWithArray(file)) return { source: `read_json(${path}, format = 'array')`, bad: [] };
      return ndjsonSource(file, index, options);
    case 'ndjson':
      return ndjsonSource(file, index, options);
  }
}

async function ndjsonSource(file: string, index: number, options: StageOptions): Promise<{ source: string; bad: BadRow[] }> {
  const bad = await ndjsonBadRows(file);
  if (bad.length > 0 && !options.badRowsPath) throw badInputError(bad);
  let readPath = file;
  if (bad.length > 0) {
    readPath = join(options.scratchDir, `clean-${index}-${basename(file).replace(/\.gz$/, '')}`);
    await copyWithoutBadRows(file, readPath, bad);
  }
  return { source: `read_json(${quoteLiteral(readPath)}, format = 'newline_delimited')`, bad };
}

/** A `.json` file holds either one array of objects or NDJSON; the first non-blank byte tells. */
async function startsWithArray(file: string): Promise<boolean> {
  if (file.endsWith('.gz')) return false;
  const handle = await open(file);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').trimStart().startsWith('[');
  } finally {
    await handle.close();
  }
}

/** DuckDB's own read errors (unparseable JSON, a CSV it cannot sniff) become BAD_INPUT naming the file. */
async function runNamingFile(connection: DuckDBConnection, file: string, sql: string): Promise<void> {
  try {
    await connection.run(sql);
  } catch (e) {
    throw new LakebenchError('BAD_INPUT', `cannot read input: ${(e as Error).message}`, { object: file, cause: e });
  }
}
