/**
 * SQL for a DuckDB view over one Delta snapshot: exactly the snapshot's live files, every schema column
 * cast to its Delta type, partition values taken from the log (`add.partitionValues`).
 *
 * Three read plans:
 * - `plain`: unpartitioned table; one read_parquet over the files.
 * - `hive`: every file sits in `k=v` folders whose decoded values equal its partitionValues, so DuckDB can
 *   type them with hive_types and prune partitions itself.
 * - `join`: anything else (values that differ from folder names, unusual types, partition columns also
 *   stored in the files): read with a filename column and join to a VALUES list of typed partition values.
 * Pure functions: no I/O, so every plan is testable from paths and actions alone.
 */
import { LakebenchError } from '../errors';
import type { AddFile, DeltaType, StructType } from '../formats/delta/actions';
import { deltaTypeToDuckDB, partitionValueToSql } from '../formats/delta/schema';
import { quoteIdent, quoteLiteral, quoteLiteralList } from '../sql-text';

/** A live file of the snapshot and where DuckDB can read it. */
export interface ViewFile {
  /** Local path of the Parquet file (in place for local tables, in the cache for remote ones). */
  path: string;
  add: AddFile;
}

/** The parts of a snapshot a view needs. */
export interface ViewSnapshot {
  schema: StructType;
  partitionColumns: string[];
}

export type ReadPlan = 'empty' | 'plain' | 'hive' | 'join';

/** DuckDB writes nulls in hive folders as this name, as Spark and delta-rs do; it reads it back as NULL. */
const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';
/** Partition types whose log string casts to the same value however DuckDB parses it (no time zones, no formats). */
const HIVE_SAFE_TYPES = new Set(['string', 'long', 'integer', 'short', 'byte', 'boolean', 'date']);
/** Names for the internal columns of the join plan; chosen not to collide with user columns. */
const FILE_COLUMN = '__lakebench_file';
const DATA_ALIAS = '__lakebench_data';
const PARTS_ALIAS = '__lakebench_parts';

/** A partition value from the log: null and '' both mean null (Delta protocol, "Partition Value Serialization"). */
export function logValue(add: AddFile, column: string): string | null {
  const value = add.partitionValues[column];
  return value === undefined || value === null || value === '' ? null : value;
}

/**
 * The `k=v` folders of a path the way DuckDB's hive partitioning sees them: every folder segment of the
 * whole path, values percent-decoded, the hive null name as null. Undefined when unsure (malformed escapes,
 * a repeated key, `=` in the file name), which sends the caller to the join plan.
 */
export function hiveSegments(localPath: string): Map<string, string | null> | undefined {
  const segments = localPath.split(/[/\\]/);
  const fileName = segments.pop() ?? '';
  if (fileName.includes('=')) return undefined;
  const found = new Map<string, string | null>();
  for (const segment of segments) {
    const eq = segment.indexOf('=');
    if (eq <= 0) continue;
    const key = segment.slice(0, eq);
    const raw = segment.slice(eq + 1);
    if (found.has(key) || raw === '' || raw.includes('=')) return undefined;
    try {
      found.set(key, raw === HIVE_NULL ? null : decodeURIComponent(raw));
    } catch {
      return undefined;
    }
  }
  return found;
}

/** The Delta type of a (partition) column; CORRUPT when the schema lacks it. */
export function columnType(schema: StructType, column: string): DeltaType {
  const field = schema.fields.find((f) => f.name === column);
  if (!field) throw new LakebenchError('CORRUPT', `partition column ${column} is not in the table schema`);
  return field.type;
}

/** Which plan reads these files correctly; see the module comment. */
export function choosePlan(snapshot: ViewSnapshot, files: readonly ViewFile[], physicalColumns: Set<string>): ReadPlan {
  if (files.length === 0) return 'empty';
  const partitions = snapshot.partitionColumns;
  if (partitions.length === 0) return 'plain';
  const physical = lowerSet(physicalColumns);
  const hiveUsable =
    partitions.every((c) => {
      const type = columnType(snapshot.schema, c);
      return typeof type === 'string' && HIVE_SAFE_TYPES.has(type) && !physical.has(c.toLowerCase());
    }) &&
    files.every((file) => {
      const folders = hiveSegments(file.path);
      return (
        folders !== undefined &&
        folders.size === partitions.length &&
        partitions.every((c) => folders.has(c) && folders.get(c) === logValue(file.add, c))
      );
    });
  return hiveUsable ? 'hive' : 'join';
}

function lowerSet(names: Set<string>): Set<string> {
  return new Set([...names].map((n) => n.toLowerCase()));
}

function castNull(type: DeltaType): string {
  return `CAST(NULL AS ${deltaTypeToDuckDB(type)})`;
}

/** The read_parquet call of a plan (not used for `empty`). */
function readParquetSql(plan: ReadPlan, snapshot: ViewSnapshot, files: readonly ViewFile[]): string {
  const list = quoteLiteralList(files.map((f) => f.path));
  if (plan === 'hive') {
    const types = snapshot.partitionColumns
      .map((c) => `${quoteLiteral(c)}: ${quoteLiteral(deltaTypeToDuckDB(columnType(snapshot.schema, c)))}`)
      .join(', ');
    return `read_parquet(${list}, union_by_name = true, hive_partitioning = true, hive_types = {${types}}, hive_types_autocast = false)`;
  }
  // hive_partitioning must be off explicitly: DuckDB turns it on by itself when paths contain k=v folders.
  const filename = plan === 'join' ? `, filename = ${quoteLiteral(FILE_COLUMN)}` : '';
  return `read_parquet(${list}, union_by_name = true, hive_partitioning = false${filename})`;
}

/** VALUES rows (file, typed partition values…) for the join plan. */
function partitionValuesSql(snapshot: ViewSnapshot, files: readonly ViewFile[]): string {
  const rows = files.map((file) => {
    const values = snapshot.partitionColumns.map((c) => partitionValueToSql(logValue(file.add, c), columnType(snapshot.schema, c)));
    return `(${[quoteLiteral(file.path), ...values].join(', ')})`;
  });
  const columns = [FILE_COLUMN, ...snapshot.partitionColumns].map(quoteIdent).join(', ');
  return `(VALUES ${rows.join(', ')}) AS ${PARTS_ALIAS}(${columns})`;
}

/**
 * `CREATE OR REPLACE VIEW name AS …` over exactly `files`. `physicalColumns` are the column names found in
 * the files' footers (see physicalColumnsSql); schema columns missing from all of them read as typed NULLs.
 */
export function deltaViewSql(
  name: string,
  snapshot: ViewSnapshot,
  files: readonly ViewFile[],
  physicalColumns: Set<string>,
): string {
  const plan = choosePlan(snapshot, files, physicalColumns);
  const physical = lowerSet(physicalColumns);
  const partitions = new Set(snapshot.partitionColumns);
  const dataRef = plan === 'join' ? `${DATA_ALIAS}.` : '';
  const columns = snapshot.schema.fields.map((field) => {
    const type = deltaTypeToDuckDB(field.type);
    const id = quoteIdent(field.name);
    let expr: string;
    if (plan === 'empty') expr = castNull(field.type);
    else if (partitions.has(field.name)) expr = plan === 'join' ? `${PARTS_ALIAS}.${id}` : `CAST(${id} AS ${type})`;
    else if (physical.has(field.name.toLowerCase())) expr = `CAST(${dataRef}${id} AS ${type})`;
    else expr = castNull(field.type);
    return `${expr} AS ${id}`;
  });
  const select = `SELECT ${columns.join(', ')}`;
  let body: string;
  if (plan === 'empty') body = `${select} WHERE false`;
  else if (plan === 'join') {
    body =
      `${select} FROM ${readParquetSql(plan, snapshot, files)} AS ${DATA_ALIAS} ` +
      `JOIN ${partitionValuesSql(snapshot, files)} ON ${DATA_ALIAS}.${quoteIdent(FILE_COLUMN)} = ${PARTS_ALIAS}.${quoteIdent(FILE_COLUMN)}`;
  } else body = `${select} FROM ${readParquetSql(plan, snapshot, files)}`;
  return `CREATE OR REPLACE VIEW ${quoteIdent(name)} AS ${body}`;
}

/** Query whose rows (column_name, …) list the columns stored in the files; reads footers only. */
export function physicalColumnsSql(paths: readonly string[]): string {
  return `DESCRIBE SELECT * FROM read_parquet(${quoteLiteralList(paths)}, union_by_name = true, hive_partitioning = false)`;
}
