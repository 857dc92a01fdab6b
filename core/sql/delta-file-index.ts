/**
 * The live files of a Delta version held in DuckDB instead of as JS objects, for tables of a million
 * files (issue 17): DuckDB reads the checkpoint's `add` column straight from its Parquet parts (and
 * sidecars) into a temp table, the few commits after it are replayed in JS (DeltaTable.segment) and
 * applied to that table, and the views ask it for one page of files, the partition sums, or the files a
 * query's partition filter keeps, so memory and time follow the page, not the table — as delta-kernel
 * scans a checkpoint in batches instead of materialising it. A remote table's checkpoint parts are read
 * through the file cache (pinned while the index lives); a local table's in place.
 *
 * What an open costs, on a million files (scripts/bench-big.ts): the checkpoint's `add` column is read
 * once, with each partition value as a column of its own (a MAP per file cost more than the rest of the
 * row), and protocol and metaData only from the parts whose footers say they hold them.
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
import type { CacheItem, CacheLease, FileCache } from '../storage/cache';
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
    private readonly lease: CacheLease | undefined,
  ) {}

  get partitionColumns(): string[] {
    return this.metadata.partitionColumns ?? [];
  }

  /**
   * Builds the index of `table` at `spec` in a DuckDB instance of its own. A remote table needs `cache`
   * (its checkpoint is read from there): UNSUPPORTED_OPERATION without one.
   */
  static async open(table: DeltaTable, spec: VersionSpec = {}, cache?: FileCache): Promise<DeltaFileIndex> {
    requireReadable(table.store, cache);
    return DeltaFileIndex.build(table.store, await table.segment(spec), cache);
  }

  /**
   * The index of `table` at `spec`, shared with earlier calls for the same version of the same log (the
   * views page through it). A hit costs the log listing that names the version, and no read.
   */
  static async shared(table: DeltaTable, spec: VersionSpec = {}, cache?: FileCache): Promise<DeltaFileIndex> {
    requireReadable(table.store, cache);
    const plan = await table.segmentPlan(spec);
    const key = snapshotCacheKey(table.store.id, plan.version, plan.identity);
    let index = sharedIndexes.get(key);
    if (!index) {
      index = plan.read().then((segment) => DeltaFileIndex.build(table.store, segment, cache));
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

  private static async build(store: ObjectStore, segment: LogSegment, cache: FileCache | undefined): Promise<DeltaFileIndex> {
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const connection = await instance.connect();
    const lease = cache?.lease();
    try {
      const local = (infos: CacheItem[]) => localPaths(store, infos, cache, lease);
      const parts = await local(segment.checkpointParts);
      const needed = !segment.tail.protocol || !segment.tail.metadata;
      const fromCheckpoint = parts.length === 0 || !needed ? {} : await readProtocolAndMetadata(connection, parts);
      const protocol = segment.tail.protocol ?? fromCheckpoint.protocol;
      const metadata = segment.tail.metadata ?? fromCheckpoint.metadata;
      if (!protocol || !metadata) {
        throw new LakebenchError('CORRUPT', `${segment.tableUrl}: the log up to version ${segment.version} has no ${protocol ? 'metaData' : 'protocol'} action`, {
          object: segment.tableUrl,
        });
      }
      assertReadable(protocol, segment.tableUrl, metadata);
      const schema = parseSchema(metadata.schemaString, segment.tableUrl);
      const mapping = columnMappingMode(protocol, metadata);
      const physical = (metadata.partitionColumns ?? []).map((c) => physicalColumnName(schema, c, mapping));
      const files = parts.length === 0 ? [] : [...parts, ...(await local(await sidecars(connection, parts)))];
      await fillFiles(connection, files, segment, physical);
      const count = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${FILES}`)).getRows()[0][0]);
      return new DeltaFileIndex(instance, connection, segment.tableUrl, segment.version, protocol, metadata, schema, mapping, count, lease);
    } catch (e) {
      connection.closeSync();
      instance.closeSync();
      void lease?.release();
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
      `SELECT ${this.addColumns()} FROM ${FILES} WHERE rowid >= $1 AND rowid < $2 ORDER BY rowid`,
      [offset, offset + limit],
    );
    return { total: this.fileCount, rows: reader.getRows().map((row) => this.addFileOf(row)) };
  }

  /** Partitions in value order (nulls last), with their sums, `limit` from `offset` on. */
  async partitions(offset: number, limit: number): Promise<Page<IndexedPartition>> {
    const total = await this.partitionKeys();
    const values = this.valueColumns().map((c) => `k.${c}`);
    const reader = await this.connection.runAndReadAll(
      `SELECT count(*), sum(size), ${LIVE_ROWS_SQL}${values.map((v) => `, ${v}`).join('')}
       FROM ${FILES} JOIN ${PARTITION_KEYS} k ON ${this.sameKey('k')} WHERE k.id >= $1 AND k.id < $2 GROUP BY k.id${values.map((v) => `, ${v}`).join('')} ORDER BY k.id`,
      [offset, offset + limit],
    );
    const rows = reader.getRowsJS().map(([files, bytes, rows, ...values]) => ({
      partitionValues: this.valuesRecord(values),
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
      `SELECT ${this.addColumns(FILES)} FROM ${FILES} JOIN ${PARTITION_KEYS} k ON ${this.sameKey('k')} WHERE k.id IN (${pruned.fileIndexes.join(', ')}) ORDER BY ${FILES}.rowid`,
    );
    return reader.getRows().map((row) => this.addFileOf(row));
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    void this.lease?.release();
  }

  private physicalPartitionColumns(): string[] {
    return this.partitionColumns.map((c) => physicalColumnName(this.schema, c, this.columnMapping));
  }

  /** The files table's columns holding the partition values, in partitionColumns order. */
  private valueColumns(): string[] {
    return this.partitionColumns.map((_, i) => valueColumn(i));
  }

  /** The files rows of partition key `alias` (nulls match nulls). */
  private sameKey(alias: string): string {
    const columns = this.valueColumns();
    return columns.length === 0 ? 'true' : columns.map((c) => `${FILES}.${c} IS NOT DISTINCT FROM ${alias}.${c}`).join(' AND ');
  }

  /** Partition values by physical name, from the value columns' cells. */
  private valuesRecord(cells: readonly unknown[]): Record<string, string | null> {
    const physical = this.physicalPartitionColumns();
    return Object.fromEntries(physical.map((name, i) => [name, cells[i] === null ? null : String(cells[i])]));
  }

  /** The columns an AddFile is rebuilt from (see addFileOf), of `table` when a join needs it named. */
  private addColumns(table?: string): string {
    const of = (c: string) => (table ? `${table}.${c}` : c);
    return [...ADD_COLUMNS, ...this.valueColumns()].map(of).join(', ');
  }

  private addFileOf(row: readonly unknown[]): AddFile {
    const [path, size, modificationTime, dataChange, stats, deletionVector, ...values] = row;
    return {
      path: String(path),
      partitionValues: this.valuesRecord(values),
      size: Number(size),
      modificationTime: Number(modificationTime),
      dataChange: Boolean(dataChange),
      ...(stats !== null && { stats: String(stats) }),
      ...(deletionVector !== null && { deletionVector: withoutNulls(JSON.parse(String(deletionVector))) as AddFile['deletionVector'] }),
    };
  }

  /** Numbers the distinct partitions in value order (nulls last), once; returns how many there are. */
  private async partitionKeys(): Promise<number> {
    if (this.partitionCount !== undefined) return this.partitionCount;
    const columns = this.valueColumns();
    const order = columns.length === 0 ? '1' : columns.map((c) => `nullif(${c}, '') NULLS LAST`).join(', ');
    const select = columns.length === 0 ? 'SELECT DISTINCT true' : `SELECT DISTINCT ${columns.join(', ')}`;
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${PARTITION_KEYS} AS
      SELECT row_number() OVER (ORDER BY ${order}) - 1 AS id, * FROM (${select} FROM ${FILES})`);
    this.partitionCount = Number((await this.connection.runAndReadAll(`SELECT count(*) FROM ${PARTITION_KEYS}`)).getRows()[0][0]);
    return this.partitionCount;
  }

  /** The partsTable prune.ts evaluates filters over: one row per partition key, its values typed. */
  private async typePartitions(): Promise<void> {
    if (this.typed) return;
    const columns = this.valueColumns();
    const reader = await this.connection.runAndReadAll(`SELECT id${columns.map((c) => `, ${c}`).join('')} FROM ${PARTITION_KEYS} ORDER BY id`);
    const typed = reader.getRowsJS().map(([id, ...values]) => {
      const cells = this.partitionColumns.map((c, i) => partitionValueToSql(values[i] === null ? null : String(values[i]), columnType(this.schema, c)));
      return `(${[String(id), ...cells].join(', ')})`;
    });
    const names = ['__lakebench_file_index', ...this.partitionColumns].map(quoteIdent).join(', ');
    const values = typed.length === 0 ? `SELECT NULL::BIGINT, ${this.partitionColumns.map(() => 'NULL').join(', ')} WHERE false` : `VALUES ${typed.join(', ')}`;
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${TYPED_PARTITIONS} AS SELECT * FROM (${values}) AS t(${names})`);
    this.typed = true;
  }
}

/** Rows the files hold less those deletion vectors delete (as liveRows in file-entries.ts); null when a file has no stats. */
const LIVE_ROWS_SQL =
  "CASE WHEN count(stats) = count(*) THEN sum(json_extract(stats, '$.numRecords')::BIGINT - coalesce(json_extract(deletion_vector, '$.cardinality')::BIGINT, 0)) END";

/** The columns an AddFile is rebuilt from (see addFileOf), before the partition values. */
const ADD_COLUMNS = ['path', 'size', 'modification_time', 'data_change', 'stats', 'deletion_vector'];

/** The files table's column of the i-th partition column's value (as the log writes it). */
const valueColumn = (i: number) => `partition_value_${i}`;

/** A struct read through to_json without its null fields: the JSON form of an action leaves them out. */
function withoutNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === null ? [] : [[k, withoutNulls(v)]])));
}

function requireReadable(store: ObjectStore, cache: FileCache | undefined): void {
  if (store.kind !== 'local' && !cache) {
    throw new LakebenchError('UNSUPPORTED_OPERATION', `${store.url}: the file index reads a remote Delta log through the file cache, and none was given`, { object: store.url });
  }
}

/** Local paths of log objects, in order: in place on local disk, else fetched into the cache and pinned by `lease`. */
async function localPaths(store: ObjectStore, items: CacheItem[], cache: FileCache | undefined, lease: CacheLease | undefined): Promise<string[]> {
  if (store.kind === 'local' || !cache) {
    return items.map(({ key }) => {
      const file = store.localPath(key);
      if (!file) throw new LakebenchError('UNSUPPORTED_OPERATION', `${store.urlOf(key)} is not on local disk`, { object: store.urlOf(key) });
      return file;
    });
  }
  const paths = await cache.ensureMany(store, items, { lease });
  return items.map(({ key }) => paths.get(key)!);
}

/** The top-level fields of a struct column of the files (empty when the column is absent). */
async function structFields(connection: DuckDBConnection, files: string, column: string): Promise<Set<string>> {
  const columns = await connection.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${files})`);
  if (!columns.getRows().some(([name]) => name === column)) return new Set();
  const fields = await connection.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT ${quoteIdent(column)}.* FROM ${files})`);
  return new Set(fields.getRows().map(([name]) => String(name)));
}

const readParquetSql = (paths: string[]) => `read_parquet(${quoteLiteralList(paths)}, union_by_name = true)`;

/**
 * The checkpoint's protocol and metaData, read only from the parts whose footers count a value in their
 * required fields (a part without statistics is read too): a million-file checkpoint keeps them in one
 * of its parts, and decoding the two columns of every part cost a tenth of an open.
 */
async function readProtocolAndMetadata(connection: DuckDBConnection, parts: string[]): Promise<{ protocol?: Protocol; metadata?: Metadata }> {
  const holding = await connection.runAndReadAll(
    `SELECT DISTINCT file_name FROM parquet_metadata(${quoteLiteralList(parts)})
     WHERE path_in_schema IN ('protocol, minReaderVersion', 'metaData, id') AND (stats_null_count IS NULL OR stats_null_count < num_values)`,
  );
  const read = holding.getRows().map(([file]) => String(file));
  if (read.length === 0) return {};
  const reader = await connection.runAndReadAll(
    `SELECT to_json(protocol), to_json(metaData) FROM ${readParquetSql(read)} WHERE protocol IS NOT NULL OR metaData IS NOT NULL`,
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
 * touch, plus the files those commits leave live; partition values by `physical` name, one column each.
 * Pages are rowid ranges: a stable order for the index, though not the log's (DuckDB reads the parts in
 * parallel).
 */
async function fillFiles(connection: DuckDBConnection, files: string[], segment: LogSegment, physical: string[]): Promise<void> {
  const valueColumns = physical.map((_, i) => `, ${valueColumn(i)} VARCHAR`).join('');
  await connection.run(`CREATE TEMP TABLE ${FILES} (path VARCHAR, size BIGINT, modification_time BIGINT, data_change BOOLEAN,
    stats VARCHAR, deletion_vector VARCHAR${valueColumns})`);
  const touched = await fillTouched(connection, segment);
  if (files.length > 0) {
    const source = readParquetSql(files);
    const fields = await structFields(connection, source, 'add');
    const field = (name: string, sql = `add.${quoteIdent(name)}`) => (fields.has(name) ? sql : 'NULL');
    const values = physical.map((name) => `, ${field('partitionValues', `add.partitionValues[${quoteLiteral(name)}]`)}`).join('');
    // to_json only where there is a vector: called on a million null structs it cost as much as the paths.
    const dv = field('deletionVector', 'CASE WHEN add.deletionVector IS NOT NULL THEN to_json(add.deletionVector) END');
    await connection.run(`INSERT INTO ${FILES}
      SELECT add.path, add.size, add.modificationTime, coalesce(${field('dataChange')}, false), ${field('stats')}, ${dv}${values}
      FROM ${source} WHERE add IS NOT NULL${touched ? ` AND ${canonicalSql('add.path')} NOT IN (SELECT key FROM ${TOUCHED})` : ''}`);
  }
  const adds = [...segment.tail.files.values()].map((add) => ({
    path: add.path,
    size: add.size,
    modification_time: add.modificationTime,
    data_change: add.dataChange,
    stats: add.stats ?? null,
    deletion_vector: add.deletionVector ? JSON.stringify(add.deletionVector) : null,
    ...Object.fromEntries(physical.map((name, i) => [valueColumn(i), add.partitionValues?.[name] ?? null])),
  }));
  if (adds.length > 0) {
    const shape = { path: 'VARCHAR', size: 'BIGINT', modification_time: 'BIGINT', data_change: 'BOOLEAN', stats: 'VARCHAR', deletion_vector: 'VARCHAR', ...Object.fromEntries(physical.map((_, i) => [valueColumn(i), 'VARCHAR'])) };
    await connection.run(`CREATE TEMP TABLE ${TAIL_ADDS} AS SELECT unnest(from_json($1::JSON, ${quoteLiteral(JSON.stringify([shape]))}), recursive := true)`, [JSON.stringify(adds)]);
    await connection.run(`INSERT INTO ${FILES} SELECT ${Object.keys(shape).join(', ')} FROM ${TAIL_ADDS}`);
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

/** The sidecars a v2 checkpoint names (its file actions are there), as cache items. */
async function sidecars(connection: DuckDBConnection, parts: string[]): Promise<CacheItem[]> {
  const files = readParquetSql(parts);
  const fields = await structFields(connection, files, 'sidecar');
  if (!fields.has('path') || !fields.has('sizeInBytes')) return [];
  const reader = await connection.runAndReadAll(`SELECT sidecar.path, sidecar.sizeInBytes FROM ${files} WHERE sidecar IS NOT NULL`);
  return reader.getRows().map(([path, size]) => ({ key: sidecarKey(String(path)), size: Number(size) }));
}
