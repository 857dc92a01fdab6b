/**
 * The one API surface of the engine, used by the CLI, later by the local web server and Electron IPC.
 * Arguments and results are plain JSON-able objects (types.ts); `sql` streams chunks. Heavy parts
 * (DuckDB, SQLite, the import/delete jobs) load on first use, so browsing a bucket never pays for them.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { LakebenchError, isLakebenchError } from '../errors';
import { openLocation } from '../storage/location';
import type { ObjectStore } from '../storage/types';
import type { FileCache } from '../storage/cache';
import { findTables, detectLayout } from '../formats/detect';
import { DeltaTable, type VersionSpec } from '../formats/delta/table';
import type { Catalog, HistoryFilter, MaintenanceLogEntry, QueryHistoryEntry, QueryStatus } from '../catalog/catalog';
import type { SqlSession } from '../sql/session';
import type { LoggedOperation } from '../ops/maintenance/operations';
import { watchedCache, type FetchWatcher } from './fetch-progress';
import { hlcAtTime } from '../formats/lakesync/hlc';
import { readLakesideLog } from '../formats/lakeside/log';
import type { MaintenanceRun } from './maintenance-log';
import { fileEntry, liveRows, partitionEntries } from './snapshot-views';
import { columnId, physicalName } from '../formats/delta/column-mapping';
import { featureNames } from '../formats/delta/features';
import { formatTableBinding } from './table-binding';
import { resolveSettings, type ApiOptions, type ApiSettings } from './settings';
import type {
  DeleteArgs,
  DeleteResult,
  FilesResult,
  FoundTable,
  HistoryEntry,
  ImportArgs,
  ImportResult,
  JobOptions,
  LocationArgs,
  LsArgs,
  LsEntry,
  LsResult,
  PartitionsResult,
  ResultChunk,
  SchemaResult,
  SqlArgs,
  SqlTableBinding,
  TableArgs,
} from './types';

/** Opens a location as a store; the workbench passes one that knows its saved connections. */
export type StoreOpener = (args: LocationArgs) => ObjectStore;

const openWithEnvironment: StoreOpener = ({ location, endpoint, region, profile }) =>
  openLocation(location, { endpoint, region, profile });

export function createApi(options: ApiOptions = {}, openStore: StoreOpener = openWithEnvironment): LakebenchApi {
  return new LakebenchApi(resolveSettings(options), openStore);
}

export class LakebenchApi {
  private catalogHandle?: Catalog;
  private cacheHandle?: FileCache;

  constructor(
    readonly settings: ApiSettings,
    private readonly openStore: StoreOpener = openWithEnvironment,
  ) {}

  async ls(args: LsArgs): Promise<LsResult> {
    const store = this.open(args);
    const entries: LsEntry[] = [];
    if (args.recursive) {
      for await (const o of store.listAll('')) entries.push(objectEntry(o));
    } else {
      let token: string | undefined;
      do {
        const page = await store.list('', { delimiter: true, token });
        entries.push(...page.prefixes.map((key): LsEntry => ({ kind: 'prefix', key })), ...page.objects.map(objectEntry));
        token = page.nextToken;
      } while (token);
    }
    // A local folder that is not there is a typo, not an empty prefix as on S3.
    if (entries.length === 0 && store.kind === 'local' && !existsSync(store.url)) {
      throw new LakebenchError('NOT_FOUND', 'no such folder', { object: store.url });
    }
    return { location: store.url, entries };
  }

  async tables(args: LocationArgs): Promise<FoundTable[]> {
    const store = this.open(args);
    const found = await findTables(store);
    return found.map((t) => ({ name: t.name, key: t.key, location: store.urlOf(t.key), layout: t.layout }));
  }

  /** Commits newest first; with a version or time, only those up to it. */
  async history(args: TableArgs): Promise<HistoryEntry[]> {
    const store = this.open(args);
    let table: DeltaTable;
    try {
      table = await DeltaTable.open(store);
    } catch (e) {
      // Not a Delta table: a Lakeside bucket's history is its `_lakeside_log` (looked for only then, so a Delta table lists its log once).
      if (isLakebenchError(e, 'NOT_A_TABLE') && (await detectLayout(store)) === 'lakeside') return lakesideHistory(store);
      throw e;
    }
    // Resolving the version through a snapshot gives the reader's own errors for missing versions and times.
    const pinned = args.version !== undefined || args.asOf !== undefined;
    const upTo = pinned ? (await table.snapshot(deltaVersion(args))).version : undefined;
    const commits = await table.history();
    return commits
      .filter((c) => upTo === undefined || c.version <= upTo)
      .map((c) => ({
        version: c.version,
        timestamp: new Date(c.timestamp).toISOString(),
        ...(c.operation !== undefined && { operation: c.operation }),
        ...(c.onlyDeletionVectors && { onlyDeletionVectors: true }),
        ...(c.operationParameters && { operationParameters: c.operationParameters }),
        ...(c.operationMetrics && { operationMetrics: c.operationMetrics }),
      }));
  }

  async files(args: TableArgs): Promise<FilesResult> {
    const { store, snapshot } = await this.snapshot(args);
    const files = snapshot.files.map((f) => fileEntry(f, snapshot));
    const live = liveRows(files);
    return { location: store.url, version: snapshot.version, files, ...(live !== undefined && { liveRows: live }) };
  }

  async partitions(args: TableArgs): Promise<PartitionsResult> {
    const { location, version, files } = await this.files(args);
    const { snapshot } = await this.snapshot({ ...args, version });
    return {
      location,
      version,
      partitionColumns: snapshot.partitionColumns,
      partitions: partitionEntries(files, snapshot.partitionColumns),
    };
  }

  async schema(args: TableArgs): Promise<SchemaResult> {
    const { store, snapshot } = await this.snapshot(args);
    return {
      location: store.url,
      version: snapshot.version,
      partitionColumns: snapshot.partitionColumns,
      fields: snapshot.schema.fields.map((field) => {
        const mapped = snapshot.columnMapping !== 'none';
        const fieldId = columnId(field);
        return {
          name: field.name,
          type: field.type,
          nullable: field.nullable,
          ...(mapped && { physicalName: physicalName(field, snapshot.columnMapping) }),
          ...(mapped && fieldId !== undefined && { fieldId }),
        };
      }),
      ...(snapshot.columnMapping !== 'none' && { columnMapping: snapshot.columnMapping }),
      features: featureNames(snapshot.protocol, snapshot.metadata),
    };
  }

  /**
   * Runs a query over the given tables and streams its result. Every run is recorded in the catalog's
   * query history, whether it succeeds, fails or is cancelled through `signal`.
   */
  async *sql(args: SqlArgs, options: { signal?: AbortSignal } = {}): AsyncGenerator<ResultChunk> {
    const startedAt = new Date();
    let rows = 0;
    let status: QueryStatus = 'ok';
    let error: string | undefined;
    let session: SqlSession | undefined;
    try {
      session = await this.openSqlSession(args, options.signal);
      for await (const chunk of session.stream(args.sql, { signal: options.signal })) {
        rows += chunk.rows.length;
        yield chunk;
      }
    } catch (e) {
      status = isLakebenchError(e, 'CANCELLED') ? 'cancelled' : 'error';
      error = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      session?.close();
      await this.recordQuery(args, { startedAt, rows, status, error });
    }
  }

  /**
   * A DuckDB session with the tables of `args` (bindings and lake) registered; the caller closes it.
   * `watchFetch` hears about every fetch of remote files into the cache that the session makes.
   */
  async openSqlSession(args: Omit<SqlArgs, 'sql'>, signal?: AbortSignal, watchFetch?: FetchWatcher): Promise<SqlSession> {
    const { SqlSession } = await import('../sql/session');
    const cache = await this.cache();
    const session = await SqlSession.create({ cache: watchFetch ? watchedCache(cache, watchFetch) : cache });
    try {
      // The lake first: an explicit binding (`orders` at version 3) replaces the lake's table of that name.
      if (args.lake) await this.registerLake(session, { ...args, location: args.lake }, signal);
      for (const binding of args.tables ?? []) await this.register(session, binding, signal);
      return session;
    } catch (e) {
      session.close();
      throw e;
    }
  }

  /** Adds a finished query to the catalog's history. */
  async recordQuery(
    args: SqlArgs,
    outcome: { startedAt: Date; rows: number; status: QueryStatus; error?: string },
  ): Promise<void> {
    (await this.catalog()).addHistory({
      sql: args.sql,
      tables: [...(args.tables ?? []).map(formatTableBinding), ...(args.lake ? [`--lake ${args.lake}`] : [])],
      startedAt: outcome.startedAt.toISOString(),
      durationMs: Date.now() - outcome.startedAt.getTime(),
      rows: outcome.rows,
      status: outcome.status,
      error: outcome.error,
    });
  }

  async queryHistory(filter: HistoryFilter = {}): Promise<QueryHistoryEntry[]> {
    return (await this.catalog()).listHistory(filter);
  }

  /** Imports files into a Delta table (created when absent) in one commit. */
  async importFiles(args: ImportArgs, job: JobOptions = {}): Promise<ImportResult> {
    const { importFiles } = await import('../ops/import');
    const { location, endpoint, region, profile, connectionId, ...options } = args;
    return importFiles(this.open({ location, endpoint, region, profile, connectionId }), { ...options, ...job });
  }

  /** Deletes the rows matching a SQL predicate in one commit (none when no row matches). */
  async deleteWhere(args: DeleteArgs, job: JobOptions = {}): Promise<DeleteResult> {
    const { deleteWhere } = await import('../ops/delete');
    return deleteWhere(this.open(args), args.where, job);
  }

  /**
   * Runs one maintenance operation against the table (or location) at `args`. Every run is recorded in
   * the catalog's maintenance log: status, duration, versions and live files before and after.
   */
  async maintenance<T>(
    operation: LoggedOperation,
    args: LocationArgs,
    work: (store: ObjectStore) => Promise<T>,
    run: MaintenanceRun = {},
  ): Promise<T> {
    const { runMaintenance } = await import('./maintenance-log');
    return runMaintenance(await this.catalog(), operation, this.open(args), work, run);
  }

  /** The maintenance log, newest first: every run, or only those on the table at `args`. */
  async maintenanceLog(args?: LocationArgs, limit?: number): Promise<MaintenanceLogEntry[]> {
    return (await this.catalog()).listMaintenance({ tableName: args && this.open(args).url, limit });
  }

  /** Writes the built-in sample lake into `dir` and lists the tables in it. */
  /** Copies the built-in sample lake (resources/sample-lake) to `dir`, which must be absent or empty. */
  async demo(dir: string): Promise<FoundTable[]> {
    const { copySampleLake } = await import('../demo/copy-sample-lake');
    const root = resolve(dir);
    await copySampleLake(root);
    return this.tables({ location: root });
  }

  async close(): Promise<void> {
    this.catalogHandle?.close();
    this.catalogHandle = undefined;
  }

  /** The store of a location, opened the way this API was configured to (see StoreOpener). */
  open(args: LocationArgs): ObjectStore {
    return this.openStore(args);
  }

  private async snapshot(args: TableArgs) {
    const store = this.open(args);
    const table = await DeltaTable.open(store);
    return { store, snapshot: await table.snapshot(deltaVersion(args)) };
  }

  private async register(session: SqlSession, binding: SqlTableBinding, signal?: AbortSignal): Promise<void> {
    const store = this.open(binding);
    const layout = await detectLayout(store);
    if (layout === 'delta') {
      if (binding.hlc !== undefined) throw new LakebenchError('USAGE', `@${binding.hlc}: an HLC travels in a LakeSync bucket; this is a Delta table`, { object: store.url });
      await session.registerDelta(binding.name, await DeltaTable.open(store), deltaVersion(binding));
    } else if (layout === 'lakesync') {
      // Each LakeSync table becomes a view under its own name; `@<HLC>` or `@<ISO time>` travels.
      if (binding.version !== undefined) throw new LakebenchError('USAGE', `@${binding.version}: a LakeSync bucket travels by HLC or ISO time`, { object: store.url });
      const asOf = binding.hlc !== undefined ? BigInt(binding.hlc) : binding.asOf ? hlcAtTime(binding.asOf) : undefined;
      await session.registerLakeSync(store, { asOf, signal });
    } else if (binding.version !== undefined || binding.asOf !== undefined || binding.hlc !== undefined) {
      throw new LakebenchError('USAGE', `only Delta tables have versions; this is ${layout ?? 'no table'}`, { object: store.url });
    } else if (layout === 'parquet') {
      await session.registerParquetFolder(binding.name, store, { signal });
    } else if (layout === 'lakeside') {
      await session.registerLakeside(binding.name, store, { signal });
    } else {
      throw new LakebenchError('NOT_A_TABLE', 'no Delta table or Parquet folder here', { object: store.url });
    }
  }

  private async registerLake(session: SqlSession, args: LocationArgs, signal?: AbortSignal): Promise<void> {
    const lake = this.open(args);
    for (const found of await findTables(lake)) {
      const store = lake.child(found.key);
      if (found.layout === 'delta') await session.registerDelta(found.name, await DeltaTable.open(store), {});
      else if (found.layout === 'parquet') await session.registerParquetFolder(found.name, store, { signal });
      else if (found.layout === 'lakesync') await session.registerLakeSync(store, { signal });
      else if (found.layout === 'lakeside') await session.registerLakeside(found.name, store, { signal });
    }
  }

  async catalog(): Promise<Catalog> {
    if (!this.catalogHandle) {
      const { Catalog } = await import('../catalog/catalog');
      this.catalogHandle = Catalog.open(this.settings.catalogPath);
    }
    return this.catalogHandle;
  }

  async cache(): Promise<FileCache> {
    if (!this.cacheHandle) {
      const { FileCache } = await import('../storage/cache');
      this.cacheHandle = new FileCache(this.settings.cacheDir, this.settings.cacheBytes);
    }
    return this.cacheHandle;
  }
}

/** The API's JSON version spec (ISO text) as the Delta reader takes it. */
function deltaVersion(spec: { version?: number; asOf?: string }): VersionSpec {
  return { version: spec.version, asOf: spec.asOf === undefined ? undefined : new Date(spec.asOf) };
}

function objectEntry(o: { key: string; size: number; lastModified: Date }): LsEntry {
  return { kind: 'object', key: o.key, size: o.size, lastModified: o.lastModified.toISOString() };
}

/** A Lakeside bucket's `_lakeside_log` entries as history, newest first. */
async function lakesideHistory(store: ObjectStore): Promise<HistoryEntry[]> {
  const { entries } = await readLakesideLog(store);
  return entries
    .map((e) => ({
      version: e.version,
      timestamp: e.timestamp,
      operation: e.operation,
      operationMetrics: {
        filesAdded: e.add.length,
        filesRemoved: e.remove.length,
        rowsAdded: e.add.reduce((n, a) => n + (a.rowCount ?? 0), 0),
        bytesAdded: e.add.reduce((n, a) => n + (a.size ?? 0), 0),
      },
    }))
    .reverse();
}
