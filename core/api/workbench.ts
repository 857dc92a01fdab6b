/**
 * The desktop workbench's contract: what the renderer calls, whether through Electron IPC
 * (`window.lakebench`), the local server (`lakebench serve`, renderer/src/api/http-client.ts) or
 * directly in tests. Every method is async and takes and returns plain JSON (no Dates, bigints, class
 * instances); secrets go in (saveConnection, testConnection) and never come back out.
 *
 * Locations: `location` is always a full location string (local path, `s3://bucket/prefix`,
 * `r2://account/bucket/prefix`), as FoundTable.location and WorkspaceInfo.root give it. With
 * `connectionId`, the saved connection's endpoint and credentials open it, and it must lie inside the
 * connection's root; without it, the standard AWS variables and profiles apply (like the CLI).
 */
import type { DoctorReport } from './doctor';
import type { HistoryFilter, MaintenanceLogEntry, MaintenanceStatus, QualityResultEntry, QueryHistoryEntry } from '../catalog/catalog';
import type { QualityCheck } from '../quality/rules';
import type { CheckReport } from './quality';
import type { MaintenanceOperation, TransferProgress } from '../ops/maintenance/operations';
import type { CompactResult } from '../ops/compact';
import type { CompactStagingResult } from '../ops/compact-staging';
import type { ExpireResult } from '../ops/expire';
import type { MaintainResult } from '../ops/maintain';
import type { OrphansResult } from '../ops/orphans';
import type { RepackResult } from '../ops/repack';
import type { VacuumResult } from '../ops/vacuum';
import type { DesRepackResult } from '../ops/des-repack';
import type { RewriteManifestsPlanEntry, RewriteManifestsResult } from '../ops/iceberg-rewrite-manifests';
import type { DesArchiveSummary, DesEntryPreview, DesShardSummary } from './des-archive';
import type { LakeSyncDeltaFile, LakeSyncMaterialisedState, LakeSyncSummary, LakeSyncTableSummary } from './lakesync-summary';
import type { LakesideCompactedFile, LakesideStagingPartition, LakesideSummary } from './lakeside-summary';
import type { ReconcileReport as LakesideReconcileReport } from '../formats/lakeside/reconcile';
import type { EntryRow as DesEntryRow } from '../formats/des/archive';
import type { VerifyProblem, VerifyReport } from '../ops/verify/verify';
import type {
  FileEntry,
  FilesResult,
  FoundTable,
  HistoryEntry,
  ManifestEntry,
  ManifestsResult,
  DeleteArgs,
  ImportArgs,
  LocationArgs,
  PartitionEntry,
  PartitionsResult,
  ResultColumn,
  SchemaField,
  SchemaResult,
  PagedTableArgs,
  SqlTableBinding,
  TableArgs,
} from './types';

export type { FileEntry, FilesResult, FoundTable, HistoryEntry, ManifestEntry, ManifestsResult, PartitionEntry, PartitionsResult, ResultColumn, SchemaField, SchemaResult, QueryHistoryEntry, HistoryFilter };
export type { PartitionField, PartitionSpec } from './types';
export type { OperationSupport, TableCapabilities, TableOperation, TableView } from './types';
export { STANDARD_VIEWS } from '../formats/table-format';
/** A location (and a table location at a version): see the module comment for `connectionId`. */
export type { LocationArgs, PagedTableArgs, TableArgs, SqlTableBinding };

/** A JSON value as query results carry it (big integers beyond 2^53 and decimals as strings). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// ---------- browsing ----------

export interface LsPageArgs extends LocationArgs {
  /** Folder inside the location, relative, '' or ending in `/` (default ''). */
  prefix?: string;
  /** `nextToken` of the previous page. */
  token?: string;
  /** Entries per page (default 500, at most 1000). */
  limit?: number;
}

export interface LsPageEntry {
  kind: 'prefix' | 'object';
  /** Relative to the location, including `prefix`; prefixes end with `/`. */
  key: string;
  /** Just the last path segment (prefixes keep their trailing `/`), for display. */
  name: string;
  size?: number;
  /** ISO-8601. */
  lastModified?: string;
}

export interface LsPageResult {
  /** URL of the location root (what `key` is relative to). */
  location: string;
  prefix: string;
  entries: LsPageEntry[];
  /** Present when more entries follow: pass it back as `token`. */
  nextToken?: string;
}

export interface PreviewArgs extends LocationArgs {
  /** Object key relative to `location`. */
  key: string;
  /** Rows (Parquet, CSV, JSON lines) or lines (text) to return; default 50, at most 1000. */
  limit?: number;
}

export interface ParquetColumnStats {
  rowGroup: number;
  column: string;
  type: string;
  compression: string;
  numValues: number;
  nullCount?: number;
  /** Min and max as text, as the footer stores them. */
  min?: string;
  max?: string;
  compressedBytes: number;
  uncompressedBytes: number;
}

export interface ParquetRowGroup {
  index: number;
  rows: number;
  /** Compressed bytes of all its column chunks. */
  bytes: number;
}

export type PreviewResult =
  | {
      kind: 'parquet';
      url: string;
      size: number;
      rows: number;
      /** Columns as DuckDB reads them. */
      schema: ResultColumn[];
      rowGroups: ParquetRowGroup[];
      columnStats: ParquetColumnStats[];
      head: { columns: ResultColumn[]; rows: JsonValue[][] };
    }
  | {
      kind: 'text';
      url: string;
      size: number;
      /** `json`, `ndjson`, `csv` or `text`: how the renderer should highlight it. */
      format: 'json' | 'ndjson' | 'csv' | 'text';
      /** The first lines (up to `limit`, from at most the first 256 KiB). */
      lines: string[];
      /** True when the object has more than was returned. */
      truncated: boolean;
    }
  | { kind: 'binary'; url: string; size: number };

/** One manifest of a table at a version: ManifestEntry.path, as `manifests` listed it. */
export interface ManifestFilesArgs extends TableArgs {
  manifest: string;
}

/** Two versions of a table, as its history names them (HistoryEntry.version). */
export interface CompareVersionsArgs extends LocationArgs {
  from: string;
  to: string;
}

export interface SchemaChange {
  column: string;
  change: 'added' | 'removed' | 'type-changed' | 'nullability-changed';
  /** Delta types (primitive name or struct/array/map object) before and after. */
  before?: SchemaField;
  after?: SchemaField;
}

export interface CompareVersionsResult {
  location: string;
  from: string;
  to: string;
  rowsFrom: number;
  rowsTo: number;
  /** Rows in `to` that are not in `from` and vice versa (multiset difference over the common columns). */
  rowsAdded: number;
  rowsRemoved: number;
  filesAdded: number;
  filesRemoved: number;
  schemaChanges: SchemaChange[];
}

/** Rows that differ between two versions of a table, by a key or by whole rows. */
export interface RowDiffArgs extends LocationArgs {
  from: string;
  to: string;
  /** Columns that identify a row (unique in both versions); none: whole rows (a multiset difference, duplicates counted). */
  key?: string[];
  /** Sample rows of each kind (added, removed, changed); default 20. */
  limit?: number;
}

/** One row's values by column name. */
export type DiffRow = Record<string, JsonValue>;

/** A row whose key is in both versions with other values. */
export interface ChangedRow {
  key: DiffRow;
  before: DiffRow;
  after: DiffRow;
  /** The non-key columns whose values differ. */
  columns: string[];
}

export interface RowDiffCounts {
  added: number;
  removed: number;
  /** Always 0 for a whole-row diff: there an updated row is one removed and one added. */
  changed: number;
}

/** Counts of one partition value (of `to`'s partition columns; a removed row counts where it was). */
export interface PartitionDiff extends RowDiffCounts {
  partition: DiffRow;
}

export interface RowDiffResult extends RowDiffCounts {
  location: string;
  from: string;
  to: string;
  /** The key compared by; [] for whole rows. */
  key: string[];
  /** The columns compared: those both versions have. */
  columns: string[];
  partitionColumns: string[];
  /** Partitions with differences, in partition order (at most 1,000; `partitionCount` says how many in all). */
  partitions: PartitionDiff[];
  partitionCount: number;
  /** The first rows of each kind, in column order. */
  sample: { added: DiffRow[]; removed: DiffRow[]; changed: ChangedRow[] };
}

// ---------- queries and result sessions ----------

export interface QueryStartArgs {
  sql: string;
  /**
   * Your own id for the query (e.g. crypto.randomUUID()), so you can queryCancel it before queryStart
   * answers; default: one is made up.
   */
  queryId?: string;
  /** Extra views; the workspace's lake is registered too unless `lake` is given. */
  tables?: SqlTableBinding[];
  /** Register every table under this location by folder name; default: the workspace root. */
  lake?: LocationArgs;
  /** Rows of the first page to send with the answer (at most 10,000): the grid paints them without a queryPage round trip. */
  firstPageRows?: number;
}

export interface QueryStarted {
  queryId: string;
  columns: ResultColumn[];
  /** Milliseconds from the start until the engine had the first chunk of rows. */
  engineFirstChunkMs: number;
  /** With `firstPageRows`: what queryPage at offset 0 answers. */
  firstPage?: QueryPage;
}

export interface QuerySort {
  column: string;
  descending?: boolean;
}

export interface QueryPageArgs {
  queryId: string;
  offset: number;
  /** Rows wanted; at most 10,000 per call. */
  limit: number;
  /** Sort the whole result (the engine sorts once per sort spec and pages the sorted copy). */
  sort?: QuerySort[];
}

/**
 * Per call, beside its arguments: `signal` says the caller no longer wants the answer (the grid scrolled
 * past the page). The HTTP client aborts its request and the server then drops the work if it has not run.
 */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface QueryPage {
  rows: JsonValue[][];
  offset: number;
  /** Known once the whole result is held by the engine. */
  totalRows?: number;
  /** True when no row follows this page. */
  done: boolean;
}

export interface QueryIdArgs {
  queryId: string;
}

/** How the column explorer profiles a column: a histogram (number, time), top values (text), or counts only. */
export type ColumnKind = 'number' | 'time' | 'text' | 'other';

/** One bar of a histogram: values in (from, to] (the first bar includes `from`). Times are epoch milliseconds. */
export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

export interface TopValue {
  /** The value as text (DuckDB's cast to VARCHAR). */
  value: string;
  count: number;
}

export interface ColumnProfile {
  /** The column's position in the result. */
  index: number;
  name: string;
  type: string;
  kind: ColumnKind;
  nulls: number;
  /** An estimate (HyperLogLog): off by up to about 10%. Absent from a summary (`summaryOnly`). */
  distinct?: number;
  /** Absent for nested and binary columns and for columns of nulls only. */
  min?: JsonValue;
  max?: JsonValue;
  histogram?: HistogramBin[];
  /** The most frequent values with exact counts; absent when nearly every value is distinct. */
  top?: TopValue[];
}

/** The column explorer's view of a whole held result, computed by DuckDB over all of its rows. */
export interface ResultProfile {
  rows: number;
  columnCount: number;
  columns: ColumnProfile[];
}

/** A profile of every column of the result. */
export interface QueryProfileArgs extends QueryIdArgs {
  /**
   * Only the summary: counts, nulls, min and max (one cheap scan), which the explorer paints first; the
   * profile asked for next reuses it and adds distinct estimates, histograms and top values.
   */
  summaryOnly?: boolean;
}

export interface QueryProfileResult {
  /** Absent when the query was closed or cancelled before its profile was done (a newer run replaced it). */
  profile?: ResultProfile;
}

export interface QueryRowCount {
  /** Absent when the result will never be complete: closed, cancelled or failed (queryPage says why). */
  rows?: number;
}

export interface CompleteArgs {
  sql: string;
  /** Character offset of the cursor in `sql`. */
  cursor: number;
  /** Tables to offer besides the workspace lake (as in queryStart). */
  tables?: SqlTableBinding[];
}

export interface Completion {
  /** Text to insert. */
  text: string;
  kind: 'keyword' | 'function' | 'table' | 'column' | 'other';
  /** For columns: the table; for tables: the location. */
  detail?: string;
}

export interface CompleteResult {
  /** Offset in `sql` where the replaced word starts (the completion replaces sql[from, cursor)). */
  from: number;
  items: Completion[];
}

// ---------- jobs ----------

/**
 * `prefetch`: remote files fetched into the local cache for a query on a remote table.
 * `maintenance`: one maintenance operation (or `maintain`) on a table, see maintenanceStart.
 */
export type JobKind = 'export' | 'import' | 'delete' | 'prefetch' | 'maintenance';
export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface JobInfo {
  jobId: string;
  kind: JobKind;
  /** What it is about, for the jobs drawer: `Export to /tmp/x.csv`. */
  title: string;
  state: JobState;
  /** ISO-8601. */
  startedAt: string;
  finishedAt?: string;
  progress?: JobProgressEvent;
  error?: string;
  /** The job's result once done (ImportResult, DeleteResult, ExportResult). */
  result?: unknown;
  /** A maintenance job's operation and whether it only planned: what its result means (kept in the job log). */
  subject?: MaintenanceSubject;
}

export interface MaintenanceSubject {
  operation: MaintenanceJobOperation;
  dryRun: boolean;
}

export interface JobProgressEvent {
  jobId: string;
  phase: string;
  done: number;
  total: number;
  bytes: number;
  /** Downloaded, uploaded, total and scratch bytes of a job moving data through scratch space (remote compaction). */
  transfer?: TransferProgress;
  /** Estimated milliseconds left, when it can be told. */
  etaMs?: number;
}

export interface ExportResultArgs {
  queryId: string;
  format: 'csv' | 'parquet' | 'json';
  /** Absolute path of the file to write. */
  path: string;
  /** Replace an existing file (default false: an existing file is an error). */
  overwrite?: boolean;
  /** Export in this order (default: the result's own order). */
  sort?: QuerySort[];
}

export interface ExportResult {
  path: string;
  rows: number;
  bytes: number;
}

/** The CLI's import and delete arguments; in the app they run as jobs. */
export type ImportJobArgs = ImportArgs;
export type DeleteJobArgs = DeleteArgs;

export interface JobIdArgs {
  jobId: string;
}

// ---------- data quality ----------

export type { QualityCheck, QualityResultEntry, CheckReport };
export type { QualityResult } from '../quality/run';
export { CHECK_TYPES } from '../quality/check-types';

/** Runs checks against the table at `version` (as its history names it; default: latest); results are kept in the catalog. */
export interface QualityRunArgs extends LocationArgs {
  version?: string;
  rules: QualityCheck[];
}

/** The rules kept with a table (from the app), or the results of its past runs. */
export interface QualityTableArgs extends LocationArgs {
  limit?: number;
}

export interface SaveQualityRulesArgs extends LocationArgs {
  rules: QualityCheck[];
}

// ---------- maintenance ----------

export { MAINTENANCE_DEFAULTS } from '../ops/maintenance/defaults';
export { MAINTAIN_STEPS, type MaintainStep } from '../ops/maintenance/maintain-steps';
export { stagingTarget } from '../formats/lakeside/staging-target';
/** The server's file transfer routes, which the page's HTTP client calls. */
export { DOWNLOAD_EXPORT_PATH, UPLOAD_PATH } from '../server/transfer-paths';
export type { MaintenanceLogEntry, MaintenanceStatus, MaintenanceOperation };
export type { DesArchiveSummary, DesEntryPreview, DesEntryRow, DesRepackResult, DesShardSummary };
export type { RewriteManifestsPlanEntry, RewriteManifestsResult };
export type { CompactResult, CompactStagingResult, ExpireResult, MaintainResult, OrphansResult, RepackResult, VacuumResult, VerifyProblem, VerifyReport };

/** What a maintenance job runs: one operation, or `maintain` (compact → checkpoint → rewrite-manifests (Iceberg) → expire → vacuum, each logged). */
export type MaintenanceJobOperation = MaintenanceOperation | 'maintain' | 'des-repack' | 'rewrite-manifests';

/**
 * One maintenance job on the table (or folder) at `location`, with the CLI command's options: durations
 * in milliseconds, sizes in bytes; an absent option takes the CLI's default (MAINTENANCE_DEFAULTS), and
 * an absent retention the table's own property (delta.deletedFileRetentionDuration, delta.logRetentionDuration).
 * `dryRun` runs the plan only: the job's result is the plan and nothing changes.
 */
export type MaintenanceJobArgs = LocationArgs &
  (
    | { operation: 'compact'; targetSize?: number; minFiles?: number; where?: string; sortBy?: string[]; dryRun?: boolean }
    /**
     * `location` is the staging area; `into` the Delta table to write (default `<location>/delta`), or with
     * `lakeside` the bucket's own Lakeside layout (`parquet/` + `_lakeside_log`, see `compact-staging --lakeside`).
     */
    | { operation: 'compact-staging'; into?: string; lakeside?: boolean; dryRun?: boolean }
    | { operation: 'verify'; deep?: boolean }
    | { operation: 'orphans'; olderThanMs?: number }
    | { operation: 'vacuum'; retentionMs?: number; force?: boolean; dryRun?: boolean }
    | { operation: 'repack'; purgeWhere?: string; purge?: boolean; dropCorrupt?: boolean; recompressLevel?: number; dryRun?: boolean }
    | { operation: 'checkpoint' }
    | { operation: 'expire'; logRetentionMs?: number; dryRun?: boolean }
    | { operation: 'maintain'; targetSize?: number; minFiles?: number; retentionMs?: number; logRetentionMs?: number; force?: boolean; dryRun?: boolean }
    /** A DES archive: rewrite shards without tombstoned and corrupt entries (see `lakebench des repack`). */
    | { operation: 'des-repack'; shard?: string; minDeletionRatio?: number; recompressLevel?: number; graceMs?: number; dryRun?: boolean }
    /** An Iceberg table: small data manifests merged by partition spec (see `lakebench rewrite-manifests`); `targetSize` in bytes. */
    | { operation: 'rewrite-manifests'; targetSize?: number; dryRun?: boolean }
  );

/** A finished maintenance job's `result`, by operation. */
export interface MaintenanceJobResults {
  compact: CompactResult;
  'compact-staging': CompactStagingResult;
  verify: VerifyReport;
  orphans: OrphansResult;
  vacuum: VacuumResult;
  repack: RepackResult;
  checkpoint: { version: number; object: string };
  expire: ExpireResult;
  maintain: MaintainResult & { runId: string };
  'des-repack': DesRepackResult;
  'rewrite-manifests': RewriteManifestsResult;
}

export interface MaintenanceLogArgs {
  /** Only runs on this table; default: every table. */
  location?: string;
  connectionId?: string;
  /** Newest first; default 100. */
  limit?: number;
}

// ---------- DES archives ----------

export interface DesShardArgs extends LocationArgs {
  /** The shard's file name, e.g. `20261123_0A_0001.des`. */
  shard: string;
}

export interface DesEntryArgs extends LocationArgs {
  uid: string;
  /** Read a tombstoned entry too. */
  includeDeleted?: boolean;
  /** Preview: at most this many bytes (default 64 KiB). */
  limit?: number;
}

export interface DesExportArgs extends DesEntryArgs {
  /** A local file to write the entry's bytes to. */
  path: string;
  overwrite?: boolean;
}

// ---------- LakeSync and Lakeside buckets ----------

export type { LakeSyncDeltaFile, LakeSyncMaterialisedState, LakeSyncSummary, LakeSyncTableSummary };
/** An HLC as wall time + counter, as the bucket views and the pinned-version badge show it. */
export { formatHlc } from '../formats/lakesync/hlc';
export type { LakesideCompactedFile, LakesideReconcileReport, LakesideStagingPartition, LakesideSummary };

// ---------- saved queries ----------

export interface SavedQuery {
  id: number;
  name: string;
  sql: string;
  /** ISO-8601. */
  updatedAt: string;
}

export interface SaveQueryArgs {
  /** Update this saved query; absent = create one. */
  id?: number;
  name: string;
  sql: string;
}

// ---------- connections ----------

/**
 * Where a connection leads: a folder or bucket to browse (`local`, `s3`, `r2`, `s3-compatible`), or an
 * Iceberg catalog browsed as namespaces → tables (`iceberg-sql`: a SQLite file as pyiceberg and the JDBC
 * catalog write it; `iceberg-rest`: a REST catalog such as R2 Data Catalog, Polaris or Lakekeeper).
 */
export type ConnectionKind = 'local' | 's3' | 'r2' | 's3-compatible' | 'iceberg-sql' | 'iceberg-rest';

/** What saveConnection and testConnection take (secrets included). */
export type ConnectionInput =
  | { kind: 'local'; id?: string; name: string; path: string }
  | {
      kind: 's3';
      id?: string;
      name: string;
      bucket: string;
      prefix?: string;
      region?: string;
      /** Access keys; absent = the standard AWS chain (env, `profile`, SSO, instance role). */
      accessKeyId?: string;
      secretAccessKey?: string;
      sessionToken?: string;
      profile?: string;
    }
  | {
      kind: 'r2';
      id?: string;
      name: string;
      accountId: string;
      bucket: string;
      prefix?: string;
      accessKeyId: string;
      secretAccessKey: string;
    }
  | {
      kind: 's3-compatible';
      id?: string;
      name: string;
      /** e.g. `https://minio.example.com:9000`. */
      endpoint: string;
      bucket: string;
      prefix?: string;
      region?: string;
      accessKeyId: string;
      secretAccessKey: string;
    }
  | {
      kind: 'iceberg-sql';
      id?: string;
      /** Also its SQL name (letters, digits and `_`): tables are `<name>.<namespace>.<table>`. */
      name: string;
      /** The SQLite file holding `iceberg_tables`. */
      path: string;
      /** Its `catalog_name`, when the file holds several catalogs. */
      catalogName?: string;
    }
  | {
      kind: 'iceberg-rest';
      id?: string;
      /** Also its SQL name (letters, digits and `_`): tables are `<name>.<namespace>.<table>`. */
      name: string;
      /** e.g. `https://catalog.cloudflarestorage.com/<account>/<bucket>`. */
      uri: string;
      /** Implied for R2 Data Catalog. */
      warehouse?: string;
      /** A bearer token, or OAuth2 client credentials `<client_id>:<client_secret>`; kept like access keys. */
      token?: string;
      credential?: string;
    };

/**
 * A saved connection as the UI sees it: never a secret. When updating (saveConnection with `id`),
 * leave accessKeyId/secretAccessKey empty to keep the stored ones.
 */
export interface ConnectionInfo {
  id: string;
  name: string;
  kind: ConnectionKind;
  /** The location string of its root: a path, `s3://bucket/prefix`, `r2://account/bucket/prefix`, or a catalog's name. */
  root: string;
  endpoint?: string;
  /** A catalog's URI or SQLite file. */
  uri?: string;
  warehouse?: string;
  catalogName?: string;
  region?: string;
  bucket?: string;
  prefix?: string;
  accountId?: string;
  profile?: string;
  hasSecret: boolean;
  /** Last 4 characters of the access key id, to tell keys apart. */
  accessKeyHint?: string;
  /** ISO-8601. */
  createdAt: string;
}

export interface ConnectionTestResult {
  ok: boolean;
  /** URL that was tried. */
  root: string;
  /** Entries found on the first page (when ok). */
  entries?: number;
  /** LakebenchError code and message (when not ok). */
  code?: string;
  message?: string;
}

export interface ConnectionIdArgs {
  id: string;
}

// ---------- workspace ----------

export interface WorkspaceInfo {
  /** Location string of the opened lake or folder. */
  root: string;
  /** The saved connection it was opened through, if any. */
  connectionId?: string;
  /** True for the built-in sample lake ($LAKEBENCH_HOME/sample-lake). */
  isSample: boolean;
  /** Local folders opened before without a connection (`serve --lake`, the folder picker), most recent first: locations to offer again. */
  localFolders: string[];
  /** Tables found under the root (empty when asked `withoutTables`). */
  tables: FoundTable[];
}

export interface WorkspaceArgs {
  /**
   * Answer as soon as the root is known to be readable, with `tables` empty; ask `tables` for them.
   * Finding tables lists every folder, which takes long on a folder of 100,000 objects: the explorer
   * should not wait for it.
   */
  withoutTables?: boolean;
}

export interface OpenWorkspaceArgs extends WorkspaceArgs {
  location: string;
  connectionId?: string;
}

// ---------- events ----------

export type WorkbenchEvent =
  | { type: 'job-progress'; progress: JobProgressEvent }
  | { type: 'job-state'; job: JobInfo }
  | { type: 'engine-restarted'; reason: string };

export interface EmptyArgs {}

/** The engine API of the workbench. */
export interface WorkbenchApi {
  // browsing and inspection
  lsPage(args: LsPageArgs): Promise<LsPageResult>;
  tables(args: LocationArgs): Promise<FoundTable[]>;
  history(args: TableArgs): Promise<HistoryEntry[]>;
  /** With `limit`: one page of the files and their `total`. */
  files(args: PagedTableArgs): Promise<FilesResult>;
  /** With `limit`: one page of the partitions and their `total`. */
  partitions(args: PagedTableArgs): Promise<PartitionsResult>;
  schema(args: TableArgs): Promise<SchemaResult>;
  /** The table's manifests at a version (tables offering `manifests`): what the Files tab shows first. */
  manifests(args: TableArgs): Promise<ManifestsResult>;
  /** The live files of one manifest. */
  manifestFiles(args: ManifestFilesArgs): Promise<FilesResult>;
  preview(args: PreviewArgs): Promise<PreviewResult>;
  compareVersions(args: CompareVersionsArgs): Promise<CompareVersionsResult>;
  /** Added, removed and changed rows between two versions: counts, per partition, and samples. */
  diffRows(args: RowDiffArgs): Promise<RowDiffResult>;

  // queries: the engine holds each result until queryClose
  queryStart(args: QueryStartArgs): Promise<QueryStarted>;
  queryPage(args: QueryPageArgs, options?: CallOptions): Promise<QueryPage>;
  queryCancel(args: QueryIdArgs): Promise<void>;
  queryClose(args: QueryIdArgs): Promise<void>;
  /** The result's exact row count, once the engine holds all of it (waits for that); never an error. */
  queryRowCount(args: QueryIdArgs): Promise<QueryRowCount>;
  /** Every column's profile over the whole result (the column explorer); never an error for a closed query. */
  queryProfile(args: QueryProfileArgs): Promise<QueryProfileResult>;
  complete(args: CompleteArgs): Promise<CompleteResult>;
  queryHistory(args: HistoryFilter): Promise<QueryHistoryEntry[]>;
  savedQueries(args: EmptyArgs): Promise<SavedQuery[]>;
  saveQuery(args: SaveQueryArgs): Promise<SavedQuery>;
  removeSavedQuery(args: { id: number }): Promise<void>;

  // jobs: start answers at once with the running job; progress arrives as events
  exportResult(args: ExportResultArgs): Promise<JobInfo>;
  importFiles(args: ImportJobArgs): Promise<JobInfo>;
  deleteWhere(args: DeleteJobArgs): Promise<JobInfo>;
  jobs(args: EmptyArgs): Promise<JobInfo[]>;
  jobCancel(args: JobIdArgs): Promise<void>;
  /** Starts a maintenance operation (or its dry run) as a job; every run is recorded in the maintenance log. */
  maintenanceStart(args: MaintenanceJobArgs): Promise<JobInfo>;
  maintenanceLog(args: MaintenanceLogArgs): Promise<MaintenanceLogEntry[]>;

  // DES archives (verify and repack run as maintenance jobs)
  desArchive(args: LocationArgs): Promise<DesArchiveSummary>;
  desEntries(args: DesShardArgs): Promise<DesEntryRow[]>;
  desEntry(args: DesEntryArgs): Promise<DesEntryPreview>;
  desExport(args: DesExportArgs): Promise<{ path: string; bytes: number; shard: string }>;

  // LakeSync and Lakeside buckets (their history is `history`; compaction and verify are maintenance jobs)
  /** Tables as the SQL views resolve them, delta files with their HLC ranges, materialised states. */
  lakeSyncSummary(args: LocationArgs): Promise<LakeSyncSummary>;
  /** Staging per partition, live compacted files, the reconcile report and the views' row counts. */
  lakesideSummary(args: LocationArgs): Promise<LakesideSummary>;

  // data quality
  qualityRun(args: QualityRunArgs): Promise<CheckReport>;
  /** The table's saved rules ([] when none). */
  qualityRules(args: QualityTableArgs): Promise<QualityCheck[]>;
  saveQualityRules(args: SaveQualityRulesArgs): Promise<void>;
  /** Past results of the table's checks, newest first. */
  qualityHistory(args: QualityTableArgs): Promise<QualityResultEntry[]>;

  // connections (secrets go in, never out)
  connections(args: EmptyArgs): Promise<ConnectionInfo[]>;
  saveConnection(args: ConnectionInput): Promise<ConnectionInfo>;
  /** Tries a connection: unsaved input, or a saved one by id. */
  testConnection(args: ConnectionInput | ConnectionIdArgs): Promise<ConnectionTestResult>;
  removeConnection(args: ConnectionIdArgs): Promise<void>;

  // workspace
  /** The last opened location; on first start the sample lake (written on demand). */
  workspace(args: WorkspaceArgs): Promise<WorkspaceInfo>;
  openWorkspace(args: OpenWorkspaceArgs): Promise<WorkspaceInfo>;

  // diagnostics
  /** What the engine runs on and whether it can (`lakebench doctor`); answered even when it cannot start. */
  doctor(args: EmptyArgs): Promise<DoctorReport>;
}

export type WorkbenchMethod = keyof WorkbenchApi;

/** Every method name: the allow-list of the IPC channel and the server's routes. */
export const WORKBENCH_METHODS = [
  'lsPage',
  'tables',
  'history',
  'files',
  'partitions',
  'schema',
  'manifests',
  'manifestFiles',
  'preview',
  'compareVersions',
  'diffRows',
  'queryStart',
  'queryPage',
  'queryCancel',
  'queryClose',
  'queryRowCount',
  'queryProfile',
  'complete',
  'queryHistory',
  'savedQueries',
  'saveQuery',
  'removeSavedQuery',
  'exportResult',
  'importFiles',
  'deleteWhere',
  'jobs',
  'jobCancel',
  'maintenanceStart',
  'maintenanceLog',
  'desArchive',
  'desEntries',
  'desEntry',
  'desExport',
  'lakeSyncSummary',
  'lakesideSummary',
  'qualityRun',
  'qualityRules',
  'saveQualityRules',
  'qualityHistory',
  'connections',
  'saveConnection',
  'testConnection',
  'removeConnection',
  'workspace',
  'openWorkspace',
  'doctor',
] as const satisfies readonly WorkbenchMethod[];

// Fails to compile when a method of WorkbenchApi is missing from the list.
type MissingMethods = Exclude<WorkbenchMethod, (typeof WORKBENCH_METHODS)[number]>;
const allMethodsListed: [MissingMethods] extends [never] ? true : MissingMethods = true;
void allMethodsListed;

export function isWorkbenchMethod(name: string): name is WorkbenchMethod {
  return (WORKBENCH_METHODS as readonly string[]).includes(name);
}

/**
 * What the renderer holds (`window.lakebench` in Electron, the http client in web mode): the API plus
 * events, plus native dialogs where the transport has them (Electron only; absent in web mode).
 */
export interface WorkbenchClient extends WorkbenchApi {
  /** Subscribes to engine events; returns the unsubscribe function. */
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
  /** Native save dialog (Electron); resolves to undefined when the user cancels. */
  pickSavePath?(args: { defaultName: string }): Promise<string | undefined>;
  /** Native folder picker (Electron), for a local-folder connection. */
  pickFolder?(args: EmptyArgs): Promise<string | undefined>;
  /** Native open dialog (Electron) for files to import: their paths, none when the user cancels. */
  pickFiles?(args: EmptyArgs): Promise<string[]>;
  /** Web mode: the server exports the result and the browser saves it as a download. */
  downloadExport?(args: Omit<ExportResultArgs, 'path' | 'overwrite'>): void;
  /** Electron: where a file dropped on the page lives on disk. */
  pathOfFile?(file: Blob & { name: string }): string;
  /** Web mode: a file of the user's sent to the server; resolves to its path there (for importFiles). */
  uploadFile?(file: Blob & { name: string }): Promise<string>;
}

/** An error as it crosses a transport: the LakebenchError code and object survive. */
export interface WorkbenchErrorJson {
  code: string;
  message: string;
  object?: string;
}

/** How a transport's client rethrows a failed call: `code` is the engine's ErrorCode (or `INTERNAL`). */
export class WorkbenchError extends Error {
  readonly code: string;
  readonly object?: string;

  constructor(error: WorkbenchErrorJson) {
    super(error.message);
    this.name = 'WorkbenchError';
    this.code = error.code;
    this.object = error.object;
  }
}
