/**
 * The API's plain, JSON-able argument and result types: what the CLI prints with `--json`, what the
 * local server sends and what Electron IPC passes. No class instances, Dates or bigints cross this line.
 */
import type { FileStats } from '../formats/delta/actions';

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

/** A table location read at one version: `version`, or the latest commit at or before `asOf` (ISO-8601). */
export interface TableArgs extends LocationArgs {
  version?: number;
  asOf?: string;
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
  layout: string;
}

export interface HistoryEntry {
  version: number;
  /** ISO-8601, from commitInfo or the log file's modification time. */
  timestamp: string;
  operation?: string;
  /** The commit only added deletion vectors to files (rows deleted without rewriting any file). */
  onlyDeletionVectors?: boolean;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
}

/** A data file's parsed `add.stats`. */
export type FileStatsJson = Pick<FileStats, 'numRecords' | 'minValues' | 'maxValues' | 'nullCount'>;

export interface FileEntry {
  path: string;
  size: number;
  partitionValues: Record<string, string | null>;
  stats?: FileStatsJson;
  /** Rows of the file its deletion vector deletes (the DV's cardinality). */
  deletedRows?: number;
  /** ISO-8601. */
  modificationTime: string;
}

export interface FilesResult {
  location: string;
  version: number;
  files: FileEntry[];
  /** Rows of the files less those deletion vectors delete; absent when a file has no row count. */
  liveRows?: number;
}

export interface PartitionEntry {
  partitionValues: Record<string, string | null>;
  files: number;
  /** Sum of `numRecords` from stats; undefined when any file lacks stats. */
  rows?: number;
  bytes: number;
}

export interface PartitionsResult {
  location: string;
  version: number;
  partitionColumns: string[];
  partitions: PartitionEntry[];
}

export interface SchemaField {
  name: string;
  /** Delta type: a primitive name, or a struct/array/map object as in the log's schemaString. */
  type: unknown;
  nullable: boolean;
  /** With column mapping: the column's name in data files, and its id (Parquet field id). */
  physicalName?: string;
  fieldId?: number;
}

export interface SchemaResult {
  location: string;
  version: number;
  partitionColumns: string[];
  fields: SchemaField[];
  /** Column mapping mode, when it is on. */
  columnMapping?: 'name' | 'id';
  /** Display names of the table features in use, e.g. "deletion vectors", "column mapping (name)". */
  features: string[];
}

/** One `--table` binding: a SQL view name over a table location, optionally at a version. */
export interface SqlTableBinding extends LocationOptions {
  name: string;
  location: string;
  version?: number;
  asOf?: string;
  /** A LakeSync bucket's state as of this HLC (decimal; too big for a number). */
  hlc?: string;
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
export interface JobProgress {
  phase: string;
  done: number;
  total: number;
  bytes: number;
}

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
}

export type { ImportResult } from '../ops/import';
export type { DeleteResult } from '../ops/delete';
