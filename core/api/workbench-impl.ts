/**
 * WorkbenchApi over the engine: LakebenchApi for browsing, inspection, SQL sessions and writes, plus the
 * workbench's own state (connections, saved queries, job log, workspace) and the held query results.
 * Transports (core/server, electron/) call this and nothing else.
 */
import { versionsInSql } from '../sql/versions-in-sql';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LakebenchError } from '../errors';
import type { IcebergCatalog } from '../formats/iceberg/catalog/catalog';
import type { SqlSession } from '../sql/session';
import { createApi, type LakebenchApi } from './api';
import { compareVersions } from './compare-versions';
import { diffRows } from './row-diff';
import { complete, type TableColumns, type VersionedTable } from './completion';
import { VersionLists } from './version-lists';
import { Connections } from './connections';
import { fetchJobListener, type FetchWatcher } from './fetch-progress';
import { Jobs } from './jobs';
import { previewObject } from './preview';
import { QueryResults } from './query-results';
import { KeyFileSecretBox, type SecretBox } from './secret-box';
import { homeSettings, lakebenchHome, type ApiOptions, type ApiSettings } from './settings';
import { runDoctor, type DoctorReport } from './doctor';
import type { FoundTable, LocationArgs, PagedTableArgs, SqlTableBinding, TableArgs } from './types';
import type * as W from './workbench';
import { WorkbenchStore } from './workbench-store';

export interface WorkbenchOptions extends ApiOptions {
  /** App state folder; default `$LAKEBENCH_HOME` (`~/.lakebench`). */
  home?: string;
  /** How connection secrets are sealed; default: a key file in `home` (see KeyFileSecretBox). */
  secretBox?: SecretBox;
}

const WORKSPACE_SETTING = 'workspace';
/** Local folders opened without a connection (`lakebench serve --lake`, the folder picker), most recent first. */
const LOCAL_FOLDERS_SETTING = 'local-folders';
const LOCAL_FOLDERS_KEPT = 8;
const DEFAULT_PAGE = 500;
const MAX_LIST_PAGE = 1000;
const DEFAULT_PREVIEW_ROWS = 50;
const MAX_PREVIEW_ROWS = 1000;

export function createWorkbench(options: WorkbenchOptions = {}): Workbench {
  return new Workbench(options);
}

export class Workbench implements W.WorkbenchApi {
  readonly home: string;
  private readonly settings: ApiSettings;
  private readonly api: LakebenchApi;
  private readonly store: WorkbenchStore;
  private readonly connectionRegistry: Connections;
  private readonly results = new QueryResults();
  private readonly jobRunner: Jobs;
  private readonly listeners = new Set<(event: W.WorkbenchEvent) => void>();
  /** Columns of the workspace's tables for completion, computed once per workspace. */
  private completionTables?: { root: string; tables: Promise<TableColumns> };
  private completionSession?: Promise<SqlSession>;
  private readonly versionLists = new VersionLists((table) => this.versionsOf(table));
  /** The sample lake is written once, even when several calls ask for it at the same time. */
  private sampleWritten?: Promise<void>;

  constructor(options: WorkbenchOptions = {}) {
    this.home = options.home ?? lakebenchHome();
    const settings = (this.settings = homeSettings({ ...options, home: this.home }));
    this.store = WorkbenchStore.open(settings.catalogPath);
    this.connectionRegistry = new Connections(this.store, options.secretBox ?? new KeyFileSecretBox(join(this.home, 'secret.key')));
    this.api = createApi(settings, (args) => this.connectionRegistry.open(args));
    this.jobRunner = new Jobs(
      {
        progress: (progress) => this.emit({ type: 'job-progress', progress }),
        state: (job) => {
          if (job.state !== 'running') this.versionLists.clear(); // the job may have added versions
          this.emit({ type: 'job-state', job });
        },
      },
      (job) => this.store.logJob(job),
      () => this.store.jobLog(),
    );
  }

  onEvent(listener: (event: W.WorkbenchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------- browsing and inspection ----------

  async lsPage(args: W.LsPageArgs): Promise<W.LsPageResult> {
    const catalog = await this.catalogOf(args);
    if (catalog) {
      const { catalogPage } = await import('./catalog-listing');
      return catalogPage(catalog, args.location, args.prefix ?? '');
    }
    const store = await this.open(args);
    const prefix = args.prefix ?? '';
    const limit = Math.min(args.limit ?? DEFAULT_PAGE, MAX_LIST_PAGE);
    const page = await store.list(prefix, { delimiter: true, token: args.token, maxKeys: limit });
    const entries: W.LsPageEntry[] = [
      ...page.prefixes.map((key): W.LsPageEntry => ({ kind: 'prefix', key, name: nameOf(key) })),
      ...page.objects.map(
        (o): W.LsPageEntry => ({ kind: 'object', key: o.key, name: nameOf(o.key), size: o.size, lastModified: o.lastModified.toISOString() }),
      ),
    ];
    if (entries.length === 0 && !args.token && store.kind === 'local' && !existsSync(prefix ? store.localPath(prefix.replace(/\/$/, ''))! : store.url)) {
      throw new LakebenchError('NOT_FOUND', 'no such folder', { object: store.urlOf(prefix) });
    }
    return { location: store.url, prefix, entries, ...(page.nextToken && { nextToken: page.nextToken }) };
  }

  async tables(args: LocationArgs): Promise<FoundTable[]> {
    await this.ready(args);
    return this.api.tables(args);
  }

  async history(args: TableArgs) {
    await this.ready(args);
    return this.api.history(args);
  }

  async files(args: PagedTableArgs) {
    await this.ready(args);
    return this.api.files(args);
  }

  async partitions(args: PagedTableArgs) {
    await this.ready(args);
    return this.api.partitions(args);
  }

  async schema(args: TableArgs) {
    await this.ready(args);
    return this.api.schema(args);
  }

  async manifests(args: TableArgs) {
    await this.ready(args);
    return this.api.manifests(args);
  }

  async manifestFiles(args: W.ManifestFilesArgs) {
    await this.ready(args);
    return this.api.manifestFiles(args);
  }

  async preview(args: W.PreviewArgs): Promise<W.PreviewResult> {
    const store = await this.open(args);
    const limit = Math.min(args.limit ?? DEFAULT_PREVIEW_ROWS, MAX_PREVIEW_ROWS);
    return previewObject(store, args.key, limit, await this.api.cache());
  }

  async compareVersions(args: W.CompareVersionsArgs): Promise<W.CompareVersionsResult> {
    await this.ready(args);
    return compareVersions(this.api, args);
  }

  async diffRows(args: W.RowDiffArgs): Promise<W.RowDiffResult> {
    await this.ready(args);
    return diffRows(this.api, args);
  }

  // ---------- queries ----------

  async queryStart(args: W.QueryStartArgs): Promise<W.QueryStarted> {
    const lake = args.lake ?? (await this.workspaceLocation());
    const tables = args.tables ?? [];
    await Promise.all([lake, ...tables].map((where) => this.ready(where)));
    const sqlArgs = { sql: args.sql, tables, lake: lake.location, connectionId: lake.connectionId };
    const queryId = args.queryId ?? randomUUID();
    // `events@3` in the text: a view of its own (the history keeps the text as typed).
    const versioned = versionsInSql(args.sql);
    return this.results.start({
      sql: versioned.sql,
      queryId,
      firstPageRows: args.firstPageRows,
      openSession: (signal) => this.api.openSqlSession({ ...sqlArgs, versionRefs: versioned.refs }, signal, this.prefetchJobs(queryId)),
      onFinished: (outcome) => void this.api.recordQuery(sqlArgs, outcome).catch(() => undefined),
    });
  }

  /** Each fetch of remote files for the query becomes a prefetch job; cancelling it cancels the query. */
  private prefetchJobs(queryId: string): FetchWatcher {
    return (store) =>
      fetchJobListener((missing) => {
        const job = this.jobRunner.begin('prefetch', `Fetch ${missing} ${missing === 1 ? 'file' : 'files'} of ${store.url} for a query`);
        job.signal.addEventListener('abort', () => this.results.cancel(queryId));
        return job;
      });
  }

  async queryPage(args: W.QueryPageArgs, options?: W.CallOptions): Promise<W.QueryPage> {
    return this.results.page(args, options?.signal);
  }

  async queryCancel(args: W.QueryIdArgs): Promise<void> {
    this.results.cancel(args.queryId);
  }

  async queryClose(args: W.QueryIdArgs): Promise<void> {
    this.results.close(args.queryId);
  }

  async queryRowCount(args: W.QueryIdArgs): Promise<W.QueryRowCount> {
    const rows = await this.results.rowCount(args.queryId);
    return rows === undefined ? {} : { rows };
  }

  async queryProfile(args: W.QueryProfileArgs): Promise<W.QueryProfileResult> {
    const profile = await this.results.profile(args.queryId, args.summaryOnly);
    return profile ? { profile } : {};
  }

  async complete(args: W.CompleteArgs): Promise<W.CompleteResult> {
    const columns = new Map(await this.workspaceColumns());
    for (const [name, table] of await this.columnsOf(args.tables ?? [])) columns.set(name, table);
    this.completionSession ??= import('../sql/session').then(({ SqlSession }) => SqlSession.create({ threads: 1 }));
    return complete(await this.completionSession, columns, args.sql, args.cursor, this.versionLists.of);
  }

  /** Versions by id, newest first, for `orders@|`, through the table's own connection (tables without a log have none). */
  private async versionsOf(table: VersionedTable): Promise<string[]> {
    await this.ready(table);
    return (await this.api.history(table)).sort((a, b) => b.ordinal - a.ordinal).map((h) => h.version);
  }

  async queryHistory(args: W.HistoryFilter) {
    return this.api.queryHistory(args);
  }

  async savedQueries(): Promise<W.SavedQuery[]> {
    return this.store.savedQueries();
  }

  async saveQuery(args: W.SaveQueryArgs): Promise<W.SavedQuery> {
    return this.store.saveQuery(args);
  }

  async removeSavedQuery(args: { id: number }): Promise<void> {
    this.store.removeSavedQuery(args.id);
  }

  // ---------- jobs ----------

  async exportResult(args: W.ExportResultArgs): Promise<W.JobInfo> {
    return this.jobRunner.start('export', `Export to ${args.path}`, async ({ signal, progress }) => {
      const total = this.results.totalRows(args.queryId) ?? 0;
      progress({ phase: 'writing', done: 0, total, bytes: 0 });
      const result = await this.results.export(args, signal);
      progress({ phase: 'done', done: result.rows, total: result.rows, bytes: result.bytes });
      return result;
    });
  }

  async importFiles(args: W.ImportJobArgs): Promise<W.JobInfo> {
    await this.ready(args);
    return this.jobRunner.start('import', `Import into ${args.location}`, ({ signal, progress }) =>
      this.api.importFiles(args, { signal, onProgress: progress }),
    );
  }

  async deleteWhere(args: W.DeleteJobArgs): Promise<W.JobInfo> {
    await this.ready(args);
    return this.jobRunner.start('delete', `Delete from ${args.location} where ${args.where}`, ({ signal, progress }) =>
      this.api.deleteWhere(args, { signal, onProgress: progress }),
    );
  }

  async maintenanceStart(args: W.MaintenanceJobArgs): Promise<W.JobInfo> {
    await this.ready(args);
    const { maintenanceJobTitle, maintenanceSubject, runMaintenanceJob } = await import('./maintenance-jobs');
    return this.jobRunner.start('maintenance', maintenanceJobTitle(args), (job) => runMaintenanceJob(this.api, args, job), maintenanceSubject(args));
  }

  async maintenanceLog(args: W.MaintenanceLogArgs): Promise<W.MaintenanceLogEntry[]> {
    const table = args.location === undefined ? undefined : { location: args.location, connectionId: args.connectionId };
    if (table) await this.ready(table);
    return this.api.maintenanceLog(table, args.limit);
  }

  async desArchive(args: W.LocationArgs): Promise<W.DesArchiveSummary> {
    await this.ready(args);
    const { archiveSummary } = await import('./des-archive');
    return archiveSummary(this.api.open(args));
  }

  async desEntries(args: W.DesShardArgs): Promise<W.DesEntryRow[]> {
    await this.ready(args);
    const { shardEntries } = await import('./des-archive');
    return shardEntries(this.api.open(args), args.shard);
  }

  async desEntry(args: W.DesEntryArgs): Promise<W.DesEntryPreview> {
    await this.ready(args);
    const { entryPreview } = await import('./des-archive');
    return entryPreview(this.api.open(args), args.uid, args);
  }

  async desExport(args: W.DesExportArgs): Promise<{ path: string; bytes: number; shard: string }> {
    await this.ready(args);
    const { exportEntry } = await import('./des-archive');
    return exportEntry(this.api.open(args), args.uid, args.path, args);
  }

  async lakeSyncSummary(args: W.LocationArgs): Promise<W.LakeSyncSummary> {
    await this.ready(args);
    const { lakeSyncSummary } = await import('./lakesync-summary');
    return lakeSyncSummary(this.api, args);
  }

  async lakesideSummary(args: W.LocationArgs): Promise<W.LakesideSummary> {
    await this.ready(args);
    const { lakesideSummary } = await import('./lakeside-summary');
    return lakesideSummary(this.api, args);
  }

  async qualityRun(args: W.QualityRunArgs): Promise<W.CheckReport> {
    await this.ready(args);
    const { checkTable } = await import('./quality');
    const table = args.version === undefined ? args.location : `${args.location}@${args.version}`;
    return checkTable(this.api, { connectionId: args.connectionId, table, rules: args.rules });
  }

  async qualityRules(args: W.QualityTableArgs): Promise<W.QualityCheck[]> {
    await this.ready(args);
    return ((await this.api.catalog()).loadQualityRules(await this.api.tableUrl(args)) ?? []) as W.QualityCheck[];
  }

  async saveQualityRules(args: W.SaveQualityRulesArgs): Promise<void> {
    await this.ready(args);
    (await this.api.catalog()).saveQualityRules(await this.api.tableUrl(args), args.rules);
  }

  async qualityHistory(args: W.QualityTableArgs): Promise<W.QualityResultEntry[]> {
    await this.ready(args);
    return (await this.api.catalog()).listQualityResults({ tableName: await this.api.tableUrl(args), limit: args.limit });
  }

  async jobs(): Promise<W.JobInfo[]> {
    return this.jobRunner.list();
  }

  async jobCancel(args: W.JobIdArgs): Promise<void> {
    this.jobRunner.cancel(args.jobId);
  }

  /** Resolves when a job has ended (tests, shutdown). */
  jobSettled(jobId: string): Promise<void> {
    return this.jobRunner.settled(jobId);
  }

  // ---------- connections ----------

  async connections(): Promise<W.ConnectionInfo[]> {
    return this.connectionRegistry.list();
  }

  async saveConnection(args: W.ConnectionInput): Promise<W.ConnectionInfo> {
    if (args.id !== undefined) this.forgetCatalog(args.id);
    return this.connectionRegistry.save(args);
  }

  async testConnection(args: W.ConnectionInput | W.ConnectionIdArgs): Promise<W.ConnectionTestResult> {
    return this.connectionRegistry.test(args);
  }

  async removeConnection(args: W.ConnectionIdArgs): Promise<void> {
    this.forgetCatalog(args.id);
    this.connectionRegistry.remove(args.id);
    // The workspace cannot stay on a connection that is gone: the most recent local folder (else the sample) takes over.
    if (this.store.setting<LocationArgs>(WORKSPACE_SETTING)?.connectionId === args.id) {
      const folder = this.localFolders()[0];
      this.store.setSetting(WORKSPACE_SETTING, folder === undefined ? null : { location: folder });
    }
  }

  private localFolders(): string[] {
    return this.store.setting<string[]>(LOCAL_FOLDERS_SETTING) ?? [];
  }

  /** A catalog connection changed or went: the API no longer knows its catalog by its (old) name. */
  private forgetCatalog(id: string): void {
    const opened = this.connectionRegistry.catalog(id);
    if (opened) this.api.catalogs.remove(opened.name);
  }

  // ---------- workspace ----------

  async workspace(args: W.WorkspaceArgs = {}): Promise<W.WorkspaceInfo> {
    return this.describeWorkspace(await this.workspaceLocation(), args.withoutTables);
  }

  async openWorkspace(args: W.OpenWorkspaceArgs): Promise<W.WorkspaceInfo> {
    const where = { location: args.location, ...(args.connectionId && { connectionId: args.connectionId }) };
    // Listing first: a location that cannot be read is refused before it becomes the workspace.
    const info = await this.describeWorkspace(where, args.withoutTables);
    this.store.setSetting(WORKSPACE_SETTING, where);
    if (!where.connectionId && !info.isSample && !(await this.catalogOf(where))) {
      const folders = [where.location, ...this.localFolders().filter((f) => f !== where.location)].slice(0, LOCAL_FOLDERS_KEPT);
      this.store.setSetting(LOCAL_FOLDERS_SETTING, folders);
      return { ...info, localFolders: folders };
    }
    return info;
  }

  doctor(): Promise<DoctorReport> {
    return runDoctor(this.settings);
  }

  async close(): Promise<void> {
    this.results.closeAll();
    await this.jobRunner.cancelAll();
    (await this.completionSession?.catch(() => undefined))?.close();
    this.connectionRegistry.close();
    await this.api.close();
    this.store.close();
  }

  /** Delivers an event to every subscriber (also used by hosts, e.g. for "engine restarted"). */
  emit(event: W.WorkbenchEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private get sampleLake(): string {
    return join(this.home, 'sample-lake');
  }

  private async workspaceLocation(): Promise<LocationArgs> {
    const saved = this.store.setting<LocationArgs>(WORKSPACE_SETTING);
    if (saved) return saved;
    this.sampleWritten ??= existsSync(this.sampleLake)
      ? Promise.resolve()
      : import('../demo/copy-sample-lake').then(({ copySampleLake }) => copySampleLake(this.sampleLake));
    await this.sampleWritten;
    return { location: this.sampleLake };
  }

  private async describeWorkspace(where: LocationArgs, withoutTables = false): Promise<W.WorkspaceInfo> {
    // Without tables, one small listing still proves the location readable (and a local folder present).
    const tables = withoutTables ? (await this.lsPage({ ...where, limit: 1 }), []) : await this.tables(where);
    // A catalog's root is its name; anything else is told by its store's URL.
    const root = (await this.catalogOf(where)) ? where.location : this.api.open(where).url;
    return {
      root,
      ...(where.connectionId && { connectionId: where.connectionId }),
      isSample: !where.connectionId && resolve(root) === resolve(this.sampleLake),
      localFolders: this.localFolders(),
      tables,
    };
  }

  private async workspaceColumns(): Promise<TableColumns> {
    const where = await this.workspaceLocation();
    const root = JSON.stringify(where);
    if (this.completionTables?.root !== root) {
      const tables = this.tables(where).then((found) =>
        this.columnsOf(found.map((t) => ({ name: t.name, location: t.location, connectionId: where.connectionId }))),
      );
      tables.catch(() => undefined);
      this.completionTables = { root, tables };
    }
    return this.completionTables.tables;
  }

  /** Column names per binding: Delta from the log's schema, anything else as DuckDB sees the view. */
  private async columnsOf(bindings: SqlTableBinding[]): Promise<TableColumns> {
    const result: TableColumns = new Map();
    for (const binding of bindings) {
      await this.ready(binding);
      let columns: string[] = [];
      try {
        columns = (await this.api.schema(binding)).fields.map((f) => f.name);
      } catch {
        columns = (await this.describe(binding).catch(() => [])).map((c) => c.name);
      }
      result.set(binding.name.toLowerCase(), { location: binding.location, connectionId: binding.connectionId, columns });
    }
    return result;
  }

  /** Columns of a binding as DuckDB sees its view. */
  private async describe(binding: SqlTableBinding): Promise<W.ResultColumn[]> {
    const session = await this.api.openSqlSession({ tables: [binding] });
    try {
      const described = await session.query(`DESCRIBE ${binding.name}`);
      return described.rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    } finally {
      session.close();
    }
  }

  /** Opens the connection a call names, once; a catalog connection's catalog becomes known to the API by its name. */
  private async ready(where: { connectionId?: string }): Promise<void> {
    if (where.connectionId === undefined) return;
    await this.connectionRegistry.ready(where.connectionId);
    const opened = this.connectionRegistry.catalog(where.connectionId);
    if (opened && this.api.catalogs.named(opened.name) !== opened.catalog) this.api.catalogs.add(opened.name, opened.catalog);
  }

  /** The catalog a location names by itself (a catalog connection's root), if any. */
  private async catalogOf(where: LocationArgs): Promise<IcebergCatalog | undefined> {
    await this.ready(where);
    return this.api.catalogs.named(where.location);
  }

  private async open(args: LocationArgs) {
    await this.ready(args);
    return this.api.open(args);
  }
}

function nameOf(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  const name = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return key.endsWith('/') ? `${name}/` : name;
}
