/**
 * Malformed-row detection for imports. Bad rows are never dropped silently: either the import is
 * refused naming `file:line` of the first few, or (with a bad-rows path) they are written there as
 * NDJSON — one `{"file","line","error","raw"}` object a line — and counted.
 *
 * CSV rows are checked by DuckDB itself (`store_rejects`, which records file and line of each row it
 * could not parse); NDJSON lines are checked here with JSON.parse, line by line, so each can be named.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakebenchError } from '../errors';
import type { BadRow } from '../formats/row-types';
import { queryRows } from './scratch-db';

export type { BadRow } from '../formats/row-types';

/** DuckDB table names used with read_csv(store_rejects=true, rejects_scan=…, rejects_table=…). */
export const CSV_REJECTS = { scans: 'lb_reject_scans', errors: 'lb_reject_errors' } as const;

export function csvRejectOptions(): string {
  return `store_rejects = true, rejects_scan = '${CSV_REJECTS.scans}', rejects_table = '${CSV_REJECTS.errors}'`;
}

/** Every row DuckDB refused in the CSV scans of this connection so far, in file/line order. */
export async function csvBadRows(connection: DuckDBConnection): Promise<BadRow[]> {
  const [exists] = await queryRows(
    connection,
    `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = '${CSV_REJECTS.errors}'`,
  );
  if (Number(exists!.n) === 0) return [];
  const rows = await queryRows(
    connection,
    `SELECT s.file_path AS file, e.line::BIGINT AS line, e.error_type || ': ' || e.error_message AS error,
            coalesce(e.csv_line, '') AS raw
       FROM ${CSV_REJECTS.errors} e JOIN ${CSV_REJECTS.scans} s USING (scan_id, file_id)
      ORDER BY e.scan_id, e.line`,
  );
  return rows.map((r) => ({
    file: String(r.file),
    line: Number(r.line),
    error: String(r.error),
    raw: String(r.raw),
  }));
}

/** The lines of an NDJSON file that are not one JSON object each (blank lines are allowed). */
export async function ndjsonBadRows(path: string): Promise<BadRow[]> {
  const badRows: BadRow[] = [];
  let lineNumber = 0;
  for await (const raw of readLines(path)) {
    lineNumber++;
    if (raw.trim() === '') continue;
    const error = jsonObjectError(raw);
    if (error) badRows.push({ file: path, line: lineNumber, error, raw });
  }
  return badRows;
}

/** Copies an NDJSON file without the given bad rows, so DuckDB reads only the good ones. */
export async function copyWithoutBadRows(path: string, destination: string, badRows: BadRow[]): Promise<void> {
  const skip = new Set(badRows.map((r) => r.line));
  const out = createWriteStream(destination);
  let lineNumber = 0;
  for await (const raw of readLines(path)) {
    lineNumber++;
    if (!skip.has(lineNumber) && !out.write(raw + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function readLines(path: string): AsyncIterable<string> {
  const source = createReadStream(path);
  return createInterface({ input: path.endsWith('.gz') ? source.pipe(createGunzip()) : source, crlfDelay: Infinity });
}

function jsonObjectError(line: string): string | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? undefined : 'not a JSON object';
  } catch (e) {
    return (e as Error).message;
  }
}

const NAMED_IN_ERROR = 5;

export function badInputError(badRows: BadRow[]): LakebenchError {
  const named = badRows.slice(0, NAMED_IN_ERROR).map((r) => `${r.file}:${r.line} (${r.error})`);
  const more = badRows.length > NAMED_IN_ERROR ? `, and ${badRows.length - NAMED_IN_ERROR} more` : '';
  return new LakebenchError('BAD_INPUT', `${badRows.length} malformed row(s): ${named.join('; ')}${more}`, {
    object: `${badRows[0]!.file}:${badRows[0]!.line}`,
  });
}

/** Writes bad rows as NDJSON (`{"file","line","error","raw"}` a line). */
export async function writeBadRows(path: string, badRows: BadRow[]): Promise<void> {
  const out = createWriteStream(path);
  for (const row of badRows) {
    if (!out.write(JSON.stringify(row) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
