/**
 * A DuckDB session over Lakebench tables: Delta and Iceberg tables at a version and plain Parquet
 * folders appear as views, and an Iceberg catalog's tables as `<catalog>.<namespace>.<table>`; queries
 * return JSON-friendly rows (json-values.ts), stream chunk by chunk, and can be cancelled. One
 * connection per session, so statements run one at a time (a queue); cancel() reaches whichever is
 * running, including the cache fetches that precede it.
 *
 * DuckDB never reads remote objects itself: extension autoload and autoinstall are off (no httpfs, no
 * network), and remote files reach it only through the FileCache.
 */
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { LakebenchError } from '../errors';
import { listParquetFolder, parquetFolderViewSql } from '../formats/parquet/folder';
import type { DeltaTable, Snapshot, VersionSpec } from '../formats/delta/table';
import type { CacheItem, CacheLease, FileCache } from '../storage/cache';
import { withAbortSignal } from '../storage/request-scope';
import type { ObjectStore } from '../storage/types';
import { createDeltaView, deletedRowsTable, fileKeyOf, RemoteDeltaSource, viewFiles, type PreparedQuery } from './delta-source';
import { cancelledError, sqlError } from './errors';
import { toJsonValue, type JsonValue } from './json-values';
import { catalogReferences, referencedNames } from './references';
import { IcebergSource } from './iceberg-source';
import type { IcebergTable } from '../formats/iceberg/table';
import type { SnapshotSelector } from '../formats/iceberg/snapshots';
import { listLakeSyncFiles } from '../formats/lakesync/deltas';
import { createLakeSyncViews } from './lakesync-views';
import { createLakesideViews } from './lakeside-views';
import { nameParts, quoteIdent, quoteName, type SqlName } from '../sql-text';

export interface ResultColumn {
  name: string;
  /** DuckDB type as SQL text, e.g. `BIGINT`, `DECIMAL(10,2)`, `STRUCT(a INTEGER)`. */
  type: string;
}

export interface ResultChunk {
  columns: ResultColumn[];
  rows: JsonValue[][];
}

export interface QueryResult {
  columns: ResultColumn[];
  rows: Record<string, JsonValue>[];
}

export interface SessionOptions {
  /** Local copies of remote files; required to register remote tables. */
  cache?: FileCache;
  /** DuckDB worker threads (default: DuckDB's choice, the number of cores). */
  threads?: number;
}

export interface QueryOptions {
  signal?: AbortSignal;
}

/** A result streamRetained() kept whole, for paging, sorting and export without running its statement again. */
export interface RetainedResult {
  columns: ResultColumn[];
  /** The table holding every row (a qualified SQL name), or undefined when no table can hold these columns: then every chunk was yielded. */
  table?: string;
  /** The table's column names by position (DuckDB's deduplicated names of the result's columns). */
  columnNames: string[];
  rows: number;
}

/** The session's own in-memory database for retained results (not `temp`: another connection writes there). */
const RESULTS_DATABASE = '__lakebench_results';

/**
 * A table whose view is made when a statement names it, over the files that statement can need: remote
 * Delta tables (fetched through the cache first) and Iceberg tables (scan planning prunes by the WHERE).
 */
interface QuerySource {
  prepare(connection: DuckDBConnection, sql: string, prune: { viewName: string } | undefined, signal: AbortSignal, lease?: CacheLease): Promise<PreparedQuery>;
  /** Drops what it made besides its views (which whatever takes the name next replaces). */
  drop?(connection: DuckDBConnection): Promise<void>;
}

/** Loads a table of an attached Iceberg catalog by namespace and name. */
export type CatalogTableLoader = (namespace: string[], table: string) => Promise<IcebergTable>;

/** The key of a view name in the session's maps: DuckDB matches names case-insensitively. */
const keyOf = (name: SqlName): string => nameParts(name).map((p) => p.toLowerCase()).join('\u001f');

/** A statement being run: how to stop it. */
interface Running {
  abort: AbortController;
}

export class SqlSession {
  private readonly sources = new Map<string, { name: SqlName; source: QuerySource }>();
  /** Iceberg catalogs attached by name; their tables load when a statement first names them. */
  private readonly catalogs = new Map<string, CatalogTableLoader>();
  /**
   * The snapshot each local Delta view was made from, and the view's catalog id then. Snapshots come
   * from a cache (one object per table version), so re-registering the same version finds the same
   * object, and an unchanged id shows no statement has replaced or dropped the view since: the view
   * is kept rather than rebuilt (which reads every file's footer).
   */
  private readonly localViews = new Map<string, { snapshot: Snapshot; oid: bigint | undefined }>();
  /** Tail of the statement queue. */
  private queue: Promise<void> = Promise.resolve();
  private running?: Running;
  /** Makes internal object names unique within the session. */
  private counter = 0;
  private closed = false;
  /** The connection that appends retained results while the main one streams them (made on first use). */
  private keeper?: Promise<DuckDBConnection>;
  private keeperOpened?: DuckDBConnection;
  /**
   * Cache pins of the views that read cached files directly (Parquet folders, LakeSync, Lakeside), by
   * view: their files must stay for as long as the view exists. A remote Delta table's files are fetched
   * (and pinned) per statement instead.
   */
  private readonly viewLeases = new Map<string, CacheLease>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly cache: FileCache | undefined,
  ) {}

  static async create(opts: SessionOptions = {}): Promise<SqlSession> {
    const config: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    };
    if (opts.threads !== undefined) config.threads = String(opts.threads);
    const instance = await DuckDBInstance.create(':memory:', config);
    const connection = await instance.connect();
    // Delta `timestamp` is UTC; a fixed session zone keeps casts and output independent of the machine.
    await connection.run(`SET TimeZone = 'UTC'`);
    // Delta data files are immutable, so their footers can be cached across queries (a view bind with
    // union_by_name reads every footer; a re-run then reads none).
    await connection.run(`SET parquet_metadata_cache = true`);
    return new SqlSession(instance, connection, opts.cache);
  }

  /** Makes the table's snapshot at `spec` (default: latest) queryable as `name`; returns the snapshot. */
  async registerDelta(name: string, table: DeltaTable, spec?: VersionSpec): Promise<Snapshot> {
    const snapshot = await table.snapshot(spec ?? {});
    const store = table.store;
    await this.exclusive(async () => {
      await this.forgetSource(name);
      if (store.kind === 'local') {
        if (await this.showsAlready(name, snapshot)) return;
        const paths = snapshot.files.map((add) => store.localPath(fileKeyOf(add, snapshot.tableUrl))!);
        await createDeltaView(this.connection, name, snapshot, await viewFiles(store, snapshot, snapshot.files, paths));
        this.localViews.set(name.toLowerCase(), { snapshot, oid: await this.viewOid(name) });
        return;
      }
      const source = new RemoteDeltaSource(name, store, snapshot, this.requireCache(store), this.internalName('parts'));
      await source.init(this.connection);
      this.sources.set(keyOf(name), { name, source });
    });
    return snapshot;
  }

  /**
   * Makes an Iceberg table at a snapshot queryable as `name`. Its view is made when a statement names
   * it, over the files that statement's WHERE can match (all of them otherwise); remote files are
   * fetched through the cache first.
   */
  async registerIceberg(name: SqlName, table: IcebergTable, selector: SnapshotSelector, opts: QueryOptions = {}): Promise<void> {
    const cache = table.store.kind === 'local' ? undefined : this.requireCache(table.store);
    const source = new IcebergSource(name, table, selector, cache);
    await this.exclusive(async () => {
      await this.forgetSource(name);
      this.localViews.delete(keyOf(name));
      this.sources.set(keyOf(name), { name, source });
    }, opts.signal);
  }

  /**
   * Makes every table of an Iceberg catalog queryable as `<catalog>.<namespace>.<table>` (a namespace
   * of several levels quoted as one: `prod."a.b".t`); each is loaded when a statement first names it.
   */
  attachCatalog(name: string, load: CatalogTableLoader): void {
    this.catalogs.set(name, load);
  }

  /** Makes a folder of Parquet files (optionally in `k=v` folders) queryable as `name`. */
  async registerParquetFolder(name: string, store: ObjectStore, opts: QueryOptions = {}): Promise<void> {
    const folder = await listParquetFolder(store);
    await this.exclusive(async (signal) => {
      await this.forgetSource(name);
      await this.withViewLease(`parquet:${name.toLowerCase()}`, async (lease) => {
        const paths = await this.localPaths(store, folder.files, signal, lease);
        const localPaths = folder.files.map((f) => paths.get(f.key)!);
        await this.connection.run(parquetFolderViewSql(name, localPaths, folder.hive));
      });
    }, opts.signal);
  }

  /**
   * Makes every table of a LakeSync bucket queryable under its own name, resolved from the bucket's
   * deltas over its materialised current states (as of `asOf`, an HLC, when given). Returns the table names.
   */
  async registerLakeSync(store: ObjectStore, opts: QueryOptions & { asOf?: bigint } = {}): Promise<string[]> {
    const files = await listLakeSyncFiles(store);
    return this.exclusive(async (signal) => {
      // One LakeSync bucket's state at a time (lakesync-views.ts): one lease for its views.
      const paths = await this.withViewLease('lakesync', (lease) => this.localPaths(store, files, signal, lease));
      const lakeSyncFiles = files.map((f) => ({ key: f.key, size: f.size, localPath: paths.get(f.key)!, object: store.urlOf(f.key) }));
      const names = await createLakeSyncViews(this.connection, lakeSyncFiles, { asOf: opts.asOf, signal });
      // Table names are known only now; a table registered under one of them before is replaced.
      for (const name of names) await this.forgetSource(name);
      return names;
    }, opts.signal);
  }

  /** Makes a Lakeside bucket queryable as `name` (compacted + staged records), `name_compacted` and `name_staging`. */
  async registerLakeside(name: string, store: ObjectStore, opts: QueryOptions = {}): Promise<void> {
    await this.exclusive(async (signal) => {
      for (const view of [name, `${name}_compacted`, `${name}_staging`]) await this.forgetSource(view);
      await this.withViewLease(`lakeside:${name.toLowerCase()}`, (lease) =>
        createLakesideViews(this.connection, name, store, (items) => this.localPaths(store, items, signal, lease)),
      );
    }, opts.signal);
  }

  /** Runs statements for their effect (DDL, SET, …). */
  async run(sql: string, opts: QueryOptions = {}): Promise<void> {
    await this.exclusive(async (signal, lease) => {
      const prepared = await this.prepare(sql, signal, lease);
      try {
        await this.connection.run(prepared.sql);
      } finally {
        await this.dropTemporary(prepared);
      }
    }, opts.signal);
  }

  /** Runs a query and returns all rows (for small results; use stream() for big ones). */
  async query(sql: string, opts: QueryOptions = {}): Promise<QueryResult> {
    return this.exclusive(async (signal, lease) => {
      const prepared = await this.prepare(sql, signal, lease);
      try {
        const reader = await this.connection.runAndReadAll(prepared.sql);
        const names = reader.deduplicatedColumnNames();
        const types = reader.columnTypes();
        return {
          columns: names.map((name, i) => ({ name, type: types[i].toString() })),
          rows: reader.convertRowObjects(toJsonValue) as Record<string, JsonValue>[],
        };
      } finally {
        await this.dropTemporary(prepared);
      }
    }, opts.signal);
  }

  /**
   * Streams a query's result chunk by chunk: DuckDB computes the next chunk only when it is pulled, so
   * the first arrives before the rest exists. The session stays busy until the iteration ends (or the
   * consumer stops early).
   */
  async *stream(sql: string, opts: QueryOptions = {}): AsyncIterable<ResultChunk> {
    yield* this.streamChunks(sql, opts, false);
  }

  /**
   * Runs a query once and keeps its whole result: like stream(), the first `jsonChunks` chunks are yielded
   * as they come, and every chunk is also appended (as DuckDB's own vectors, over a second connection of
   * the same database — an appender on this one would end the stream) to a new table, which the returned
   * RetainedResult names once the last chunk is in. Later pages, sorts and exports read that table instead
   * of running the statement again. Columns no table can hold (a bare NULL, say) are kept in memory
   * instead: every chunk is then yielded. The session stays busy until the iteration ends.
   */
  streamRetained(sql: string, opts: QueryOptions & { jsonChunks: number }): AsyncGenerator<ResultChunk, RetainedResult> {
    return this.streamChunks(sql, opts, true);
  }

  /** stream() and streamRetained(): without `retain` no table is made, and so every chunk is yielded. */
  private async *streamChunks(sql: string, opts: QueryOptions & { jsonChunks?: number }, retain: boolean): AsyncGenerator<ResultChunk, RetainedResult> {
    const { signal, lease, release } = await this.begin(opts.signal);
    let prepared: PreparedQuery | undefined;
    let appender: DuckDBAppender | undefined;
    try {
      prepared = await this.prepare(sql, signal, lease);
      const result = await this.connection.stream(prepared.sql);
      const types = result.columnTypes();
      const columns = result.columnNames().map((name, i) => ({ name, type: types[i].toString() }));
      const columnNames = result.deduplicatedColumnNames();
      const table = retain ? await this.retainedTable(columnNames, types) : undefined;
      appender = table === undefined ? undefined : await (await this.keeperConnection()).createAppender(table, 'main', RESULTS_DATABASE);
      let rows = 0;
      for (let chunks = 0; ; chunks++) {
        const chunk = await result.fetchChunk();
        if (signal.aborted) throw cancelledError();
        if (!chunk || chunk.rowCount === 0) break;
        appender?.appendDataChunk(chunk);
        rows += chunk.rowCount;
        if (!appender || chunks < (opts.jsonChunks ?? 0)) yield { columns, rows: chunk.convertRows(toJsonValue) as JsonValue[][] };
      }
      appender?.closeSync(); // flushes: the rows are readable from here on
      appender = undefined;
      return { columns, table: table && quoteName([RESULTS_DATABASE, 'main', table]), columnNames, rows };
    } catch (e) {
      throw signal.aborted ? cancelledError() : sqlError(e);
    } finally {
      try {
        appender?.closeSync();
      } catch {
        // the statement failed or was cancelled: its partial rows are not read
      }
      if (prepared) await this.dropTemporary(prepared).catch(() => undefined);
      release();
    }
  }

  /** A new table for a retained result, or undefined when these columns cannot be a table's. */
  private async retainedTable(columnNames: string[], types: DuckDBType[]): Promise<string | undefined> {
    if (columnNames.length === 0) return undefined;
    const keeper = await this.keeperConnection();
    const name = this.internalName('result');
    const columns = columnNames.map((column, i) => `${quoteIdent(column)} ${types[i].toString()}`).join(', ');
    try {
      await keeper.run(`CREATE TABLE ${quoteName([RESULTS_DATABASE, 'main', name])} (${columns})`);
      return name;
    } catch {
      return undefined;
    }
  }

  private keeperConnection(): Promise<DuckDBConnection> {
    this.keeper ??= (async () => {
      const keeper = await this.instance.connect();
      this.keeperOpened = keeper;
      await keeper.run(`ATTACH IF NOT EXISTS ':memory:' AS ${quoteIdent(RESULTS_DATABASE)}`);
      return keeper;
    })();
    return this.keeper;
  }

  /** Stops the running statement (it fails with CANCELLED); statements queued behind it still run. */
  cancel(): void {
    if (!this.running) return;
    this.running.abort.abort();
    this.connection.interrupt();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const lease of this.viewLeases.values()) void lease.release().catch(() => undefined);
    this.viewLeases.clear();
    this.cancel();
    // The native close waits for the statement running now (interrupted just above) and any queued
    // turn (each refuses to start on a closed session): closing a connection under a running statement
    // left its promise pending forever, or brought the process down.
    void this.queue.then(() => {
      this.keeperOpened?.closeSync();
      this.connection.closeSync();
      this.instance.closeSync();
    });
  }

  /** Where DuckDB reads the objects, by key: in place for a local store, else local copies in the cache. */
  private async localPaths(store: ObjectStore, items: CacheItem[], signal: AbortSignal, lease?: CacheLease): Promise<Map<string, string>> {
    if (store.kind === 'local') return new Map(items.map((item) => [item.key, store.localPath(item.key)!]));
    return withAbortSignal(signal, () => this.requireCache(store).ensureMany(store, items, { signal, lease }));
  }

  /**
   * Runs `work` with a fresh cache lease for the view(s) under `key`; once it succeeded the lease replaces
   * the one the view had (released after the new one pins, so files both need are never unpinned).
   */
  private async withViewLease<T>(key: string, work: (lease: CacheLease | undefined) => Promise<T>): Promise<T> {
    const lease = this.cache?.lease();
    let result: T;
    try {
      result = await work(lease);
    } catch (e) {
      await lease?.release();
      throw e;
    }
    const previous = this.viewLeases.get(key);
    if (lease) this.viewLeases.set(key, lease);
    await previous?.release();
    return result;
  }

  private requireCache(store: ObjectStore): FileCache {
    if (!this.cache) {
      throw new LakebenchError('USAGE', 'remote tables need a file cache: create the session with { cache }', {
        object: store.url,
      });
    }
    return this.cache;
  }

  private internalName(kind: string): string {
    return `__lakebench_${kind}_${++this.counter}`;
  }

  private async showsAlready(name: string, snapshot: Snapshot): Promise<boolean> {
    const view = this.localViews.get(name.toLowerCase());
    return view?.snapshot === snapshot && view.oid !== undefined && view.oid === (await this.viewOid(name));
  }

  private async viewOid(name: string): Promise<bigint | undefined> {
    const reader = await this.connection.runAndReadAll(
      `SELECT view_oid FROM duckdb_views() WHERE lower(view_name) = lower($1) AND NOT internal AND NOT temporary`,
      [name],
    );
    const row = reader.getRows()[0];
    return row ? BigInt(row[0] as bigint) : undefined;
  }

  /** A view created under `name` replaces a table registered under it before: its per-statement source goes. */
  private async forgetSource(name: SqlName): Promise<void> {
    const previous = this.sources.get(keyOf(name));
    if (!previous) return;
    this.sources.delete(keyOf(name));
    await previous.source.drop?.(this.connection);
  }

  /** Loads the catalog tables `sql` names that are not loaded yet, each as a source under its qualified name. */
  private async loadCatalogTables(sql: string): Promise<void> {
    if (this.catalogs.size === 0) return;
    for (const [catalog, namespace, table] of catalogReferences(sql, this.catalogs.keys())) {
      const name = [catalog, namespace, table];
      if (this.sources.has(keyOf(name))) continue;
      const loaded = await this.catalogs.get(catalog)!(namespace.split('.'), table);
      await this.connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${quoteIdent(catalog)}`);
      await this.connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteName([catalog, namespace])}`);
      const cache = loaded.store.kind === 'local' ? undefined : this.requireCache(loaded.store);
      this.sources.set(keyOf(name), { name, source: new IcebergSource(name, loaded, { kind: 'current' }, cache) });
    }
  }

  /** Makes the views of the per-statement tables `sql` names (their files pinned by `lease`) and returns the SQL to run. */
  private async prepare(sql: string, signal: AbortSignal, lease: CacheLease | undefined): Promise<PreparedQuery> {
    await this.loadCatalogTables(sql);
    const named = referencedNames(sql, [...this.sources.values()].map((entry) => entry.name));
    let prepared: PreparedQuery = { sql };
    for (const name of named) {
      // Pruning rewrites the statement around one table; with several, each is read whole.
      const prune = named.length === 1 ? { viewName: this.internalName('pruned') } : undefined;
      prepared = await this.sources.get(keyOf(name))!.source.prepare(this.connection, sql, prune, signal, lease);
    }
    if (signal.aborted) throw cancelledError();
    return prepared;
  }

  private async dropTemporary(prepared: PreparedQuery): Promise<void> {
    if (!prepared.temporaryView) return;
    await this.connection.run(`DROP VIEW IF EXISTS ${quoteIdent(prepared.temporaryView)}`);
    await this.connection.run(`DROP TABLE IF EXISTS ${quoteIdent(deletedRowsTable(prepared.temporaryView))}`);
  }

  /**
   * Waits for the queue, then marks a statement as running; `release` lets the next one start. The
   * statement's lease pins the cached files it fetches until then.
   */
  private async begin(userSignal?: AbortSignal): Promise<{ signal: AbortSignal; lease?: CacheLease; release: () => void }> {
    if (this.closed) throw new LakebenchError('USAGE', 'the SQL session is closed');
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const previous = this.queue;
    this.queue = previous.then(() => turn);
    await previous;
    if (userSignal?.aborted || this.closed) {
      release();
      throw cancelledError();
    }
    const running: Running = { abort: new AbortController() };
    const onAbort = () => this.cancel();
    userSignal?.addEventListener('abort', onAbort, { once: true });
    this.running = running;
    const lease = this.cache?.lease();
    return {
      signal: running.abort.signal,
      lease,
      release: () => {
        userSignal?.removeEventListener('abort', onAbort);
        if (this.running === running) this.running = undefined;
        void lease?.release().catch(() => undefined);
        release();
      },
    };
  }

  private async exclusive<T>(work: (signal: AbortSignal, lease: CacheLease | undefined) => Promise<T>, userSignal?: AbortSignal): Promise<T> {
    const { signal, lease, release } = await this.begin(userSignal);
    try {
      if (signal.aborted) throw cancelledError();
      return await work(signal, lease);
    } catch (e) {
      throw signal.aborted ? cancelledError() : sqlError(e);
    } finally {
      release();
    }
  }
}
