/**
 * How a table's rows are laid out in the data files Lakebench writes: the reverse of views.ts. Rows come
 * from views (display names); with column mapping the files must hold every column — nested struct
 * fields too — under its physical name with its column id as the Parquet field id, and partition values
 * are logged under physical names (PROTOCOL.md, "Writer Requirements for Column Mapping"). Without
 * column mapping the layout is the rows as they are. Pure SQL text.
 */
import type { DeltaType, StructType } from '../formats/delta/actions';
import { type ColumnMappingMode, columnId, physicalName } from '../formats/delta/column-mapping';
import { deltaTypeToDuckDB } from '../formats/delta/schema';
import { quoteIdent, quoteLiteral } from '../sql-text';
import type { ColumnType } from '../formats/row-types';
import { columnType, type ViewSnapshot } from './views';

export interface WriteLayout {
  /** SELECT over the display-named rows of `query` giving the columns as files store them. */
  query: string;
  /** Partition columns under the names the log keys partition values by, with their DuckDB types. */
  partitionColumns: ColumnType[];
  /** The COPY option `FIELD_IDS {…}` (column mapping), or undefined. */
  fieldIds?: string;
}

/** The layout of rows (every table column, display names) that `query` selects. */
export function writeLayout(snapshot: ViewSnapshot, query: string): WriteLayout {
  const mode = snapshot.columnMapping ?? 'none';
  const partitions = snapshot.partitionColumns.map((name) => {
    const field = snapshot.schema.fields.find((f) => f.name === name)!;
    return { name: physicalName(field, mode), type: deltaTypeToDuckDB(columnType(snapshot.schema, name)) };
  });
  if (mode === 'none') return { query, partitionColumns: partitions };
  const columns = snapshot.schema.fields.map(
    (field) => `${storedValue(`__lakebench_rows.${quoteIdent(field.name)}`, field.type, mode)} AS ${quoteIdent(physicalName(field, mode))}`,
  );
  return {
    query: `SELECT ${columns.join(', ')} FROM (${query}) AS __lakebench_rows`,
    partitionColumns: partitions,
    fieldIds: `FIELD_IDS ${fieldIdsOf(snapshot.schema, mode)}`,
  };
}

/** A display-named value as stored: nested struct fields renamed to their physical names. */
function storedValue(expr: string, type: DeltaType, mode: ColumnMappingMode, depth = 0): string {
  if (typeof type === 'string') return expr;
  const variable = `__lakebench_y${depth}`;
  switch (type.type) {
    case 'struct': {
      const fields = type.fields.map((f) => `${quoteIdent(physicalName(f, mode))} := ${storedValue(`${expr}.${quoteIdent(f.name)}`, f.type, mode, depth + 1)}`);
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
    }
    case 'array':
      return `list_transform(${expr}, ${variable} -> ${storedValue(variable, type.elementType, mode, depth + 1)})`;
    case 'map':
      return (
        `map_from_entries(list_transform(map_entries(${expr}), ${variable} -> struct_pack(` +
        `key := ${storedValue(`${variable}.key`, type.keyType, mode, depth + 1)}, value := ${storedValue(`${variable}.value`, type.valueType, mode, depth + 1)})))`
      );
  }
}

/** DuckDB's FIELD_IDS value: physical name → id, nested structs as `{__duckdb_field_id: id, child: …}`. */
function fieldIdsOf(schema: StructType, mode: ColumnMappingMode): string {
  return `{${childIds(schema, mode).join(', ')}}`;
}

/** The FIELD_IDS entries of a type's children (struct fields; a list's element; a map's key and value). */
function childIds(type: DeltaType, mode: ColumnMappingMode): string[] {
  if (typeof type === 'string') return [];
  const nested = (name: string, child: DeltaType) => {
    const entries = childIds(child, mode);
    return entries.length === 0 ? [] : [`${name}: {${entries.join(', ')}}`];
  };
  if (type.type === 'array') return nested('element', type.elementType);
  if (type.type === 'map') return [...nested('key', type.keyType), ...nested('value', type.valueType)];
  return type.fields.flatMap((field) => {
    const id = columnId(field);
    const entries = [...(id === undefined ? [] : [`__duckdb_field_id: ${id}`]), ...childIds(field.type, mode)];
    if (entries.length === 0) return [];
    const key = quoteLiteral(physicalName(field, mode));
    return [typeof field.type === 'string' && id !== undefined ? `${key}: ${id}` : `${key}: {${entries.join(', ')}}`];
  });
}
