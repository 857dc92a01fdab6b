/**
 * Delta snapshots as DuckDB views. Local tables get their view at once, over the files in place.
 * Remote tables get theirs when a query names them: the files the query can need (see prune.ts) are
 * fetched through the FileCache first, because DuckDB only ever reads local files.
 */
import { DuckDBBitValue, type DuckDBConnection } from '@duckdb/node-api';
import type { AddFile } from '../formats/delta/actions';
import { type DeletedRows, readDeletedRows } from '../formats/delta/deleted-rows';
import { tableKey } from '../formats/delta/paths';
import type { Snapshot } from '../formats/delta/table';
import type { CacheLease, FileCache } from '../storage/cache';
import { withAbortSignal } from '../storage/request-scope';
import type { ObjectStore } from '../storage/types';
import { partsTableSql, pruneQuery } from './prune';
import { quoteIdent } from '../sql-text';
import { deletedRowsTableSql, deltaViewSql, physicalColumnsSql, type ViewFile, type ViewSnapshot } from './views';

/** Parallel downloads per query: enough to fill a fast link without flooding the endpoint. */
const FETCH_CONCURRENCY = 8;

/** Store key of a live file: `add.path` is a URL-encoded path relative to the table root (or an absolute URI inside it). */
export function fileKeyOf(add: AddFile, tableUrl: string): string {
  return tableKey(add.path, tableUrl);
}

/** The files of a snapshot where DuckDB reads them, with the rows their deletion vectors delete. */
export async function viewFiles(
  store: ObjectStore,
  snapshot: Pick<Snapshot, 'tableUrl'>,
  adds: readonly AddFile[],
  localPaths: readonly string[],
  options: { cache?: FileCache; signal?: AbortSignal } = {},
): Promise<ViewFile[]> {
  const deleted = await readDeletedRows(store, snapshot.tableUrl, adds, options);
  return adds.map((add, i) => ({ path: localPaths[i], add, ...(deleted[i] && { deleted: deleted[i] }) }));
}

/** The temp table of a view's deleted-row bitstrings. */
export function deletedRowsTable(view: string): string {
  return `__lakebench_deleted_${view}`;
}

/** `rowNumberColumn`: also give each row's position in its file, under that name. */
export async function createDeltaView(
  connection: DuckDBConnection,
  name: string,
  snapshot: ViewSnapshot,
  files: readonly ViewFile[],
  rowNumberColumn?: string,
): Promise<void> {
  const physical = new Map<string, string>();
  if (files.length > 0) {
    const described = await connection.runAndReadAll(physicalColumnsSql(snapshot, files));
    for (const row of described.getRowObjects()) physical.set(String(row.column_name).toLowerCase(), String(row.column_type));
  }
  const table = deletedRowsTable(name);
  const withDv = files.some((f) => f.deleted);
  if (withDv) await fillDeletedRows(connection, table, files);
  await connection.run(deltaViewSql(name, snapshot, files, physical, withDv ? table : undefined, rowNumberColumn));
  if (!withDv) await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
}

/** One row per file with a DV: its index in `files` and a bitstring with a 1 at every deleted row. */
async function fillDeletedRows(connection: DuckDBConnection, table: string, files: readonly ViewFile[]): Promise<void> {
  await connection.run(deletedRowsTableSql(table));
  const appender = await connection.createAppender(table);
  try {
    files.forEach((file, index) => {
      if (!file.deleted) return;
      appender.appendUBigInt(BigInt(index));
      appender.appendBit(bitstring(file.deleted));
      appender.endRow();
    });
  } finally {
    appender.closeSync();
  }
}

/**
 * DuckDB's BIT layout, built straight from the positions (its own builders take a callback per bit):
 * a first byte counting the padding bits, which are 1s at the start of the second byte, then the bits
 * most significant first.
 */
function bitstring({ positions, rowCount }: DeletedRows): DuckDBBitValue {
  const padding = (8 - (rowCount % 8)) % 8;
  const data = new Uint8Array(1 + Math.ceil(rowCount / 8));
  data[0] = padding;
  for (let i = 0; i < padding; i++) data[1] |= 1 << (7 - i);
  for (let i = 0; i < positions.length; i++) {
    const offset = positions[i] + padding;
    data[1 + (offset >> 3)] |= 1 << (7 - (offset & 7));
  }
  return new DuckDBBitValue(data);
}

export interface PreparedQuery {
  /** The SQL to execute (rewritten when pruned). */
  sql: string;
  /** A view made for this query alone, dropped when it ends. */
  temporaryView?: string;
}

/** A registered remote Delta table whose view is created (and whose files are fetched) per query. */
export class RemoteDeltaSource {
  private readonly keys: string[];
  private fullViewCreated = false;

  constructor(
    readonly name: string,
    private readonly store: ObjectStore,
    private readonly snapshot: Snapshot,
    private readonly cache: FileCache,
    private readonly partsTable: string,
  ) {
    this.keys = snapshot.files.map((add) => fileKeyOf(add, snapshot.tableUrl));
  }

  /** Writes the (file index, partition values) table used for pruning. */
  async init(connection: DuckDBConnection): Promise<void> {
    await connection.run(`DROP VIEW IF EXISTS ${quoteIdent(this.name)}`);
    const { partitionColumns, files } = this.snapshot;
    if (partitionColumns.length > 0 && files.length > 0) {
      await connection.run(partsTableSql(this.partsTable, this.snapshot, files));
    }
  }

  async drop(connection: DuckDBConnection): Promise<void> {
    await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(this.partsTable)}`);
    await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(deletedRowsTable(this.name))}`);
  }

  /**
   * Fetches what `sql` needs. When this table is the query's only remote table and the query can be
   * pruned, only the matching files are fetched and the query is rewritten over a view of them;
   * otherwise every live file is fetched (again checked against the cache, which may have evicted some).
   */
  async prepare(
    connection: DuckDBConnection,
    sql: string,
    prune: { viewName: string } | undefined,
    signal: AbortSignal,
    lease?: CacheLease,
  ): Promise<PreparedQuery> {
    if (prune && this.snapshot.files.length > 0) {
      const target = { name: this.name, partitionColumns: this.snapshot.partitionColumns, partsTable: this.partsTable };
      const pruned = await pruneQuery(connection, sql, target, prune.viewName);
      if (pruned) {
        await createDeltaView(connection, prune.viewName, this.snapshot, await this.fetch(pruned.fileIndexes, signal, lease));
        return { sql: pruned.sql, temporaryView: prune.viewName };
      }
    }
    const files = await this.fetch(this.keys.map((_, i) => i), signal, lease);
    if (!this.fullViewCreated) {
      await createDeltaView(connection, this.name, this.snapshot, files);
      this.fullViewCreated = true;
    }
    return { sql };
  }

  /** The files' local paths, pinned in the cache for as long as `lease` (the running statement) holds them. */
  private async fetch(indexes: number[], signal: AbortSignal, lease?: CacheLease): Promise<ViewFile[]> {
    const items = indexes.map((i) => ({ key: this.keys[i], size: this.snapshot.files[i].size }));
    // Cancelling the statement aborts the downloads in flight, not only those not yet started.
    const paths = await withAbortSignal(signal, () => this.cache.ensureMany(this.store, items, { concurrency: FETCH_CONCURRENCY, signal, lease }));
    const adds = indexes.map((i) => this.snapshot.files[i]);
    return viewFiles(this.store, this.snapshot, adds, indexes.map((i) => paths.get(this.keys[i])!), { cache: this.cache, signal });
  }
}
