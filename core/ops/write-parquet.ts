/**
 * Writes rows from DuckDB as ZSTD Parquet files into the job's scratch folder, then uploads each under
 * a fresh unique key and describes it as a Delta `add` (with stats and string partition values).
 * Nothing here commits: the caller's single commit is what makes the files visible.
 */
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddFile } from '../formats/delta/actions';
import { mapWithConcurrency } from '../storage/concurrency';
import type { ObjectStore } from '../storage/types';
import { queryRows, type ColumnType, type ScratchDb } from './scratch-db';
import { fileStats } from './stats';
import { quoteIdent, quoteLiteral } from '../sql-text';

export interface WriteRequest {
  /** SELECT giving the rows to write with every table column, partition columns included. */
  query: string;
  /** Partition columns (with their DuckDB types), in the table's partition order. */
  partitionColumns: ColumnType[];
  /** zstd level (1–22); DuckDB's default when absent. */
  compressionLevel?: number;
  /** COPY option giving Parquet field ids (`FIELD_IDS {…}`, column mapping; see physical-layout.ts). */
  fieldIds?: string;
  /** Called after each upload: files uploaded so far, files to upload, bytes uploaded so far. */
  onUploaded?: (progress: { done: number; total: number; bytes: number }) => void;
}

const PART_COLUMN = '__lb_part';
const PARTS_TABLE = 'lb_partitions';
/** DuckDB's FILE_SIZE_BYTES for the files written: a larger output is split. */
export const TARGET_FILE_BYTES = 256 * 1000 * 1000;
const UPLOAD_CONCURRENCY = 4;
/** Spark and delta-rs name the folder of a null partition value this way. */
const NULL_PARTITION_FOLDER = '__HIVE_DEFAULT_PARTITION__';

/** A data file written into the scratch folder, described as the `add` it becomes once uploaded to `key`. */
export interface LocalDataFile {
  localPath: string;
  key: string;
  add: AddFile;
}

/** Writes the rows and uploads the files: the usual sequence when nothing must be checked in between. */
export async function writeDataFiles(db: ScratchDb, store: ObjectStore, request: WriteRequest): Promise<AddFile[]> {
  return uploadDataFiles(db, store, await writeLocalFiles(db, request), request.onUploaded);
}

/** Writes the rows as Parquet files in the scratch folder, with their stats; files of no rows are dropped. */
export async function writeLocalFiles(db: ScratchDb, request: Omit<WriteRequest, 'onUploaded'>): Promise<LocalDataFile[]> {
  const outDir = join(db.dir, `out-${randomUUID()}`);
  const partitionsById = await copyToParquet(db, request, outDir);
  const written: { localPath: string; partitionValues: Record<string, string | null> }[] = [];
  for (const [id, partitionValues] of partitionsById) {
    const dir = request.partitionColumns.length === 0 ? outDir : join(outDir, `${PART_COLUMN}=${id}`);
    for (const name of await readdir(dir).catch(() => [])) {
      written.push({ localPath: join(dir, name), partitionValues });
    }
  }
  // Stats come from DuckDB (one connection, so serially); uploads run in parallel afterwards.
  const described: LocalDataFile[] = [];
  for (const file of written) {
    db.checkCancelled();
    const local = await describeLocalFile(db, file.localPath, request.partitionColumns, file.partitionValues);
    if (local) described.push(local);
  }
  return described;
}

/**
 * A Parquet file written into the scratch folder, described as the `add` of a fresh key in its partition
 * (stats from its footer); undefined when it holds no rows (COPY of no rows still writes a file).
 */
export async function describeLocalFile(
  db: ScratchDb,
  localPath: string,
  partitionColumns: ColumnType[],
  partitionValues: Record<string, string | null>,
): Promise<LocalDataFile | undefined> {
  const stats = await fileStats(db.connection, localPath);
  if (stats.numRecords === 0) return undefined;
  const key = dataFileKey(partitionColumns, partitionValues);
  const { size } = await stat(localPath);
  return {
    localPath,
    key,
    add: {
      path: keyToAddPath(key),
      partitionValues,
      size,
      modificationTime: Date.now(),
      dataChange: true,
      stats: JSON.stringify(stats),
    },
  };
}

/** Uploads written files under their fresh keys, in parallel; answers their `add`s in the same order. */
export async function uploadDataFiles(
  db: ScratchDb,
  store: ObjectStore,
  files: LocalDataFile[],
  onUploaded?: WriteRequest['onUploaded'],
): Promise<AddFile[]> {
  const uploaded = { done: 0, total: files.length, bytes: 0 };
  return mapWithConcurrency(files, UPLOAD_CONCURRENCY, async ({ localPath, key, add }) => {
    db.checkCancelled();
    await store.putFile(key, localPath);
    uploaded.done++;
    uploaded.bytes += add.size;
    onUploaded?.({ ...uploaded });
    return add;
  });
}

/**
 * One COPY for all partitions: rows get a small integer partition id (the folder DuckDB writes is
 * `__lb_part=<id>`), so partition values never have to be parsed back from folder names.
 */
async function copyToParquet(
  db: ScratchDb,
  request: Omit<WriteRequest, 'onUploaded'>,
  outDir: string,
): Promise<Map<number, Record<string, string | null>>> {
  const level = request.compressionLevel === undefined ? '' : `, COMPRESSION_LEVEL ${Math.trunc(request.compressionLevel)}`;
  const options = `FORMAT parquet, COMPRESSION zstd${level}, FILENAME_PATTERN 'part-{uuid}'${request.fieldIds ? `, ${request.fieldIds}` : ''}`;
  const columns = request.partitionColumns;
  if (columns.length === 0) {
    // DuckDB cannot split partitioned output by size; unpartitioned output it can.
    await db.connection.run(`COPY (${request.query}) TO ${quoteLiteral(outDir)} (${options}, FILE_SIZE_BYTES ${TARGET_FILE_BYTES})`);
    return new Map([[0, {}]]);
  }
  const names = columns.map((c) => quoteIdent(c.name));
  await db.connection.run(
    `CREATE OR REPLACE TABLE ${PARTS_TABLE} AS
       SELECT row_number() OVER () AS ${PART_COLUMN}, * FROM (SELECT DISTINCT ${names.join(', ')} FROM (${request.query}))`,
  );
  const matchesPart = names.map((n) => `q.${n} IS NOT DISTINCT FROM p.${n}`).join(' AND ');
  await db.connection.run(
    `COPY (SELECT q.* EXCLUDE (${names.join(', ')}), p.${PART_COLUMN}
             FROM (${request.query}) q JOIN ${PARTS_TABLE} p ON ${matchesPart})
       TO ${quoteLiteral(outDir)} (${options}, PARTITION_BY (${PART_COLUMN}))`,
  );
  const valueSql = columns.map((c) => `${partitionValueText(quoteIdent(c.name), c.type)} AS ${quoteIdent(c.name)}`);
  const rows = await queryRows(db.connection, `SELECT ${PART_COLUMN}, ${valueSql.join(', ')} FROM ${PARTS_TABLE}`);
  return new Map(
    rows.map((row) => [
      Number(row[PART_COLUMN]),
      Object.fromEntries(columns.map((c) => [c.name, row[c.name] === null ? null : String(row[c.name])])),
    ]),
  );
}

/** A partition value as Delta's log spells it (PROTOCOL.md, "Partition Value Serialization"). */
function partitionValueText(column: string, type: string): string {
  if (type === 'TIMESTAMP WITH TIME ZONE') return `strftime(${column} AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f')`;
  if (type === 'TIMESTAMP') return `strftime(${column}, '%Y-%m-%d %H:%M:%S.%f')`;
  return `CAST(${column} AS VARCHAR)`;
}

/** `[<col>=<url-encoded value>/…]part-<uuid>-c000.zstd.parquet`: fresh, so no object is ever overwritten. */
function dataFileKey(columns: ColumnType[], values: Record<string, string | null>): string {
  const folders = columns.map((c) => {
    const value = values[c.name];
    return `${encodeURIComponent(c.name)}=${value === null || value === undefined ? NULL_PARTITION_FOLDER : encodeURIComponent(value)}`;
  });
  return [...folders, `part-${randomUUID()}-c000.zstd.parquet`].join('/');
}

/**
 * `add.path` is a URI reference: each key segment URL-encoded (a `%` in a key becomes `%25`), except
 * `=`, which URI paths allow and Spark and delta-rs leave as is in `col=value` folders.
 */
function keyToAddPath(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replaceAll('%3D', '='))
    .join('/');
}
