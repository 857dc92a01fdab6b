/**
 * Delta snapshots as DuckDB views. Local tables get their view at once, over the files in place.
 * Remote tables get theirs when a query names them: the files the query can need (see prune.ts) are
 * fetched through the FileCache first, because DuckDB only ever reads local files.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakebenchError } from '../errors';
import type { AddFile } from '../formats/delta/actions';
import { decodedPath } from '../formats/delta/replay';
import type { Snapshot } from '../formats/delta/table';
import type { CacheLease, FileCache } from '../storage/cache';
import { withAbortSignal } from '../storage/request-scope';
import type { ObjectStore } from '../storage/types';
import { partsTableSql, pruneQuery } from './prune';
import { quoteIdent } from '../sql-text';
import { deltaViewSql, physicalColumnsSql, type ViewFile } from './views';

/** Parallel downloads per query: enough to fill a fast link without flooding the endpoint. */
const FETCH_CONCURRENCY = 8;

/** Store key of a live file: `add.path` is a URL-encoded path relative to the table root. */
export function fileKeyOf(add: AddFile, tableUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(add.path)) {
    throw new LakebenchError('UNSUPPORTED_FEATURE', `data file outside the table (absolute path ${add.path}) is not supported`, {
      object: tableUrl,
    });
  }
  return decodedPath(add.path);
}

export async function createDeltaView(
  connection: DuckDBConnection,
  name: string,
  snapshot: Snapshot,
  files: ViewFile[],
): Promise<void> {
  const physical = new Set<string>();
  if (files.length > 0) {
    const described = await connection.runAndReadAll(physicalColumnsSql(files.map((f) => f.path)));
    for (const row of described.getRowObjects()) physical.add(String(row.column_name));
  }
  await connection.run(deltaViewSql(name, snapshot, files, physical));
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
    const { partitionColumns, schema, files } = this.snapshot;
    if (partitionColumns.length > 0 && files.length > 0) {
      await connection.run(partsTableSql(this.partsTable, schema, partitionColumns, files));
    }
  }

  async drop(connection: DuckDBConnection): Promise<void> {
    await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(this.partsTable)}`);
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
    return indexes.map((i) => ({ path: paths.get(this.keys[i])!, add: this.snapshot.files[i] }));
  }
}
