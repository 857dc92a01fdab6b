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
import { formatDecides, requireOperation, requireView } from '../formats/capabilities';
import { detectFormat, findTables } from '../formats/detect';
import { tableFormats } from '../formats/registry';
import { LATEST, type ManifestsResult, type OpenContext, type PageRequest, type OperationSupport, type StandardView, type TableFormat, type TableHandle, type TableOperation, type VersionRef } from '../formats/table-format';
import { versionRefOf } from '../formats/version-ref';
import type { Catalog, HistoryFilter, MaintenanceLogEntry, QueryHistoryEntry, QueryStatus } from '../catalog/catalog';
import type { SqlSession } from '../sql/session';
import { versionsInSql, type SqlVersionRef } from '../sql/versions-in-sql';
import type { LoggedOperation } from '../ops/maintenance/operations';
import { compactablePartitions, partitionKey } from '../ops/compact-plan';
import { MAINTENANCE_DEFAULTS } from '../ops/maintenance/defaults';
import type { CompactOptions, CompactResult } from '../ops/compact';
import type { RewriteManifestsOptions, RewriteManifestsResult } from '../ops/iceberg-rewrite-manifests';
import type { IcebergImportResult } from '../ops/iceberg-append';
import type { CommitTarget } from '../formats/iceberg/commit';
import { watchedCache, type FetchWatcher } from './fetch-progress';
import type { MaintenanceRun } from './maintenance-log';
import { Catalogs } from './catalogs';
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
  PagedTableArgs,
  PartitionsResult,
  ResultChunk,
  SchemaResult,
  SqlArgs,
  SqlTableBinding,
  TableArgs,
} from './types';

/** The page `args` ask for, if any; USAGE for an offset or limit that is not a whole number in range. */
function pageRequestOf(args: PagedTableArgs): PageRequest | undefined {
  const { offset = 0, limit } = args;
  if (limit === undefined) {
    if (args.offset !== undefined) throw new LakebenchError('USAGE', 'an offset needs a limit (the page size)', { object: args.location });
    return undefined;
  }
  if (!Number.isSafeInteger(offset) || offset < 0) throw new LakebenchError('USAGE', `offset must be a whole number ≥ 0, not ${offset}`, { object: args.location });
  if (!Number.isSafeInteger(limit) || limit < 1) throw new LakebenchError('USAGE', `limit must be a whole number ≥ 1, not ${limit}`, { object: args.location });
  return { offset, limit };
}

const pageOf = <T>(items: readonly T[], { offset, limit }: PageRequest): T[] => items.slice(offset, offset + limit);

/** Marks each partition where Compact with its default options would merge files (needs every file of the table). */
async function withCompactable(table: TableHandle, at: VersionRef, result: PartitionsResult): Promise<PartitionsResult> {
  const { files } = await table.files!(at);
  // Data files only: an Iceberg table lists its delete files too.
  const data = files.filter((f) => f.content === undefined || f.content === 'data');
  const compactable = compactablePartitions(data, result.partitionColumns, MAINTENANCE_DEFAULTS);
  return { ...result, partitions: result.partitions.map((p) => ({ ...p, compactable: compactable.has(partitionKey(p, result.partitionColumns)) })) };
}

/** Opens a location as a store; the workbench passes one that knows its saved connections. */
export type StoreOpener = (args: LocationArgs) => ObjectStore;

const openWithEnvironment: StoreOpener = ({ location, endpoint, region, profile }) =>
  openLocation(location, { endpoint, region, profile });

export function createApi(options: ApiOptions = {}, openStore: StoreOpener = openWithEnvironment): LakebenchApi {
  return new LakebenchApi(resolveSettings(options), openStore);
}

/**
 * Where a location's table is. A location naming one state of a table (an Iceberg metadata file, a
 * catalog's table) comes with its format and the file that pins that state; any other with its store
 * alone (its format is then detected from what is there).
 */
export interface LocatedTable {
  store: ObjectStore;
  format?: TableFormat;
  pinned?: string;
  /** A catalog's table: where its commits swap the pointer (the catalog, not the folder). */
  commitTarget?: () => CommitTarget;
}

/** Options of a `tables` call. */
export interface TablesOptions {
  /** Also tell each versioned table's version count and current version (opens every table). */
  versions?: boolean;
}

export class LakebenchApi {
  private catalogHandle?: Catalog;
  private cacheHandle?: FileCache;
  /** Iceberg catalogs known by name: `<name>` and `<name>.<namespace>.<table>` are locations. */
  readonly catalogs = new Catalogs();

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

  /**
   * Every table under the location (every table of a catalog, for a catalog's name), with what each
   * offers (its format's capabilities).
   */
  async tables(args: LocationArgs, options: TablesOptions = {}): Promise<FoundTable[]> {
    const found = this.catalogs.named(args.location)
      ? await this.catalogs.tables(args.location)
      : await this.tablesUnder(this.open(args));
    if (!options.versions) return found;
    return Promise.all(
      found.map(async (table) => {
        if (!table.capabilities.views.includes('history')) return table;
        // A table that does not open is still listed (verify says what is wrong with it), without versions.
        const versions = await this.openTable({ ...args, location: table.location }).then(
          (handle) => handle.versions?.(),
          () => undefined,
        );
        return versions ? { ...table, versions: versions.count, ...(versions.current !== undefined && { currentVersion: versions.current }) } : table;
      }),
    );
  }

  private async tablesUnder(store: ObjectStore): Promise<FoundTable[]> {
    const found = await findTables(store);
    return found.map((t) => ({ name: t.name, key: t.key, location: store.urlOf(t.key), layout: t.format.name, capabilities: t.format.capabilities }));
  }

  /** Versions newest first; with a version or time, only those up to it. */
  async history(args: TableArgs): Promise<HistoryEntry[]> {
    const { table, at } = await this.tableAt(args, 'history');
    return table.history!(at);
  }

  /** Live files at a version; with `limit`, one page of them and their `total`. */
  async files(args: PagedTableArgs): Promise<FilesResult> {
    const { table, at } = await this.tableAt(args, 'files');
    const page = pageRequestOf(args);
    const result = await table.files!(at, page);
    if (!page || result.total !== undefined) return result;
    return { ...result, files: pageOf(result.files, page), total: result.files.length };
  }

  /**
   * Partitions at a version; with `limit`, one page of them and their `total`. Where the table can be
   * compacted, each says whether Compact with its defaults would merge files there — except on pages a
   * format made itself (a big Delta table's), where that would need every file.
   */
  async partitions(args: PagedTableArgs): Promise<PartitionsResult> {
    const { table, at, format } = await this.tableAt(args, 'partitions');
    const page = pageRequestOf(args);
    const result = await table.partitions!(at, page);
    if (page && result.total !== undefined) return result;
    const all = format.capabilities.operations.compact && table.files ? await withCompactable(table, at, result) : result;
    return page ? { ...all, partitions: pageOf(all.partitions, page), total: all.partitions.length } : all;
  }

  async schema(args: TableArgs): Promise<SchemaResult> {
    const { table, at } = await this.tableAt(args, 'schema');
    return table.schema!(at);
  }

  /** The groups the table keeps its files in at a version (Iceberg manifests), with their counts. */
  async manifests(args: TableArgs): Promise<ManifestsResult> {
    const { table, at } = await this.tableAt(args, 'manifests');
    return table.manifests!(at);
  }

  /** The live files of one of those groups (`manifest`: ManifestEntry.path). */
  async manifestFiles(args: TableArgs & { manifest: string }): Promise<FilesResult> {
    const { table, at } = await this.tableAt(args, 'manifests');
    return table.manifestFiles!(at, args.manifest);
  }

  /** The table at a location, opened by its format (NOT_A_TABLE naming the location when it holds none). */
  async openTable(args: LocationArgs): Promise<TableHandle> {
    return this.openLocated(await this.formatAt(args));
  }

  /**
   * Where the table a location names is: a catalog's table (`prod.db.events`), a file pinning one state
   * of a table (`…/metadata/v3.metadata.json`, told by the formats), or the store at the location.
   */
  async locate(args: LocationArgs): Promise<LocatedTable> {
    const ref = this.catalogs.tableRef(args.location);
    if (ref) {
      const table = await this.catalogs.load(ref);
      return { store: table.store, format: this.catalogs.format, pinned: table.metadataKey, commitTarget: () => this.catalogs.commitTarget(ref) };
    }
    for (const format of tableFormats()) {
      const file = format.tableFile?.(args.location);
      if (file) return { store: this.open({ ...args, location: file.table }), format, pinned: file.key };
    }
    return { store: this.open(args) };
  }

  /** URL of the table a location names (what quality results and the maintenance log are kept under). */
  async tableUrl(args: LocationArgs): Promise<string> {
    return (await this.locate(args)).store.url;
  }

  /**
   * The one check every operation that changes (or checks) a table passes, whichever transport asked:
   * the format of the table at `args` must support `operation` in the `variant` the caller runs. A
   * location holding no table passes (import and compact-staging create one; the others fail on
   * their own), and so do the data files of a table's first write cut short (see formatDecides).
   * Refuses by name before anything is touched: `compact: not supported for Iceberg tables`.
   */
  async requireSupport(operation: TableOperation, args: LocationArgs, variant?: OperationSupport['variant']): Promise<void> {
    const located = await this.locate(args);
    const format = await formatOf(located);
    if (format && formatDecides(format, operation)) requireOperation(format, operation, located.store.url, variant);
  }

  /** How the table at `args` supports `operation`: undefined when it holds no table (or the format does not support it). */
  async support(operation: TableOperation, args: LocationArgs): Promise<OperationSupport | undefined> {
    return (await formatOf(await this.locate(args)))?.capabilities.operations[operation];
  }

  private readonly openContext: OpenContext = {
    session: async () => {
      const { SqlSession } = await import('../sql/session');
      return SqlSession.create({ cache: await this.cache() });
    },
    cache: () => this.cache(),
  };

  private async formatAt(args: LocationArgs): Promise<LocatedTable & { format: TableFormat }> {
    const located = await this.locate(args);
    const format = await formatOf(located);
    if (!format) throw new LakebenchError('NOT_A_TABLE', 'no table of a known format here', { object: located.store.url });
    return { ...located, format };
  }

  /** Opens a located table by its format, at the file that pins it when there is one. */
  private openLocated({ store, format, pinned }: LocatedTable & { format: TableFormat }): Promise<TableHandle> {
    return format.open(store, { ...this.openContext, ...(pinned !== undefined && { pinned }) });
  }

  /** The table at `args` when it offers `view`, and the version `args` names as its format reads it (both checked before opening). */
  private async tableAt(args: TableArgs, view: StandardView): Promise<{ table: TableHandle; at: VersionRef; format: TableFormat }> {
    const located = await this.formatAt(args);
    requireView(located.format, view, located.store.url);
    const at = versionRefOf(located.format, args, located.store.url);
    return { table: await this.openLocated(located), at, format: located.format };
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
      const versioned = versionsInSql(args.sql);
      session = await this.openSqlSession({ ...args, versionRefs: versioned.refs }, options.signal);
      for await (const chunk of session.stream(versioned.sql, { signal: options.signal })) {
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
  async openSqlSession(args: Omit<SqlArgs, 'sql'> & { versionRefs?: SqlVersionRef[] }, signal?: AbortSignal, watchFetch?: FetchWatcher): Promise<SqlSession> {
    const { SqlSession } = await import('../sql/session');
    const cache = await this.cache();
    const session = await SqlSession.create({ cache: watchFetch ? watchedCache(cache, watchFetch) : cache });
    for (const name of this.catalogs.list()) session.attachCatalog(name, (namespace, table) => this.catalogs.load({ catalog: name, namespace, table }));
    try {
      // The lake first: an explicit binding (`orders` at version 3) replaces the lake's table of that name.
      const lakeTables = args.lake ? await this.registerLake(session, { ...args, location: args.lake }, signal) : new Map<string, string>();
      for (const binding of args.tables ?? []) await this.register(session, binding, signal);
      for (const ref of args.versionRefs ?? []) await this.register(session, await this.versionBinding(ref, args, lakeTables), signal);
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

  /**
   * Imports files in one commit: into a Delta table (created when absent), or — for a format whose
   * import is an `append` snapshot (Iceberg) — appended to the existing table through its catalog when it has one.
   */
  async importFiles(args: ImportArgs, job: JobOptions = {}): Promise<ImportResult | IcebergImportResult> {
    const { location, endpoint, region, profile, connectionId, ...options } = args;
    const where = { location, endpoint, region, profile, connectionId };
    if ((await this.support('import', where))?.variant === 'append-snapshot') {
      await this.requireSupport('import', where, 'append-snapshot');
      const located = await this.locate(where);
      const { appendToIceberg } = await import('../ops/iceberg-append');
      return appendToIceberg(located.store, located.commitTarget, { ...options, ...job });
    }
    await this.requireSupport('import', where);
    const { importFiles } = await import('../ops/import');
    return importFiles(this.open(where), { ...options, ...job });
  }

  /** Deletes the rows matching a SQL predicate in one commit (none when no row matches). */
  async deleteWhere(args: DeleteArgs, job: JobOptions = {}): Promise<DeleteResult> {
    await this.requireSupport('delete', args);
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
    work: (store: ObjectStore, pinned?: string, located?: LocatedTable) => Promise<T>,
    run: MaintenanceRun = {},
  ): Promise<T> {
    await this.requireSupport(operation, args, run.variant);
    const { runMaintenance, tableCounts } = await import('./maintenance-log');
    const located = await this.locate(args);
    // Located afresh each time: a catalog's pointer has moved after a commit.
    const counts = () =>
      tableCounts(async () => {
        const at = await this.locate(args);
        const format = await formatOf(at);
        return format && this.openLocated({ ...at, format });
      });
    return runMaintenance(await this.catalog(), operation, located.store, (at) => work(at, located.pinned, located), counts, run);
  }

  /**
   * Compacts the table at `args`: Delta's OPTIMIZE, or — for a format whose compaction is a `replace`
   * snapshot (Iceberg's rewrite_data_files) — that, committed through the table's catalog when it has one.
   */
  async compact(args: LocationArgs, options: CompactOptions, run: MaintenanceRun = {}): Promise<CompactResult> {
    const variant = (await this.support('compact', args))?.variant;
    if (variant === 'replace-snapshot') {
      const { compactIceberg } = await import('../ops/iceberg-compact');
      return this.maintenance('compact', args, (store, _pinned, located) => compactIceberg(store, located?.commitTarget, options), { ...run, variant });
    }
    const { compactTable } = await import('../ops/compact');
    return this.maintenance('compact', args, (store) => compactTable(store, options), run);
  }

  /** Merges small manifests into few (Iceberg's rewrite_manifests), committed through the table's catalog when it has one. */
  async rewriteManifests(args: LocationArgs, options: RewriteManifestsOptions, run: MaintenanceRun = {}): Promise<RewriteManifestsResult> {
    const { rewriteManifests } = await import('../ops/iceberg-rewrite-manifests');
    return this.maintenance('rewrite-manifests', args, (store, _pinned, located) => rewriteManifests(store, located?.commitTarget, options), run);
  }

  /** The maintenance log, newest first: every run, or only those on the table at `args`. */
  async maintenanceLog(args?: LocationArgs, limit?: number): Promise<MaintenanceLogEntry[]> {
    return (await this.catalog()).listMaintenance({ tableName: args && (await this.tableUrl(args)), limit });
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

  /** The binding's table as view(s) at the version it names (its format reads the version text). */
  private async register(session: SqlSession, binding: SqlTableBinding, signal?: AbortSignal): Promise<void> {
    const { table, at } = await this.tableAt(binding, 'preview');
    await table.register!(session, binding.name, at, { signal });
  }

  /**
   * Every queryable table under the lake at its latest version, by folder name (a catalog's are attached
   * already); returns their locations by lower-case name, for `name@version` references.
   */
  private async registerLake(session: SqlSession, args: LocationArgs, signal?: AbortSignal): Promise<Map<string, string>> {
    const locations = new Map<string, string>();
    if (this.catalogs.named(args.location)) return locations;
    const lake = this.open(args);
    for (const found of await findTables(lake)) {
      if (!found.format.capabilities.views.includes('preview')) continue;
      const store = lake.child(found.key);
      const table = await found.format.open(store, this.openContext);
      await table.register!(session, found.name, LATEST, { signal });
      locations.set(found.name.toLowerCase(), store.url);
    }
    return locations;
  }

  /**
   * The binding of a `name@version` view: the table a binding or the lake calls `name`, a catalog's
   * table by its qualified name, or else the one catalog table of that name, at that version.
   */
  private async versionBinding(ref: SqlVersionRef, args: Omit<SqlArgs, 'sql'>, lakeTables: ReadonlyMap<string, string>): Promise<SqlTableBinding> {
    const at = { name: ref.view, version: ref.version, asOf: ref.asOf };
    const bound = args.tables?.find((b) => b.name.toLowerCase() === ref.table.toLowerCase());
    if (bound) return { ...bound, ...at };
    // `prod.db.events@3`: a catalog's table by its qualified name (locate() reads it).
    if (this.catalogs.tableRef(ref.table)) return { location: ref.table, ...at };
    const location = lakeTables.get(ref.table.toLowerCase());
    if (location !== undefined) return { ...args, location, ...at };
    const named = await this.catalogTablesNamed(ref.table, args.lake);
    if (named.length === 1) return { location: named[0]!, ...at };
    if (named.length > 1) {
      throw new LakebenchError('USAGE', `${ref.view}: ${named.length} catalog tables are named ${ref.table} (${named.join(', ')}): write the qualified name`, { object: ref.view });
    }
    throw new LakebenchError('NOT_FOUND', `${ref.view}: no table named ${ref.table} in the lake, a catalog or the bindings`, { object: ref.view });
  }

  /**
   * Qualified names of the catalog tables called `name` (a bare name): in the lake's catalog when the lake
   * is one (a catalog workspace), else in every catalog known. Lists the catalogs: only asked when no
   * binding and no lake table has the name.
   */
  private async catalogTablesNamed(name: string, lake: string | undefined): Promise<string[]> {
    if (name.includes('.')) return [];
    const catalogs = lake !== undefined && this.catalogs.named(lake) ? [lake] : this.catalogs.list();
    const found: string[] = [];
    for (const catalog of catalogs) {
      for (const table of await this.catalogs.tables(catalog)) if (table.name.toLowerCase() === name.toLowerCase()) found.push(table.location);
    }
    return found;
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

/** The format of a located table: the one the location named, else the one its store holds (if any). */
async function formatOf(located: LocatedTable): Promise<TableFormat | undefined> {
  return located.format ?? (await detectFormat(located.store));
}

function objectEntry(o: { key: string; size: number; lastModified: Date }): LsEntry {
  return { kind: 'object', key: o.key, size: o.size, lastModified: o.lastModified.toISOString() };
}
