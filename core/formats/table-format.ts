/**
 * The one shape every table format has (design.md, "Formats are plug-ins"): Delta, plain Parquet
 * folders, Lakeside and LakeSync buckets, DES archives — and Iceberg next — each implement TableFormat
 * in their own folder (core/formats/<name>/plugin.ts) and are listed once in registry.ts. api/, ops/
 * and the renderer ask a table what it supports (its TableCapabilities); they never test its kind.
 *
 * Results are plain JSON (the API passes them through): versions are text, so that a 64-bit Iceberg
 * snapshot id or a LakeSync HLC survives exactly; a format keeps its own numbers inside its folder.
 * Fields that only some formats have are optional and say which formats fill them.
 */
import type { ObjectInfo, ObjectStore } from '../storage/types';
import type { FileCache } from '../storage/cache';
import type { SqlSession } from '../sql/session';
import type { VerifyOptions, VerifyReport } from '../ops/verify/problems';
import type { OpOptions } from '../ops/maintenance/operations';

// ---------- versions ----------

/** How a version can be named (besides "the latest", which every table has). */
export const VERSION_REF_KINDS = ['id', 'time', 'tag', 'branch'] as const;
export type VersionRefKind = (typeof VERSION_REF_KINDS)[number];

/** Which version of a table to read. */
export type VersionRef =
  | { kind: 'latest' }
  /** The format's own version id as text: Delta's version number, a LakeSync HLC, an Iceberg snapshot id. */
  | { kind: 'id'; id: string }
  /** The latest version committed at or before this ISO-8601 time (normalised, UTC). */
  | { kind: 'time'; at: string }
  | { kind: 'tag'; name: string }
  | { kind: 'branch'; name: string };

export const LATEST: VersionRef = { kind: 'latest' };

// ---------- what a table offers ----------

/**
 * Read views: `history` (versions listed), `schema`, `files`, `partitions` (at a version when the table
 * travels in time), `manifests` (its files in the groups its metadata keeps them in, each listed on its
 * own: Iceberg manifests), `compare` (two versions side by side), `quality` (checks run on its SQL
 * view), `preview` (its rows are queryable as a DuckDB view). A format with a view of its own names it
 * here too (`archive`, `lakesync`, `lakeside`); the renderer shows that view instead of the standard tabs.
 */
export const STANDARD_VIEWS = ['history', 'schema', 'files', 'manifests', 'partitions', 'compare', 'quality', 'preview'] as const;
export type StandardView = (typeof STANDARD_VIEWS)[number];
export type TableView = StandardView | (string & {});

/** The operations the app's Maintenance tab runs on a table (ops/maintenance/operations.ts). */
export const MAINTENANCE_OPERATIONS = ['compact', 'compact-staging', 'verify', 'orphans', 'vacuum', 'repack', 'checkpoint', 'expire'] as const;

/** Everything the engine can do to (or check on) a table; a table supports a subset. */
export const TABLE_OPERATIONS = ['import', 'delete', ...MAINTENANCE_OPERATIONS, 'maintain', 'lakesync-compact', 'des-tombstone', 'des-repack', 'rewrite-manifests'] as const;
export type TableOperation = (typeof TABLE_OPERATIONS)[number];

/** How a format supports one operation, where that differs from the usual. */
export interface OperationSupport {
  /** What the operation does on this format, shown instead of its usual options (e.g. DES verify). */
  note?: string;
  /**
   * Which of the operation's implementations serves this format when there is more than one:
   * `own-staging` (compact-staging: the bucket is its own staging area and target, as Lakeside),
   * `reconcile` (orphans: the bucket's log against its compacted files, as Lakeside),
   * `metadata-log` (orphans, vacuum: against what every metadata file of the table's metadata log
   * reaches, as Iceberg),
   * `replace-snapshot` (compact: data files rewritten into a `replace` snapshot, as Iceberg's rewrite_data_files),
   * `snapshots` (expire: old snapshots removed from the metadata, then the files only they reached, as
   * Iceberg's expire_snapshots),
   * `append-snapshot` (import: rows appended to an existing table by one `append` snapshot, as Iceberg).
   */
  variant?: 'own-staging' | 'reconcile' | 'metadata-log' | 'replace-snapshot' | 'snapshots' | 'append-snapshot';
}

export interface TableCapabilities {
  views: TableView[];
  /** How a version can be chosen; empty = the latest only (no time travel). */
  versionRefs: VersionRefKind[];
  /** The operations it supports; any other is refused by name before anything is touched. */
  operations: Partial<Record<TableOperation, OperationSupport>>;
}

// ---------- results (the API's JSON) ----------

export interface HistoryEntry {
  /** The version's id as text (Delta: the version number; Iceberg: the snapshot id; Lakeside: the log entry). */
  version: string;
  /** Its position among the table's versions (ascending, for ordering and the slider). */
  ordinal: number;
  /** ISO-8601. */
  timestamp: string;
  operation?: string;
  /** The version it was made from (Iceberg: the parent snapshot id). */
  parent?: string;
  /** The commit only added deletion vectors to files (rows deleted without rewriting any file). */
  onlyDeletionVectors?: boolean;
  operationParameters?: Record<string, unknown>;
  /** Counts the writer recorded (Delta: operationMetrics; Iceberg: the snapshot summary). */
  operationMetrics?: Record<string, unknown>;
  /** Names pointing at this version (Iceberg: its branches and tags, `main` included). */
  refs?: string[];
  /** Iceberg: the schema the snapshot was written with. */
  schemaId?: number;
}

/** How many versions a table keeps and which is current: what `tables` shows of a table with history. */
export interface VersionsSummary {
  count: number;
  /** Absent for a table with no version yet (an Iceberg table created without data). */
  current?: string;
}

/** A file's statistics as its table's metadata records them (never read from the file itself). */
export interface FileStats {
  numRecords: number;
  minValues?: Record<string, unknown>;
  maxValues?: Record<string, unknown>;
  nullCount?: Record<string, unknown>;
}

/** Rows of a data file marked deleted by a deletion vector (Delta DVs, Iceberg v3 Puffin DVs). */
export interface DeletionVectorInfo {
  /** Where the bitmap lives: `inline`, or the path of the file holding it (relative when inside the table). */
  storage: string;
  offset?: number;
  size: number;
  /** Rows it deletes. */
  cardinality: number;
}

export interface FileEntry {
  /** As the table's metadata records it (Delta: URL-encoded relative path; Iceberg: absolute URI). */
  path: string;
  size: number;
  /** Partition values as text (null = null), by partition field name. */
  partitionValues: Record<string, string | null>;
  stats?: FileStats;
  /** ISO-8601, when the format records it. */
  modificationTime?: string;
  /** What the file holds (absent = data); delete files are listed only by formats that have them (Iceberg). */
  content?: 'data' | 'position-deletes' | 'equality-deletes';
  /** Equality delete files: the field ids their rows match on. */
  equalityFieldIds?: number[];
  deletionVector?: DeletionVectorInfo;
  /** The partition spec its values follow (Iceberg; specs evolve per file). */
  specId?: number;
  /** File format when a table mixes them (Iceberg: parquet, avro, orc). */
  format?: string;
  /** Iceberg: the data sequence number that scopes which deletes apply to (or from) the file. */
  sequenceNumber?: number;
}

/** A window of a long list (a table's files or partitions): `limit` entries from `offset` on. */
export interface PageRequest {
  offset: number;
  limit: number;
}

export interface FilesResult {
  location: string;
  /** The version listed; absent for a table without versions. */
  version?: string;
  files: FileEntry[];
  /** When a page was asked for: how many files there are in all (`files` holds the page). */
  total?: number;
  /** Rows of the data files less those deletion vectors and delete files hide; absent when unknown. */
  liveRows?: number;
}

/** One group of files as the table's metadata keeps them (an Iceberg manifest), with its counts. */
export interface ManifestEntry {
  /** As the metadata records it (absolute URI). */
  path: string;
  /** Bytes of the manifest itself. */
  size: number;
  /** What its files hold. */
  content: 'data' | 'deletes';
  specId: number;
  sequenceNumber: number;
  /** The version that wrote it. */
  addedVersion?: string;
  addedFiles?: number;
  existingFiles?: number;
  deletedFiles?: number;
  addedRows?: number;
  existingRows?: number;
  deletedRows?: number;
}

export interface ManifestsResult {
  location: string;
  version?: string;
  manifests: ManifestEntry[];
}

export interface PartitionField {
  /** The partition field's name (the key in partitionValues). */
  name: string;
  /** The column it is derived from, when not itself (Iceberg: the source field's name). */
  source?: string;
  /** `identity`, `bucket[16]`, `day`, … (Iceberg); absent = identity. */
  transform?: string;
  /** Iceberg partition field id. */
  fieldId?: number;
}

export interface PartitionSpec {
  specId: number;
  fields: PartitionField[];
}

export interface PartitionEntry {
  partitionValues: Record<string, string | null>;
  files: number;
  /** Sum of the files' record counts; undefined when any file has none. */
  rows?: number;
  bytes: number;
  /** The spec these values follow, when the table has several. */
  specId?: number;
  /** Set by the API where the table can be compacted: Compact with its default options would merge files here. */
  compactable?: boolean;
}

export interface PartitionsResult {
  location: string;
  version?: string;
  /** Partition fields of the current (or only) spec, in order. */
  partitionColumns: string[];
  /** Every spec of the table (Iceberg: files of this version follow one of them); absent when there is one implicit spec. */
  specs?: PartitionSpec[];
  /** The spec new files follow (Iceberg's default spec). */
  currentSpecId?: number;
  partitions: PartitionEntry[];
  /** When a page was asked for: how many partitions there are in all (`partitions` holds the page). */
  total?: number;
}

export interface SchemaField {
  name: string;
  /** The format's own type: Delta's primitive name or struct/array/map object, DuckDB's SQL type, … */
  type: unknown;
  /** Absent when the format does not tell (a Parquet folder read by DuckDB). */
  nullable?: boolean;
  /** Field id (Iceberg; Delta column mapping). */
  id?: number;
  /** The column's name in data files when it differs from `name` (Delta column mapping). */
  physicalName?: string;
  doc?: string;
}

export interface SchemaResult {
  location: string;
  version?: string;
  /** Iceberg schema id. */
  schemaId?: number;
  partitionColumns: string[];
  fields: SchemaField[];
  /** Delta column mapping mode, when it is on. */
  columnMapping?: 'name' | 'id';
  /** Display names of the table features in use, e.g. "deletion vectors", "column mapping (name)". */
  features?: string[];
}

// ---------- detection ----------

/** Everything directly inside a folder: objects and sub-folder prefixes (relative to the store root). */
export interface FolderContents {
  objects: ObjectInfo[];
  /** Ending in `/`. */
  prefixes: string[];
}

export interface FindOptions {
  deep?: boolean;
  startsWith?: string;
}

/**
 * One folder of a listing pass, as detection sees it. Detection classifies listings, it never reads
 * objects. Ask the narrowest question that decides (`has`, `find`): the pass answers it from a listing
 * it already holds, else by listing no more than needed; `list()` lists the whole folder.
 */
export interface FolderListing {
  /** The folder's prefix relative to the store root: '' or ending in `/`. */
  readonly prefix: string;
  /** Everything directly inside (all pages, listed once per pass). */
  list(): Promise<FolderContents>;
  /** True when the folder has a sub-folder of this name (`_delta_log/`). */
  has(name: string): Promise<boolean>;
  /**
   * The first object directly inside sub-folder `name` ('' = this folder; `deep`: anywhere below it)
   * that passes `test`, listing page by page until one does (nothing when this folder's listing is held
   * and has no such sub-folder). `startsWith` narrows it to objects whose name (after the sub-folder)
   * starts so, listed with that longer prefix: one request finds `metadata/v3.metadata.json` among
   * thousands of manifests that sort before it.
   */
  find(name: string, test: (object: ObjectInfo) => boolean, options?: FindOptions): Promise<ObjectInfo | undefined>;
  /** A sub-folder (`name` ending in `/`), listed only as its own questions need. */
  sub(name: string): FolderListing;
}

// ---------- the format and an opened table ----------

/** What opening a table may need from the API besides its store. */
export interface OpenContext {
  /** A DuckDB session with the API's file cache (for formats whose schema only DuckDB can tell); the caller closes it. */
  session(): Promise<SqlSession>;
  /** The API's file cache, through which a format reads remote metadata with DuckDB (a big Delta table's checkpoint). */
  cache(): Promise<FileCache>;
  /**
   * Key of the file that pins the table's state, when the location named one (see TableFormat.tableFile)
   * or a catalog pointed at it: an Iceberg metadata file. Absent: the table's current state.
   */
  pinned?: string;
}

export interface RegisterOptions {
  signal?: AbortSignal;
}

export type VerifyTableOptions = VerifyOptions & OpOptions & Pick<OpenContext, 'pinned'>;

/**
 * A table opened on its store. Each method is there exactly when the capability it serves is
 * (registry.test.ts holds every registered format to that): history ⇔ `history`, files ⇔ `files`, …,
 * register ⇔ `preview`.
 */
export interface TableHandle {
  readonly format: TableFormat;
  readonly store: ObjectStore;
  /** Versions newest first; `upTo` (not latest) keeps those up to the version it names. */
  history?(upTo: VersionRef): Promise<HistoryEntry[]>;
  /** With `page`, a format may answer that page alone (setting `total`); the API pages the others' answers. */
  files?(at: VersionRef, page?: PageRequest): Promise<FilesResult>;
  partitions?(at: VersionRef, page?: PageRequest): Promise<PartitionsResult>;
  schema?(at: VersionRef): Promise<SchemaResult>;
  /** Registers the table at `at` as DuckDB view(s) in `session`: `name`, or names of the format's own. */
  register?(session: SqlSession, name: string, at: VersionRef, options?: RegisterOptions): Promise<void>;
  /** The groups of files at `at` (⇔ `manifests`); cheap: reads no group. */
  manifests?(at: VersionRef): Promise<ManifestsResult>;
  /** The live files of one group (`manifest` = ManifestEntry.path) at `at` (⇔ `manifests`). */
  manifestFiles?(at: VersionRef, manifest: string): Promise<FilesResult>;
  /** How many versions and the current one (formats with `history`, where that is cheap to tell). */
  versions?(): Promise<VersionsSummary>;
}

export interface TableFormat {
  /** Stable name: the explorer badge, `layout` in listings and JSON output. */
  readonly name: string;
  /** Plural noun for messages: `compact: not supported for Iceberg tables`. */
  readonly title: string;
  /**
   * True when the format is told by its data files alone (a plain Parquet folder). A table another
   * format writes looks the same until its first commit lands (a first import killed before its
   * commit leaves just data files), so an operation that creates a table where none is does not take
   * such a folder for a table of this format.
   */
  readonly toldByDataFiles?: boolean;
  readonly capabilities: TableCapabilities;
  /** True when the folder holds a table of this format. */
  detect(folder: FolderListing): Promise<boolean>;
  /**
   * Optional: true when the folder is shaped like this format although detect says no (a `_delta_log/`
   * without a readable commit). Verify then checks it as this format and reports what is wrong, rather
   * than checking it as something else; listings still ignore it.
   */
  resembles?(folder: FolderListing): Promise<boolean>;
  /**
   * Parses the version text after `@` (or of `--version`): `5`, an HLC, a snapshot id, `tag:x`,
   * `branch:y`. Throws USAGE naming the problem when the format does not take it.
   */
  parseVersion(text: string, object: string): VersionRef;
  /**
   * Optional: for a location naming one file of a table that pins its state (an Iceberg metadata file,
   * `…/t/metadata/v3.metadata.json`), the table's location and that file's key in it. Pure text: no I/O.
   */
  tableFile?(location: string): { table: string; key: string } | undefined;
  /** Opens the table at the store root (NOT_A_TABLE when there is none), at `context.pinned` when given. */
  open(store: ObjectStore, context: OpenContext): Promise<TableHandle>;
  /**
   * Checks the table at the store root and reports every problem found. Takes the store, not an opened
   * table: verify is run on exactly the tables that no longer open.
   */
  verify(store: ObjectStore, options: VerifyTableOptions): Promise<VerifyReport>;
}
