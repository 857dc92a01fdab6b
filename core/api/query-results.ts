/**
 * Result sessions for the grid: the engine holds each query's result and the renderer asks for windows
 * of it, so a 1,000,000-row result never crosses the transport whole.
 *
 * How a result is held: the statement runs once, as a stream (SqlSession.streamRetained). Its first two
 * chunks come back as JSON, so the first page is served as soon as DuckDB has it; every chunk is also
 * appended, as DuckDB vectors, to a table of the session, and later pages, sorts and exports read that
 * table. Nothing is computed twice — a blocking plan such as an aggregate or a remote scan included.
 * Sorting reads the table with ORDER BY … LIMIT/OFFSET (DuckDB's top-N), with the row id breaking ties so
 * that pages of one sort agree: no sorted copy is made. Small results (≤ two chunks) are paged and sorted
 * in memory.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, isAbsolute, join } from 'node:path';
import { isLakebenchError, LakebenchError } from '../errors';
import { quoteIdent, quoteLiteral } from '../sql-text';
import type { ResultChunk, RetainedResult, SqlSession } from '../sql/session';
import type { JsonValue } from '../sql/json-values';
import type { QueryStatus } from '../catalog/catalog';
import type { ResultColumn } from './types';
import { profileResult, summarizeResult, summaryProfile, type ProfileSummary } from './column-profile';
import type { ExportResult, ExportResultArgs, QueryPage, QueryPageArgs, QuerySort, QueryStarted, ResultProfile } from './workbench';

export const MAX_PAGE_ROWS = 10_000;
const MAX_EARLY_CANCELS = 1000;

export interface QueryOutcome {
  startedAt: Date;
  rows: number;
  status: QueryStatus;
  error?: string;
}

export interface StartQuery {
  sql: string;
  queryId?: string;
  firstPageRows?: number;
  /** Opens a session with the query's tables registered. */
  openSession(signal: AbortSignal): Promise<SqlSession>;
  /** Called once when the query has finished (all rows held), failed or was cancelled. */
  onFinished(outcome: QueryOutcome): void;
}

/** The retained table of a result bigger than what is buffered. */
interface HeldTable {
  /** Qualified SQL name. */
  name: string;
  /** Its column names by position. */
  columnNames: string[];
  rows: number;
}

class HeldQuery {
  readonly abort = new AbortController();
  readonly startedAt = new Date();
  session?: SqlSession;
  columns: ResultColumn[] = [];
  /** The first rows (or all of them, when `complete`). */
  buffered: JsonValue[][] = [];
  complete = false;
  /** The retained table, while or once the rest of the stream goes in (undefined for small results kept in memory only). */
  table?: Promise<HeldTable | undefined>;
  /** A small result's retained table (for export), when its columns could be held in one. */
  retained?: HeldTable;
  totalRows?: number;
  /** The profile's summary, once made: the whole profile asked for next reuses it. */
  summary?: ProfileSummary;
  private finished = false;

  constructor(
    readonly id: string,
    readonly sql: string,
    private readonly onFinished: StartQuery['onFinished'],
  ) {}

  finish(status: QueryStatus, error?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    const message = error === undefined ? undefined : error instanceof Error ? error.message : String(error);
    this.onFinished({ startedAt: this.startedAt, rows: this.totalRows ?? this.buffered.length, status, error: message });
  }

  failWith(e: unknown): void {
    this.finish(isLakebenchError(e, 'CANCELLED') || this.abort.signal.aborted ? 'cancelled' : 'error', e);
  }
}

export class QueryResults {
  private readonly held = new Map<string, HeldQuery>();
  /** Ids cancelled before their queryStart arrived (the renderer may cancel right after sending it). */
  private readonly cancelledEarly = new Set<string>();

  async start(request: StartQuery): Promise<QueryStarted> {
    const id = request.queryId ?? randomUUID();
    if (this.held.has(id)) throw new LakebenchError('USAGE', `query id ${id} is in use`);
    const query = new HeldQuery(id, withoutTrailingSemicolons(request.sql), request.onFinished);
    this.held.set(id, query);
    if (this.cancelledEarly.delete(id)) query.abort.abort();
    const began = performance.now();
    try {
      const { signal } = query.abort;
      if (signal.aborted) throw new LakebenchError('CANCELLED', 'query was cancelled');
      query.session = await request.openSession(signal);
      const chunks = query.session.streamRetained(query.sql, { signal, jsonChunks: 2 });
      const first = await chunks.next();
      const engineFirstChunkMs = Math.round(performance.now() - began);
      if (first.done) {
        query.columns = first.value.columns;
        this.completeInMemory(query, [], first.value);
      } else {
        query.columns = first.value.columns;
        // A second chunk tells whether the result is bigger than what is buffered.
        const second = await chunks.next();
        if (second.done) {
          this.completeInMemory(query, first.value.rows, second.value);
        } else {
          query.buffered = [...first.value.rows, ...second.value.rows];
          query.table = this.retainRest(query, chunks);
          query.table.catch(() => undefined); // failures reach queryPage and onFinished
        }
      }
      // Only from what is buffered: the answer must not wait for the rest of the result.
      const { firstPageRows: wanted } = request;
      const buffered = wanted !== undefined && (query.complete || query.buffered.length >= wanted);
      const firstPage = buffered ? await this.page({ queryId: id, offset: 0, limit: wanted }) : undefined;
      return { queryId: id, columns: query.columns, engineFirstChunkMs, ...(firstPage && { firstPage }) };
    } catch (e) {
      query.failWith(e);
      this.close(id);
      throw e;
    }
  }

  /** A window of the result; `signal` drops it (the grid scrolled on) while it waits for its turn or runs. */
  async page(args: QueryPageArgs, signal?: AbortSignal): Promise<QueryPage> {
    const query = this.get(args.queryId);
    const { offset, limit } = args;
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_ROWS) {
      throw new LakebenchError('USAGE', `a page is 1–${MAX_PAGE_ROWS} rows at an offset ≥ 0`);
    }
    const sort = args.sort ?? [];
    sort.forEach((s) => this.requireColumn(query, s.column));
    if (!query.complete && sort.length === 0 && offset + limit <= query.buffered.length) {
      return pageOf(query.buffered.slice(offset, offset + limit), offset, query.totalRows);
    }
    if (!query.complete) {
      const table = await query.table!;
      if (table) {
        const rows = await collect(query.session!, pageFrom(query, table, sort, offset, limit), signal);
        return pageOf(rows, offset, table.rows);
      }
    }
    const rows = sort.length ? sortRows(query.buffered, query.columns, sort) : query.buffered;
    return pageOf(rows.slice(offset, offset + limit), offset, rows.length);
  }

  cancel(queryId: string): void {
    const query = this.held.get(queryId);
    if (!query) {
      if (this.cancelledEarly.size >= MAX_EARLY_CANCELS) this.cancelledEarly.clear();
      this.cancelledEarly.add(queryId);
      return;
    }
    query.abort.abort();
    query.session?.cancel();
  }

  close(queryId: string): void {
    const query = this.held.get(queryId);
    if (!query) return;
    this.held.delete(queryId);
    query.abort.abort();
    query.finish('cancelled');
    query.session?.close();
  }

  closeAll(): void {
    for (const id of [...this.held.keys()]) this.close(id);
  }

  /** Writes the whole result to a local file (via a temporary name, renamed when complete). */
  async export(args: ExportResultArgs, signal: AbortSignal): Promise<ExportResult> {
    const query = this.get(args.queryId);
    if (!isAbsolute(args.path)) throw new LakebenchError('USAGE', 'the export path must be absolute', { object: args.path });
    if (!existsSync(dirname(args.path))) throw new LakebenchError('NOT_FOUND', 'no such folder', { object: dirname(args.path) });
    if (!args.overwrite && existsSync(args.path)) throw new LakebenchError('USAGE', 'the file exists already', { object: args.path });
    (args.sort ?? []).forEach((s) => this.requireColumn(query, s.column));
    const table = await this.tableFor(query);
    const partial = join(dirname(args.path), `.${basename(args.path)}.${randomUUID()}.partial`);
    const options = { csv: 'FORMAT csv, HEADER true', parquet: 'FORMAT parquet, COMPRESSION zstd', json: 'FORMAT json, ARRAY true' }[args.format];
    try {
      await query.session!.run(`COPY (${selectFrom(query, table, args.sort ?? [])}) TO ${quoteLiteral(partial)} (${options})`, { signal });
      await rename(partial, args.path);
    } finally {
      await rm(partial, { force: true });
    }
    return { path: args.path, rows: table.rows, bytes: (await stat(args.path)).size };
  }

  /**
   * The exact row count: at once for a result held in memory, else when its table is made; undefined
   * when it never will be (the query was closed, cancelled or failed; queryPage tells why).
   */
  async rowCount(queryId: string): Promise<number | undefined> {
    const query = this.held.get(queryId);
    if (!query) return undefined;
    if (query.complete) return query.buffered.length;
    const table = await query.table?.catch(() => undefined);
    // No table: the rest of the stream went into memory (no table could hold its columns).
    return table?.rows ?? (query.complete ? query.buffered.length : undefined);
  }

  /**
   * Every column's profile (or its summary alone) over the whole result (small results are made a table for it); undefined
   * when the query is closed or cancelled meanwhile: the grid asks for the profile of a result the user
   * may replace any moment (a filter re-runs it), and that is no error.
   */
  async profile(queryId: string, summaryOnly = false): Promise<ResultProfile | undefined> {
    const query = this.get(queryId);
    try {
      const table = await this.tableFor(query);
      const { session, columns, abort } = query;
      if (!summaryOnly) return await profileResult(session!, table, columns, abort.signal, query.summary);
      query.summary ??= await summarizeResult(session!, table, columns, abort.signal);
      return summaryProfile(columns, query.summary);
    } catch (e) {
      if (query.abort.signal.aborted) return undefined;
      throw e;
    }
  }

  /** Rows of the whole result known so far (for export progress). */
  totalRows(queryId: string): number | undefined {
    return this.held.get(queryId)?.totalRows;
  }

  private get(queryId: string): HeldQuery {
    const query = this.held.get(queryId);
    if (!query) throw new LakebenchError('NOT_FOUND', `no open query ${queryId} (closed, or the engine restarted)`);
    return query;
  }

  private requireColumn(query: HeldQuery, column: string): void {
    if (!query.columns.some((c) => c.name === column)) {
      throw new LakebenchError('USAGE', `the result has no column "${column}"`);
    }
  }

  private completeInMemory(query: HeldQuery, rows: JsonValue[][], retained: RetainedResult): void {
    query.buffered = rows;
    query.complete = true;
    query.totalRows = rows.length;
    if (retained.table) query.retained = { name: retained.table, columnNames: retained.columnNames, rows: retained.rows };
    query.finish('ok');
  }

  /**
   * Pulls the rest of the stream into the retained table. A result no table can hold comes as JSON
   * chunks instead: it is then held in memory, whole.
   */
  private async retainRest(query: HeldQuery, chunks: AsyncGenerator<ResultChunk, RetainedResult>): Promise<HeldTable | undefined> {
    const rows = [...query.buffered];
    let next: IteratorResult<ResultChunk, RetainedResult>;
    try {
      while (!(next = await chunks.next()).done) rows.push(...next.value.rows);
    } catch (e) {
      query.failWith(e);
      throw e;
    }
    const retained = next.value;
    if (!retained.table) {
      this.completeInMemory(query, rows, retained);
      return undefined;
    }
    query.totalRows = retained.rows;
    query.finish('ok');
    return { name: retained.table, columnNames: retained.columnNames, rows: retained.rows };
  }

  /** The result's retained table, for an export or a profile. */
  private async tableFor(query: HeldQuery): Promise<HeldTable> {
    const held = (await query.table) ?? query.retained;
    if (held) return held;
    throw new LakebenchError('USAGE', "this statement's result cannot be exported or profiled: no table can hold its columns (a bare NULL, say); cast them in a SELECT");
  }

}

/** The retained table's rows, in the order of `sort` (ties broken by row id, so that every page of a sort agrees). */
function selectFrom(query: HeldQuery, table: HeldTable, sort: QuerySort[]): string {
  if (sort.length === 0) return `SELECT * FROM ${table.name} ORDER BY rowid`;
  const orderBy = sort.map((s) => {
    const column = table.columnNames[query.columns.findIndex((c) => c.name === s.column)];
    return `${quoteIdent(column)} ${s.descending ? 'DESC' : 'ASC'} NULLS LAST`;
  });
  return `SELECT * FROM ${table.name} ORDER BY ${[...orderBy, 'rowid'].join(', ')}`;
}

/**
 * One page of the retained table. Unsorted, it is a rowid range: the table is only ever appended to, so
 * its rowids are 0…rows-1 in result order, and a range reads only the row groups holding it, where
 * LIMIT/OFFSET over ORDER BY rowid sorted the whole table (~1.5 s a page at offset 500,000 of 1,000,000).
 */
function pageFrom(query: HeldQuery, table: HeldTable, sort: QuerySort[], offset: number, limit: number): string {
  if (sort.length) return `${selectFrom(query, table, sort)} LIMIT ${limit} OFFSET ${offset}`;
  return `SELECT * FROM ${table.name} WHERE rowid >= ${offset} AND rowid < ${offset + limit} ORDER BY rowid`;
}

function pageOf(rows: JsonValue[][], offset: number, totalRows: number | undefined): QueryPage {
  const done = totalRows !== undefined && offset + rows.length >= totalRows;
  return { rows, offset, ...(totalRows !== undefined && { totalRows }), done };
}

async function collect(session: SqlSession, sql: string, signal?: AbortSignal): Promise<JsonValue[][]> {
  const rows: JsonValue[][] = [];
  for await (const chunk of session.stream(sql, { signal })) rows.push(...chunk.rows);
  return rows;
}

function withoutTrailingSemicolons(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/** Sorts a small in-memory result like DuckDB would: nulls last, numbers numerically, the rest as text. */
function sortRows(rows: JsonValue[][], columns: ResultColumn[], sort: QuerySort[]): JsonValue[][] {
  const keys = sort.map((s) => ({ index: columns.findIndex((c) => c.name === s.column), sign: s.descending ? -1 : 1 }));
  return [...rows].sort((a, b) => {
    for (const { index, sign } of keys) {
      const order = compareValues(a[index], b[index], sign);
      if (order !== 0) return order;
    }
    return 0;
  });
}

function compareValues(a: JsonValue, b: JsonValue, sign: number): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return sign * (a - b);
  const [x, y] = [typeof a === 'object' ? JSON.stringify(a) : String(a), typeof b === 'object' ? JSON.stringify(b) : String(b)];
  return sign * (x < y ? -1 : x > y ? 1 : 0);
}
