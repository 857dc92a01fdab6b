/**
 * Iceberg schemas (table spec, "Schemas and Data Types"): the type model as the metadata JSON writes
 * it, lookups by field id, and the DuckDB type of each Iceberg type. Columns are identified by field
 * id, never by name: names change with renames, ids never do.
 */
import { LakebenchError } from '../../errors';
import { quoteIdent } from '../../sql-text';

export interface NestedField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
  /** v3: the value rows written before the field existed read as (JSON single-value form). */
  'initial-default'?: unknown;
  'write-default'?: unknown;
}

export interface StructType {
  type: 'struct';
  fields: NestedField[];
}

export interface ListType {
  type: 'list';
  'element-id': number;
  element: IcebergType;
  'element-required': boolean;
}

export interface MapType {
  type: 'map';
  'key-id': number;
  key: IcebergType;
  'value-id': number;
  value: IcebergType;
  'value-required': boolean;
}

/** A primitive type name (`long`, `decimal(10, 2)`, `fixed[16]` …) or a nested type. */
export type IcebergType = string | StructType | ListType | MapType;

export interface Schema extends StructType {
  'schema-id': number;
  'identifier-field-ids'?: number[];
}

const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;
const FIXED = /^fixed\[\s*(\d+)\s*\]$/;

const PRIMITIVE_TO_DUCKDB: Record<string, string> = {
  boolean: 'BOOLEAN',
  int: 'INTEGER',
  long: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  date: 'DATE',
  time: 'TIME',
  // `timestamp` is a wall-clock time; `timestamptz` an instant stored as UTC micros.
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMP WITH TIME ZONE',
  timestamp_ns: 'TIMESTAMP_NS',
  string: 'VARCHAR',
  uuid: 'UUID',
  binary: 'BLOB',
  // v3 `unknown`: a column that is always null and never stored in data files.
  unknown: 'INTEGER',
};

/**
 * v3 types this reader refuses by name rather than misread: variant and the geo types need decoders
 * DuckDB's core Parquet reader does not offer here, and DuckDB has no nanosecond instant type.
 */
const REFUSED_PREFIXES = ['variant', 'geometry', 'geography', 'timestamptz_ns'];

export function decimalOf(type: IcebergType): { precision: number; scale: number } | undefined {
  const match = typeof type === 'string' ? DECIMAL.exec(type) : null;
  return match ? { precision: Number(match[1]), scale: Number(match[2]) } : undefined;
}

export function fixedLengthOf(type: IcebergType): number | undefined {
  const match = typeof type === 'string' ? FIXED.exec(type) : null;
  return match ? Number(match[1]) : undefined;
}

/** The DuckDB column type of an Iceberg type; UNSUPPORTED_FEATURE naming `column` for types it cannot read. */
export function duckdbType(type: IcebergType, column: string, object?: string): string {
  if (typeof type === 'string') {
    const primitive = PRIMITIVE_TO_DUCKDB[type];
    if (primitive) return primitive;
    const decimal = decimalOf(type);
    if (decimal) return `DECIMAL(${decimal.precision},${decimal.scale})`;
    if (fixedLengthOf(type) !== undefined) return 'BLOB';
    const refused = REFUSED_PREFIXES.find((prefix) => type.startsWith(prefix));
    throw new LakebenchError(
      'UNSUPPORTED_FEATURE',
      `column ${column} has Iceberg type ${type}, which Lakebench cannot read${refused ? '' : ' (unknown type)'}`,
      { object },
    );
  }
  switch (type.type) {
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(f.name)} ${duckdbType(f.type, `${column}.${f.name}`, object)}`).join(', ')})`;
    case 'list':
      return `${duckdbType(type.element, `${column}.element`, object)}[]`;
    case 'map':
      return `MAP(${duckdbType(type.key, `${column}.key`, object)}, ${duckdbType(type.value, `${column}.value`, object)})`;
    default:
      throw new LakebenchError('CORRUPT', `column ${column} has a malformed type ${JSON.stringify(type)}`, { object });
  }
}

/** Every field of the schema by id, nested ones included (struct fields, list elements, map keys/values are not fields). */
export function fieldsById(schema: StructType): Map<number, NestedField> {
  const found = new Map<number, NestedField>();
  const visit = (type: IcebergType): void => {
    if (typeof type === 'string') return;
    if (type.type === 'struct') {
      for (const field of type.fields) {
        found.set(field.id, field);
        visit(field.type);
      }
    } else if (type.type === 'list') visit(type.element);
    else if (type.type === 'map') {
      visit(type.key);
      visit(type.value);
    }
  };
  visit(schema);
  return found;
}

/** Validates the shape of a schema object from table metadata (CORRUPT naming the metadata file otherwise). */
export function checkSchema(value: unknown, object: string): Schema {
  const schema = value as Schema;
  if (schema?.type !== 'struct' || !Array.isArray(schema.fields) || typeof schema['schema-id'] !== 'number') {
    throw new LakebenchError('CORRUPT', 'a schema in the table metadata is not a struct with a schema-id', { object });
  }
  for (const field of schema.fields) {
    if (typeof field?.id !== 'number' || typeof field.name !== 'string' || field.type === undefined) {
      throw new LakebenchError('CORRUPT', `schema ${schema['schema-id']} has a field without id, name or type`, { object });
    }
  }
  return schema;
}
