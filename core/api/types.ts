/**
 * The API's plain, JSON-able argument and result types: what the CLI prints with `--json`, what the
 * local server sends and what Electron IPC passes. No class instances, Dates or bigints cross this line.
 */
import type { TableCapabilities } from '../formats/table-format';
import type { OpProgress } from '../ops/maintenance/operations';

/** What tables return at a version: plain JSON, defined with the formats that fill them. */
export type {
  DeletionVectorInfo,
  FileEntry,
  FileStats,
  FilesResult,
  HistoryEntry,
  ManifestEntry,
  ManifestsResult,
  OperationSupport,
  PartitionEntry,
  PartitionField,
  PartitionSpec,
  PartitionsResult,
  SchemaField,
  SchemaResult,
  TableCapabilities,
  TableOperation,
  TableView,
  VersionRefKind,
} from '../formats/table-format';

/** How to reach a location: a local path, `file://…`, `s3://bucket/prefix` or `r2://account/bucket/prefix`. */
export interface LocationOptions {
  /** S3-compatible endpoint URL (MinIO, s3rver, …); implies path-style addressing. */
  endpoint?: string;
  region?: string;
  /** AWS profile name for credentials. */
  profile?: string;
  /** A saved connection (workbench) whose endpoint and credentials open the location. */
  connectionId?: string;
}

export interface LocationArgs extends LocationOptions {
  location: string;
}

/**
 * A table location read at one version: `version` as its format names versions (Delta `3`, an Iceberg
 * snapshot id, a LakeSync HLC, `tag:<name>`, `branch:<name>`), or the latest version committed at or
 * before `asOf` (ISO-8601). Text, so that 64-bit ids survive JSON.
 */
export interface TableArgs extends LocationArgs {
  version?: string;
  asOf?: string;
}

/**
 * A table's files or partitions, a page at a time when `limit` is given (from `offset`, default 0): the
 * result then says how many there are in all (`total`), and a big Delta table reads only that page.
 */
export interface PagedTableArgs extends TableArgs {
  offset?: number;
  limit?: number;
}

export interface LsArgs extends LocationArgs {
  recursive?: boolean;
}

export interface LsEntry {
  kind: 'prefix' | 'object';
  /** Relative to the location; prefixes end with `/`. */
  key: string;
  size?: number;
  /** ISO-8601. */
  lastModified?: string;
}

export interface LsResult {
  location: string;
  entries: LsEntry[];
}

export interface FoundTable {
  name: string;
  /** Relative to the searched location. */
  key: string;
  /** URL of the table root. */
  location: string;
  /** Its format's name (`delta`, `parquet`, …): for display; ask `capabilities` what it offers. */
  layout: string;
  capabilities: TableCapabilities;
  /** How many versions it keeps (`tables` with versions asked, for tables with a history). */
  versions?: number;
  /** Its current version (an Iceberg snapshot id, a Delta version). */
  currentVersion?: string;
}

/** One `--table` binding: a SQL view name over a table location, optionally at a version (as in TableArgs). */
export interface SqlTableBinding extends LocationOptions {
  name: string;
  location: string;
  version?: string;
  asOf?: string;
}

export interface SqlArgs extends LocationOptions {
  sql: string;
  tables?: SqlTableBinding[];
  /** Register every table found under this location by its folder name. */
  lake?: string;
}

/** Query results stream as chunks of rows with JSON values (big integers beyond 2^53 and decimals as strings). */
export type { ResultChunk, ResultColumn } from '../sql/session';

export const IMPORT_FORMATS = ['csv', 'json', 'ndjson', 'parquet'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
export const IMPORT_MODES = ['append', 'overwrite', 'merge'] as const;

export interface ImportArgs extends LocationArgs {
  /** Local files or glob patterns. */
  inputs: string[];
  /** Default: from each file's extension. */
  format?: ImportFormat;
  partitionBy?: string[];
  mode?: (typeof IMPORT_MODES)[number];
  key?: string[];
  auditColumns?: boolean;
  badRowsPath?: string;
}

export interface DeleteArgs extends LocationArgs {
  where: string;
}

/** Progress of a long job, as design.md's jobs report it. */
/** A job's progress: a maintenance operation's (phase, counts, bytes, and the byte counts of transfers). */
export type JobProgress = OpProgress;

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
}

export type { ImportResult } from '../ops/import';
export type { DeleteResult } from '../ops/delete';
