/**
 * The live files of a Delta version held in DuckDB instead of as JS objects, for tables of a million
 * files (issue 17): DuckDB reads the checkpoint's `add` column straight from its Parquet parts (and
 * sidecars) into a temp table, the few commits after it are replayed in JS (DeltaTable.segment) and
 * applied to that table, and the views ask it for one page of files, the partition sums, or the files a
 * query's partition filter keeps, so memory and time follow the page, not the table — as delta-kernel
 * scans a checkpoint in batches instead of materialising it. Needs the log's files on local disk.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { LakebenchError } from '../errors';
import type { AddFile, Metadata, Protocol } from '../formats/delta/actions';
import { sidecarKey } from '../formats/delta/checkpoint-read';
import { type ColumnMappingMode, columnMappingMode, physicalColumnName } from '../formats/delta/column-mapping';
import { assertReadable } from '../formats/delta/features';
import { partitionValueToSql, parseSchema } from '../formats/delta/schema';
import { decodedPath } from '../formats/delta/replay';
import { snapshotCacheKey } from '../formats/delta/snapshot-cache';
import type { DeltaTable, LogSegment, VersionSpec } from '../formats/delta/table';
import type { ObjectStore } from '../storage/types';
import type { StructType } from '../formats/delta/actions';
import { quoteIdent, quoteLiteral, quoteLiteralList } from '../sql-text';
import { pruneQuery } from './prune';
import { columnType } from './views';

/** Indexes kept for paging, newest last: each holds its table's files in DuckDB (~200 MB for a million). */
const SHARED_INDEXES = 2;
const sharedIndexes = new Map<string, Promise<DeltaFileIndex>>();

const FILES = 'delta_files';
const TOUCHED = 'delta_touched';
const PARTITION_KEYS = 'delta_partition_keys';
const TYPED_PARTITIONS = 'delta_partitions_typed';
const TAIL_ADDS = 'delta_tail_adds';

/** The canonical path (replay.ts decodedPath) of `path` in SQL: decoded only when it needs it, as most paths do not. */
const canonicalSql = (path: string) =>
  `CASE WHEN contains(${path}, '%') OR lower(${path}) LIKE 'file:%' THEN regexp_replace(url_decode(${path}), '^[Ff][Ii][Ll][Ee]:(//(localhost)?)?(/.*)$', '\\3') ELSE ${path} END`;

/** A page of rows and how many there are in all. */
export interface Page<T> {
  total: number;
  rows: T[];
}

/** A partition of the index: its log values (by physical name), its file count, bytes and live rows. */
export interface IndexedPartition {
  partitionValues: Record<string, string | null>;
  files: number;
  bytes: number;
  /** Undefined when a file of it has no stats. */
  rows?: number;
}

export class DeltaFileIndex {
  private partitionCount?: number;
  private typed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly tableUrl: string,
    readonly version: number,
    readonly protocol: Protocol,
    readonly metadata: Metadata,
    readonly schema: StructType,
    readonly columnMapping: ColumnMappingMode,
    readonly fileCount: number,
  ) {}

  get partitionColumns(): string[] {
    return this.metadata.partitionColumns ?? [];
  }

  /** Builds the index of `table` at `spec` in a DuckDB instance of its own. UNSUPPORTED_OPERATION unless the log is on local disk. */
  static async open(table: DeltaTable, spec: VersionSpec = {}): Promise<DeltaFileIndex> {
    requireLocal(table.store);
    return DeltaFileIndex.build(table.store, await table.segment(spec));
  }

  /** The index of `table` at `spec`, shared with earlier calls for the same version of the same log (the views page through it). */
  static async shared(table: DeltaTable, spec: VersionSpec = {}): Promise<DeltaFileIndex> {
    requireLocal(table.store);
    const segment = await table.segment(spec);
    const key = snapshotCacheKey(table.store.id, segment.version, segment.identity);
    let index = sharedIndexes.get(key);
    if (!index) {
      index = DeltaFileIndex.build(table.store, segment);
      index.catch(() => sharedIndexes.delete(key));
      sharedIndexes.set(key, index);
      for (const [oldKey, old] of sharedIndexes) {
        if (sharedIndexes.size <= SHARED_INDEXES) break;
        sharedIndexes.delete(oldKey);
        void old.then((o) => o.close(), () => undefined);
      }
    }
    return index;
  }

  private static async build(store: ObjectStore, segment: LogSegment): Promise<DeltaFileIndex> {
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const connection = await instance.connect();
    try {
      const parts = segment.checkpointParts.map((part) => localPath(store, part.key));
      const fromCheckpoint = parts.length === 0 ? {} : await readProtocolAndMetadata(connection, parts);
      const protocol = segment.tail.protocol ?? fromCheckpoint.protocol;
      const metadata = segment.tail.metadata ?? fromCheckpoint.metadata;
      if (!protocol || !metadata) {
        throw new LakebenchError('CORRUPT', `${segment.tableUrl}: the log up to version ${segment.version} has no ${protocol ? 'metaData' : 'protocol'} action`, {
          object: segment.tableUrl,
        });
      }
      assertReadable(protocol, segment.tableUrl, metadata);
      await fillFiles(connection, store, parts, segment);
      const count = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${FILES}`)).getRows()[0][0]);
      const schema = parseSchema(metadata.schemaString, segment.tableUrl);
      return new DeltaFileIndex(instance, connection, segment.tableUrl, segment.version, protocol, metadata, schema, columnMappingMode(protocol, metadata), count);
    } catch (e) {
      connection.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  private live?: Promise<number | undefined>;

  /**
   * Rows of the live files less those their deletion vectors delete; undefined when a file has no stats.
   * Summed once per index (a scan of every file): each page of the files view asks for it.
   */
  liveRows(): Promise<number | undefined> {
    this.live ??= this.connection.runAndReadAll(`SELECT ${LIVE_ROWS_SQL} FROM ${FILES}`).then((reader) => {
      const rows = reader.getRows()[0][0];
      return rows === null ? undefined : Number(rows);
    });
    return this.live;
  }

  /** Live files in the index's order (see fillFiles), `limit` from `offset` on. */
  async files(offset: number, limit: number): Promise<Page<AddFile>> {
    const reader = await this.connection.runAndReadAll(
      `SELECT ${ADD_COLUMNS} FROM ${FILES} WHERE rowid >= $1 AND rowid < $2 ORDER BY rowid`,
      [offset, offset + limit],
    );
    return { total: this.fileCount, rows: reader.getRows().map(addFileOf) };
  }

  /** Partitions in value order (nulls last), with their sums, `limit` from `offset` on. */
  async partitions(offset: number, limit: number): Promise<Page<IndexedPartition>> {
    const total = await this.partitionKeys();
    const reader = await this.connection.runAndReadAll(
      `SELECT k.partition_values, count(*), sum(size),
         ${LIVE_ROWS_SQL}
       FROM ${FILES} JOIN ${PARTITION_KEYS} k USING (partition_values) WHERE k.id >= $1 AND k.id < $2 GROUP BY k.id, k.partition_values ORDER BY k.id`,
      [offset, offset + limit],
    );
    const rows = reader.getRowsJS().map(([values, files, bytes, rows]) => ({
      partitionValues: mapRecord(values),
      files: Number(files),
      bytes: Number(bytes),
      ...(rows !== null && { rows: Number(rows) }),
    }));
    return { total, rows };
  }

  /**
   * The files a query over this table (named `tableName` in it) can need by its partition filter, or
   * undefined when prune.ts cannot prove a filter safe. The filter is evaluated over the distinct
   * partitions, typed by partitionValueToSql as the view types them, never over every file.
   */
  async prunedFiles(sql: string, tableName: string): Promise<AddFile[] | undefined> {
    await this.partitionKeys();
    await this.typePartitions();
    const target = { name: tableName, partitionColumns: this.partitionColumns, partsTable: TYPED_PARTITIONS };
    const pruned = await pruneQuery(this.connection, sql, target, `${tableName}_pruned`);
    if (!pruned) return undefined;
    if (pruned.fileIndexes.length === 0) return [];
    const reader = await this.connection.runAndReadAll(
      `SELECT ${ADD_COLUMNS} FROM ${FILES} JOIN ${PARTITION_KEYS} k USING (partition_values) WHERE k.id IN (${pruned.fileIndexes.join(', ')}) ORDER BY ${FILES}.rowid`,
    );
    return reader.getRows().map(addFileOf);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private physicalPartitionColumns(): string[] {
    return this.partitionColumns.map((c) => physicalColumnName(this.schema, c, this.columnMapping));
  }

  /** Numbers the distinct partitions in value order (nulls last), once; returns how many there are. */
  private async partitionKeys(): Promise<number> {
    if (this.partitionCount !== undefined) return this.partitionCount;
    const physical = this.physicalPartitionColumns();
    const order = physical.length === 0 ? '1' : physical.map((c) => `nullif(partition_values[${quoteLiteral(c)}], '') NULLS LAST`).join(', ');
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${PARTITION_KEYS} AS
      SELECT row_number() OVER (ORDER BY ${order}) - 1 AS id, partition_values FROM (SELECT DISTINCT partition_values FROM ${FILES})`);
    this.partitionCount = Number((await this.connection.runAndReadAll(`SELECT count(*) FROM ${PARTITION_KEYS}`)).getRows()[0][0]);
    return this.partitionCount;
  }

  /** The partsTable prune.ts evaluates filters over: one row per partition key, its values typed. */
  private async typePartitions(): Promise<void> {
    if (this.typed) return;
    const physical = this.physicalPartitionColumns();
    const reader = await this.connection.runAndReadAll(`SELECT id, partition_values FROM ${PARTITION_KEYS} ORDER BY id`);
    const typed = reader.getRowsJS().map(([id, values]) => {
      const record = mapRecord(values);
      const cells = this.partitionColumns.map((c, i) => partitionValueToSql(record[physical[i]] ?? null, columnType(this.schema, c)));
      return `(${[String(id), ...cells].join(', ')})`;
    });
    const columns = ['__lakebench_file_index', ...this.partitionColumns].map(quoteIdent).join(', ');
    const values = typed.length === 0 ? `SELECT NULL::BIGINT, ${this.partitionColumns.map(() => 'NULL').join(', ')} WHERE false` : `VALUES ${typed.join(', ')}`;
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${TYPED_PARTITIONS} AS SELECT * FROM (${values}) AS t(${columns})`);
    this.typed = true;
  }
}

/** Rows the files hold less those deletion vectors delete (as liveRows in file-entries.ts); null when a file has no stats. */
const LIVE_ROWS_SQL =
  "CASE WHEN count(stats) = count(*) THEN sum(json_extract(stats, '$.numRecords')::BIGINT - coalesce(json_extract(deletion_vector, '$.cardinality')::BIGINT, 0)) END";

/** The columns an AddFile is rebuilt from (see addFileOf). */
const ADD_COLUMNS = 'path, to_json(partition_values), size, modification_time, data_change, stats, deletion_vector';

function addFileOf(row: readonly unknown[]): AddFile {
  const [path, partitionValues, size, modificationTime, dataChange, stats, deletionVector] = row;
  return {
    path: String(path),
    partitionValues: JSON.parse(String(partitionValues)) as Record<string, string | null>,
    size: Number(size),
    modificationTime: Number(modificationTime),
    dataChange: Boolean(dataChange),
    ...(stats !== null && { stats: String(stats) }),
    ...(deletionVector !== null && { deletionVector: withoutNulls(JSON.parse(String(deletionVector))) }),
  };
}

/** A DuckDB MAP as read by getRowsJS ({ key, value } entries) as a record. */
function mapRecord(value: unknown): Record<string, string | null> {
  const entries = (value ?? []) as { key: string; value: string | null }[];
  return Object.fromEntries(entries.map((e) => [e.key, e.value]));
}

/** A struct read through to_json without its null fields: the JSON form of an action leaves them out. */
function withoutNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === null ? [] : [[k, withoutNulls(v)]])));
}

function requireLocal(store: ObjectStore): void {
  if (store.kind !== 'local') {
    throw new LakebenchError('UNSUPPORTED_OPERATION', `${store.url}: the file index reads the Delta log from local disk`, { object: store.url });
  }
}

function localPath(store: ObjectStore, key: string): string {
  const file = store.localPath(key);
  if (!file) throw new LakebenchError('UNSUPPORTED_OPERATION', `${store.urlOf(key)} is not on local disk`, { object: store.urlOf(key) });
  return file;
}

/** The top-level fields of a struct column of the files (empty when the column is absent). */
async function structFields(connection: DuckDBConnection, files: string, column: string): Promise<Set<string>> {
  const columns = await connection.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${files})`);
  if (!columns.getRows().some(([name]) => name === column)) return new Set();
  const fields = await connection.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT ${quoteIdent(column)}.* FROM ${files})`);
  return new Set(fields.getRows().map(([name]) => String(name)));
}

const readParquetSql = (paths: string[]) => `read_parquet(${quoteLiteralList(paths)}, union_by_name = true)`;

async function readProtocolAndMetadata(connection: DuckDBConnection, parts: string[]): Promise<{ protocol?: Protocol; metadata?: Metadata }> {
  const reader = await connection.runAndReadAll(
    `SELECT to_json(protocol), to_json(metaData) FROM ${readParquetSql(parts)} WHERE protocol IS NOT NULL OR metaData IS NOT NULL`,
  );
  const found: { protocol?: Protocol; metadata?: Metadata } = {};
  for (const [protocol, metadata] of reader.getRows()) {
    if (protocol !== null) found.protocol = withoutNulls(JSON.parse(String(protocol))) as Protocol;
    if (metadata !== null) found.metadata = withoutNulls(JSON.parse(String(metadata))) as Metadata;
  }
  return found;
}

/**
 * The files table: the checkpoint's adds (and its sidecars'), less every path the commits after it
 * touch, plus the files those commits leave live. Pages are rowid ranges: a stable order for the
 * index, though not the log's (DuckDB reads the parts in parallel).
 */
async function fillFiles(connection: DuckDBConnection, store: ObjectStore, parts: string[], segment: LogSegment): Promise<void> {
  await connection.run(`CREATE TEMP TABLE ${FILES} (path VARCHAR, partition_values MAP(VARCHAR, VARCHAR), size BIGINT,
    modification_time BIGINT, data_change BOOLEAN, stats VARCHAR, deletion_vector VARCHAR)`);
  const touched = await fillTouched(connection, segment);
  if (parts.length > 0) {
    const sidecars = await sidecarPaths(connection, store, parts);
    const files = readParquetSql([...parts, ...sidecars]);
    const fields = await structFields(connection, files, 'add');
    const field = (name: string, sql = `add.${quoteIdent(name)}`) => (fields.has(name) ? sql : 'NULL');
    await connection.run(`INSERT INTO ${FILES}
      SELECT add.path, coalesce(${field('partitionValues')}, MAP {}), add.size, add.modificationTime, coalesce(${field('dataChange')}, false),
        ${field('stats')}, ${field('deletionVector', 'to_json(add.deletionVector)')}
      FROM ${files} WHERE add IS NOT NULL${touched ? ` AND ${canonicalSql('add.path')} NOT IN (SELECT key FROM ${TOUCHED})` : ''}`);
  }
  const adds = [...segment.tail.files.values()].map((add) => ({
    path: add.path,
    partition_values: add.partitionValues ?? {},
    size: add.size,
    modification_time: add.modificationTime,
    data_change: add.dataChange,
    stats: add.stats ?? null,
    deletion_vector: add.deletionVector ? JSON.stringify(add.deletionVector) : null,
  }));
  if (adds.length > 0) {
    await connection.run(`CREATE TEMP TABLE ${TAIL_ADDS} AS SELECT unnest(from_json($1::JSON, '[{"path":"VARCHAR","partition_values":"MAP(VARCHAR, VARCHAR)","size":"BIGINT","modification_time":"BIGINT","data_change":"BOOLEAN","stats":"VARCHAR","deletion_vector":"VARCHAR"}]'), recursive := true)`, [JSON.stringify(adds)]);
    await connection.run(`INSERT INTO ${FILES} SELECT path, partition_values, size, modification_time, data_change, stats, deletion_vector FROM ${TAIL_ADDS}`);
  }
}

/**
 * Canonical paths of every file the commits after the checkpoint add or remove: their checkpoint rows
 * are out of date. False when there are none.
 */
async function fillTouched(connection: DuckDBConnection, segment: LogSegment): Promise<boolean> {
  await connection.run(`CREATE TEMP TABLE ${TOUCHED} (key VARCHAR)`);
  const keys = new Set([...segment.tail.files.values(), ...segment.tail.tombstones.values()].map((action) => decodedPath(action.path)));
  if (keys.size > 0) await connection.run(`INSERT INTO ${TOUCHED} SELECT unnest(from_json($1::JSON, '["VARCHAR"]'))`, [JSON.stringify([...keys])]);
  return keys.size > 0;
}

/** Local paths of the sidecars a v2 checkpoint names (its file actions are there). */
async function sidecarPaths(connection: DuckDBConnection, store: ObjectStore, parts: string[]): Promise<string[]> {
  const files = readParquetSql(parts);
  if (!(await structFields(connection, files, 'sidecar')).has('path')) return [];
  const reader = await connection.runAndReadAll(`SELECT sidecar.path FROM ${files} WHERE sidecar IS NOT NULL`);
  return reader.getRows().map(([path]) => localPath(store, sidecarKey(String(path))));
}
