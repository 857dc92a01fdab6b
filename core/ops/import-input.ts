/**
 * The import's input files as DuckDB sees them: one SELECT over all files (columns united by name,
 * optional audit columns), read once by the COPY that writes Parquet — or, when the rows are needed
 * more than once (a merge; a partitioned write), loaded into one table (`lb_input`) with the input order
 * kept so that a merge can let the last row for a key win.
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

export interface InputOptions {
  format?: InputFormat;
  auditColumns?: boolean;
  ingestedAt: Date;
  badRowsPath?: string;
  /** Folder for cleaned copies of inputs with bad rows. */
  scratchDir: string;
}

/** The input options of an import starting now, its cleaned copies kept in `scratchDir`. */
export function importInputOptions(options: Pick<InputOptions, 'format' | 'auditColumns' | 'badRowsPath'>, scratchDir: string): InputOptions {
  return { format: options.format, auditColumns: options.auditColumns, ingestedAt: new Date(), badRowsPath: options.badRowsPath, scratchDir };
}

export interface InputQuery {
  files: string[];
  /** SELECT of every input row (not read yet: DuckDB reads the files when a statement runs it). */
  query: string;
  /** Its columns, in input order. */
  columns: ColumnType[];
  /** One SELECT per file, in input order. */
  fileSelects: string[];
  /** Malformed rows found before DuckDB reads (NDJSON); CSV rows DuckDB refuses are known after reading. */
  badRowsBefore: BadRow[];
}

export interface StagedInput {
  rows: number;
  /** ORDER BY list over INPUT_TABLE that puts the last input row first (merge: last row wins). */
  newestFirst: string;
}

/** Describes the inputs without reading their rows; a file DuckDB cannot read is named in the error. */
export async function describeInputs(connection: DuckDBConnection, files: string[], options: InputOptions): Promise<InputQuery> {
  const fileSelects: string[] = [];
  const badRowsBefore: BadRow[] = [];
  let columns: ColumnType[] = [];
  for (const [index, file] of files.entries()) {
    const { source, bad } = await sourceOf(file, options.format ?? formatOfPath(file), index, options);
    badRowsBefore.push(...bad);
    const select = `SELECT *${auditSelect(file, options)} FROM ${source}`;
    columns = await describeNamingFile(connection, file, select);
    fileSelects.push(select);
  }
  const query = fileSelects.join(' UNION ALL BY NAME ');
  if (files.length > 1) columns = await describe(connection, query);
  return { files, query, columns, fileSelects, badRowsBefore };
}

/** Loads the inputs into INPUT_TABLE, keeping the input order; refuses an input without rows. */
export async function stageInputs(connection: DuckDBConnection, input: InputQuery): Promise<StagedInput> {
  const [fileOrder, rowOrder] = INPUT_ORDER_COLUMNS;
  let newestFirst = `${fileOrder} DESC, ${rowOrder} DESC`;
  if (input.files.length === 1) {
    // One input (the common case): its rowid already is the input order (DuckDB keeps insertion
    // order when loading a file).
    await runNamingFile(connection, input.files[0]!, `CREATE TABLE ${INPUT_TABLE} AS ${input.fileSelects[0]}`);
    newestFirst = 'rowid DESC';
  } else {
    const perFile: string[] = [];
    for (const [index, file] of input.files.entries()) {
      await runNamingFile(connection, file, `CREATE TABLE lb_input_${index} AS ${input.fileSelects[index]}`);
      perFile.push(`SELECT *, ${index} AS ${fileOrder}, rowid AS ${rowOrder} FROM lb_input_${index}`);
    }
    await connection.run(`CREATE TABLE ${INPUT_TABLE} AS ${perFile.join(' UNION ALL BY NAME ')}`);
    for (const index of input.files.keys()) await connection.run(`DROP TABLE lb_input_${index}`);
  }
  const [count] = await queryRows(connection, `SELECT count(*) AS n FROM ${INPUT_TABLE}`);
  const rows = Number(count!.n);
  if (rows === 0) throw noRowsError(input.files);
  return { rows, newestFirst };
}

export function noRowsError(files: string[]): LakebenchError {
  return new LakebenchError('BAD_INPUT', `no rows to import in ${files.length} input file(s)`, { object: files[0] });
}

/**
 * Once the inputs have been read: the malformed rows found before and the CSV rows DuckDB refused
 * (read_csv's store_rejects skips them) either refuse the import or, with a bad-rows path, are written
 * there. Returns how many there were.
 */
export async function settleBadRows(connection: DuckDBConnection, input: InputQuery, badRowsPath: string | undefined): Promise<number> {
  const badRows = [...input.badRowsBefore, ...(await csvBadRows(connection))];
  badRows.sort((a, b) => input.files.indexOf(a.file) - input.files.indexOf(b.file) || a.line - b.line);
  if (badRows.length > 0) {
    if (!badRowsPath) throw badInputError(badRows);
    await writeBadRows(badRowsPath, badRows);
  }
  return badRows.length;
}

/** `, <source file> AS _source_file, <import time> AS _ingested_at` when audit columns are on. */
function auditSelect(file: string, options: InputOptions): string {
  if (!options.auditColumns) return '';
  return `, ${quoteLiteral(file)} AS ${quoteIdent(AUDIT_COLUMNS.sourceFile)}` +
    `, ${quoteLiteral(options.ingestedAt.toISOString())}::TIMESTAMPTZ AS ${quoteIdent(AUDIT_COLUMNS.ingestedAt)}`;
}

/** The DuckDB table function reading one file, and the bad rows found before DuckDB reads it. */
async function sourceOf(
  file: string,
  format: InputFormat,
  index: number,
  options: InputOptions,
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

async function ndjsonSource(file: string, index: number, options: InputOptions): Promise<{ source: string; bad: BadRow[] }> {
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
  await namingFile(file, () => connection.run(sql));
}

async function describeNamingFile(connection: DuckDBConnection, file: string, select: string): Promise<ColumnType[]> {
  return namingFile(file, () => describe(connection, select));
}

async function namingFile<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw new LakebenchError('BAD_INPUT', `cannot read input: ${(e as Error).message}`, { object: file, cause: e });
  }
}
