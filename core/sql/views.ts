/**
 * SQL for a DuckDB view over one Delta snapshot: exactly the snapshot's live files, every schema column
 * cast to its Delta type under its display name, partition values taken from the log
 * (`add.partitionValues`), and the rows a deletion vector deletes left out.
 *
 * Three read plans:
 * - `plain`: unpartitioned table; one read_parquet over the files.
 * - `hive`: every file sits in `k=v` folders whose decoded values equal its partitionValues, so DuckDB can
 *   type them with hive_types and prune partitions itself.
 * - `join`: anything else (values that differ from folder names, unusual types, partition columns also
 *   stored in the files, column mapping): the files' rows are joined by `file_index` (DuckDB's position of
 *   the file in the list) to a VALUES list of typed partition values.
 * Column mapping: in mode `name` columns are read by their physical names, in mode `id` by Parquet field
 * id (read_parquet's `schema` option); nested struct fields are renamed to their display names.
 * Deletion vectors: rows are read with `file_row_number`, and a temp table holds per file a bitstring of
 * its deleted rows; a row is kept when its bit is 0. Pure functions: no I/O, so every plan is testable
 * from paths and actions alone.
 */
import { LakebenchError } from '../errors';
import type { AddFile, DeltaType, StructField, StructType } from '../formats/delta/actions';
import { type ColumnMappingMode, columnId, physicalName } from '../formats/delta/column-mapping';
import { logValue, partitionValueOf } from '../formats/delta/partition-values';
import type { DeletedRows } from '../formats/delta/deleted-rows';
import { deltaTypeToDuckDB, partitionValueToSql, physicalType } from '../formats/delta/schema';
import { quoteIdent, quoteLiteral, quoteLiteralList } from '../sql-text';

/** A live file of the snapshot and where DuckDB can read it. */
export interface ViewFile {
  /** Local path of the Parquet file (in place for local tables, in the cache for remote ones). */
  path: string;
  add: AddFile;
  /** The rows its deletion vector deletes; undefined when it has none. */
  deleted?: DeletedRows;
}

/** The parts of a snapshot a view needs. */
export interface ViewSnapshot {
  schema: StructType;
  partitionColumns: string[];
  /** Default `none`. */
  columnMapping?: ColumnMappingMode;
}

export type ReadPlan = 'empty' | 'plain' | 'hive' | 'join';

/** Columns found in the files (DESCRIBE of the read): lower-cased name → DuckDB type. */
export type PhysicalColumns = Map<string, string>;

/** DuckDB writes nulls in hive folders as this name, as Spark and delta-rs do; it reads it back as NULL. */
const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';
/** Partition types whose log string casts to the same value however DuckDB parses it (no time zones, no formats). */
const HIVE_SAFE_TYPES = new Set(['string', 'long', 'integer', 'short', 'byte', 'boolean', 'date']);
/** Names for the internal parts of the view; chosen not to collide with user columns. */
const FILE_COLUMN = '__lakebench_file';
const DATA_ALIAS = '__lakebench_data';
const PARTS_ALIAS = '__lakebench_parts';
const DELETED_ALIAS = '__lakebench_dv';

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
export function choosePlan(snapshot: ViewSnapshot, files: readonly ViewFile[], physical: PhysicalColumns): ReadPlan {
  if (files.length === 0) return 'empty';
  const partitions = snapshot.partitionColumns;
  if (partitions.length === 0) return 'plain';
  if ((snapshot.columnMapping ?? 'none') !== 'none') return 'join';
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

function castNull(type: DeltaType): string {
  return `CAST(NULL AS ${deltaTypeToDuckDB(type)})`;
}

/**
 * The read_parquet call of a plan (not used for `empty`). In column mapping mode `id` its `schema` option
 * reads each top-level column by field id under its physical name; nested fields keep their own names.
 */
export function readParquetSql(plan: ReadPlan, snapshot: ViewSnapshot, files: readonly ViewFile[], rowNumbers: boolean): string {
  const list = quoteLiteralList(files.map((f) => f.path));
  const rowNumber = rowNumbers ? ', file_row_number = true' : '';
  const byId = snapshot.columnMapping === 'id' ? `, schema = ${fieldIdSchema(snapshot)}` : '';
  if (plan === 'hive') {
    const types = snapshot.partitionColumns
      .map((c) => `${quoteLiteral(c)}: ${quoteLiteral(deltaTypeToDuckDB(columnType(snapshot.schema, c)))}`)
      .join(', ');
    return `read_parquet(${list}, union_by_name = true, hive_partitioning = true, hive_types = {${types}}, hive_types_autocast = false${rowNumber})`;
  }
  // hive_partitioning must be off explicitly: DuckDB turns it on by itself when paths contain k=v folders.
  return `read_parquet(${list}${byId ? '' : ', union_by_name = true'}, hive_partitioning = false${rowNumber}${byId})`;
}

/** `MAP {<field id>: {name, type, default_value}}` of the data columns, for read_parquet's `schema` option. */
function fieldIdSchema(snapshot: ViewSnapshot): string {
  const partitions = new Set(snapshot.partitionColumns);
  const entries = snapshot.schema.fields
    .filter((field) => !partitions.has(field.name))
    .map((field) => {
      const id = columnId(field);
      if (id === undefined) throw new LakebenchError('CORRUPT', `column "${field.name}" has no delta.columnMapping.id, which mode "id" requires`);
      const type = physicalDuckType(field.type, 'id');
      return `${id}: {name: ${quoteLiteral(physicalName(field, 'id'))}, type: ${quoteLiteral(type)}, default_value: NULL}`;
    });
  return `MAP {${entries.join(', ')}}`;
}

/** The DuckDB type of a column as stored: nested struct fields under their physical names, variants as their two binaries. */
function physicalDuckType(type: DeltaType, mode: ColumnMappingMode): string {
  if (type === 'variant') return 'STRUCT("metadata" BLOB, "value" BLOB)';
  if (typeof type === 'string') return deltaTypeToDuckDB(type);
  switch (type.type) {
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(physicalName(f, mode))} ${physicalDuckType(f.type, mode)}`).join(', ')})`;
    case 'array':
      return `${physicalDuckType(type.elementType, mode)}[]`;
    case 'map':
      return `MAP(${physicalDuckType(type.keyType, mode)}, ${physicalDuckType(type.valueType, mode)})`;
  }
}

/** VALUES rows (file index, typed partition values…) for the join plan. */
function partitionValuesSql(snapshot: ViewSnapshot, files: readonly ViewFile[]): string {
  const rows = files.map((file, index) => {
    const values = snapshot.partitionColumns.map((c) => partitionValueToSql(partitionValueOf(snapshot, file.add, c), columnType(snapshot.schema, c)));
    return `(${[String(index), ...values].join(', ')})`;
  });
  const columns = [FILE_COLUMN, ...snapshot.partitionColumns].map(quoteIdent).join(', ');
  return `(VALUES ${rows.join(', ')}) AS ${PARTS_ALIAS}(${columns})`;
}

/**
 * `CREATE OR REPLACE VIEW name AS …` over exactly `files`. `physical` holds the columns found in the
 * files (see physicalColumnsSql); schema columns missing from all of them read as typed NULLs.
 * `deletedTable` names the table of deleted-row bitstrings (deletedRowsTableSql) when a file has a DV;
 * `rowNumberColumn` adds each row's position in its file under that name (for writing deletion vectors).
 */
export function deltaViewSql(
  name: string,
  snapshot: ViewSnapshot,
  files: readonly ViewFile[],
  physical: PhysicalColumns,
  deletedTable?: string,
  rowNumberColumn?: string,
): string {
  const plan = choosePlan(snapshot, files, physical);
  const mode = snapshot.columnMapping ?? 'none';
  const partitions = new Set(snapshot.partitionColumns);
  const data = (column: string) => `${DATA_ALIAS}.${quoteIdent(column)}`;
  const columns = snapshot.schema.fields.map((field) => {
    const type = deltaTypeToDuckDB(field.type);
    let expr: string;
    if (plan === 'empty') expr = castNull(field.type);
    else if (partitions.has(field.name)) expr = plan === 'join' ? `${PARTS_ALIAS}.${quoteIdent(field.name)}` : `CAST(${data(field.name)} AS ${type})`;
    else {
      const column = physicalName(field, mode);
      const stored = physical.get(column.toLowerCase());
      expr = stored === undefined ? castNull(field.type) : displayValue(data(column), field.type, physicalType(stored), mode);
    }
    return `${expr} AS ${quoteIdent(field.name)}`;
  });
  if (rowNumberColumn) columns.push(`${plan === 'empty' ? 'CAST(NULL AS BIGINT)' : `${DATA_ALIAS}.file_row_number`} AS ${quoteIdent(rowNumberColumn)}`);
  const select = `SELECT ${columns.join(', ')}`;
  if (plan === 'empty') return `CREATE OR REPLACE VIEW ${quoteIdent(name)} AS ${select} WHERE false`;
  const fileIndex = `${DATA_ALIAS}.file_index`;
  const rowNumbers = deletedTable !== undefined || rowNumberColumn !== undefined;
  let body = `${select} FROM ${readParquetSql(plan, snapshot, files, rowNumbers)} AS ${DATA_ALIAS}`;
  if (plan === 'join') body += ` JOIN ${partitionValuesSql(snapshot, files)} ON ${fileIndex} = ${PARTS_ALIAS}.${quoteIdent(FILE_COLUMN)}`;
  if (deletedTable !== undefined) {
    const bits = `${DELETED_ALIAS}.deleted`;
    const row = `${DATA_ALIAS}.file_row_number`;
    body +=
      ` LEFT JOIN ${quoteIdent(deletedTable)} AS ${DELETED_ALIAS} ON ${fileIndex} = ${DELETED_ALIAS}.file_index` +
      ` WHERE CASE WHEN ${bits} IS NULL OR ${row} >= bit_length(${bits}) THEN true ELSE get_bit(${bits}, ${row}::INTEGER) = 0 END`;
  }
  return `CREATE OR REPLACE VIEW ${quoteIdent(name)} AS ${body}`;
}

/**
 * The value of a stored column (`expr`, typed `stored` in the file) as the column's Delta type under
 * display names: a cast, except where nested struct fields are renamed (column mapping), missing, or
 * hold variants — then rebuilt field by field (struct_pack, list_transform, map entries).
 */
function displayValue(expr: string, type: DeltaType, stored: DeltaType, mode: ColumnMappingMode, depth = 0): string {
  if (type === 'variant') {
    const isStruct = typeof stored === 'object' && stored.type === 'struct';
    return isStruct ? `CAST(variant_bytes_to_variant(${expr}."metadata" || ${expr}."value") AS JSON)` : `CAST(${expr} AS JSON)`;
  }
  if (typeof type === 'string' || !needsRebuild(type, stored, mode)) return `CAST(${expr} AS ${deltaTypeToDuckDB(type)})`;
  const variable = `__lakebench_x${depth}`;
  switch (type.type) {
    case 'struct': {
      const storedFields = typeof stored === 'object' && stored.type === 'struct' ? stored.fields : [];
      const fields = type.fields.map((field) => {
        const column = physicalName(field, mode);
        const inFile = storedFields.find((f) => f.name.toLowerCase() === column.toLowerCase());
        const value = inFile ? displayValue(`${expr}.${quoteIdent(column)}`, field.type, inFile.type, mode, depth + 1) : castNull(field.type);
        return `${quoteIdent(field.name)} := ${value}`;
      });
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
    }
    case 'array': {
      const element = typeof stored === 'object' && stored.type === 'array' ? stored.elementType : stored;
      return `list_transform(${expr}, ${variable} -> ${displayValue(variable, type.elementType, element, mode, depth + 1)})`;
    }
    case 'map': {
      const [key, value] = typeof stored === 'object' && stored.type === 'map' ? [stored.keyType, stored.valueType] : [stored, stored];
      const entry = `struct_pack(key := ${displayValue(`${variable}.key`, type.keyType, key, mode, depth + 1)}, value := ${displayValue(`${variable}.value`, type.valueType, value, mode, depth + 1)})`;
      return `map_from_entries(list_transform(map_entries(${expr}), ${variable} -> ${entry}))`;
    }
  }
}

/** Whether a cast cannot do it: some nested struct field is stored under another name, is missing, or is a variant. */
function needsRebuild(type: DeltaType, stored: DeltaType, mode: ColumnMappingMode): boolean {
  if (type === 'variant') return true;
  if (typeof type === 'string') return false;
  if (type.type === 'array') return typeof stored === 'object' && stored.type === 'array' && needsRebuild(type.elementType, stored.elementType, mode);
  if (type.type === 'map') {
    return typeof stored === 'object' && stored.type === 'map' && (needsRebuild(type.keyType, stored.keyType, mode) || needsRebuild(type.valueType, stored.valueType, mode));
  }
  if (typeof stored !== 'object' || stored.type !== 'struct') return false;
  return type.fields.some((field: StructField) => {
    const column = physicalName(field, mode);
    const inFile = stored.fields.find((f) => f.name.toLowerCase() === column.toLowerCase());
    return !inFile || column !== field.name || needsRebuild(field.type, inFile.type, mode);
  });
}

/** Query whose rows (column_name, column_type) describe the columns stored in the files; reads footers only. */
export function physicalColumnsSql(snapshot: ViewSnapshot, files: readonly ViewFile[]): string {
  return `DESCRIBE SELECT * FROM ${readParquetSql('plain', snapshot, files, false)}`;
}

/** `CREATE OR REPLACE TEMP TABLE` for the deleted-row bitstrings of a view (filled by the caller, one row per file with a DV). */
export function deletedRowsTableSql(table: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} (file_index UBIGINT, deleted BIT)`;
}
