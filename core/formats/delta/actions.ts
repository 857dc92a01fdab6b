/**
 * Delta Lake log actions as they appear in commit JSON lines and checkpoint rows
 * (delta-io/delta PROTOCOL.md, "Actions"). Field names follow the protocol exactly so that
 * serialising an action gives a valid log line.
 */
export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

export interface Format {
  provider: string;
  options?: Record<string, string>;
}

export interface Metadata {
  id: string;
  name?: string | null;
  description?: string | null;
  format: Format;
  /** Spark StructType JSON as a string. */
  schemaString: string;
  partitionColumns: string[];
  createdTime?: number | null;
  configuration?: Record<string, string>;
}

/** Statistics as written into `add.stats` (a JSON string in the log). */
export interface FileStats {
  numRecords: number;
  minValues?: Record<string, unknown>;
  maxValues?: Record<string, unknown>;
  nullCount?: Record<string, unknown>;
  tightBounds?: boolean;
}

export interface AddFile {
  /** URL-encoded path relative to the table root (or an absolute URI). */
  path: string;
  /** Partition values as strings; null (or '') means null. */
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  /** JSON-encoded FileStats, when the writer collected them. */
  stats?: string | null;
  tags?: Record<string, string> | null;
  /** A DeletionVectorDescriptor (deletion-vector.ts) when rows of the file are deleted. */
  deletionVector?: unknown;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
  clusteringProvider?: string | null;
}

export interface RemoveFile {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean | null;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: unknown;
}

export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

export interface CommitInfo {
  timestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  readVersion?: number;
  isBlindAppend?: boolean;
  engineInfo?: string;
  userName?: string;
  [key: string]: unknown;
}

/** Configuration of a named metadata domain (PROTOCOL.md, "Domain Metadata"); `removed` is a tombstone. */
export interface DomainMetadata {
  domain: string;
  configuration: string;
  removed: boolean;
}

/** One line of a commit file. Unknown action kinds (cdc, checkpointMetadata, sidecar, …) are kept as `other`. */
export type Action =
  | { protocol: Protocol }
  | { metaData: Metadata }
  | { add: AddFile }
  | { remove: RemoveFile }
  | { txn: Txn }
  | { domainMetadata: DomainMetadata }
  | { commitInfo: CommitInfo }
  | { other: Record<string, unknown> };

/** Spark/Delta schema (the parsed `schemaString`). */
export type DeltaType =
  | string // primitive: string, long, integer, short, byte, float, double, boolean, binary, date, timestamp, timestamp_ntz, decimal(p,s)
  | StructType
  | { type: 'array'; elementType: DeltaType; containsNull: boolean }
  | { type: 'map'; keyType: DeltaType; valueType: DeltaType; valueContainsNull: boolean };

export interface StructField {
  name: string;
  type: DeltaType;
  nullable: boolean;
  metadata?: Record<string, unknown>;
}

export interface StructType {
  type: 'struct';
  fields: StructField[];
}
