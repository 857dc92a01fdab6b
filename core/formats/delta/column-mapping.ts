/**
 * Column mapping (PROTOCOL.md, "Column Mapping"): in mode `name` or `id` every column — nested ones
 * too — has a physical name (`delta.columnMapping.physicalName`) and an id (`delta.columnMapping.id`).
 * Data files, partition values and statistics use the physical names (in `id` mode Parquet columns
 * are matched by field id); the schema's names are display names that a rename changes. Mode `none`
 * (or a protocol without the feature) makes the physical name the display name.
 */
import { randomUUID } from 'node:crypto';
import { LakebenchError } from '../../errors';
import type { DeltaType, Metadata, Protocol, StructField, StructType } from './actions';

export type ColumnMappingMode = 'none' | 'name' | 'id';

export const MODE_PROPERTY = 'delta.columnMapping.mode';
export const MAX_COLUMN_ID_PROPERTY = 'delta.columnMapping.maxColumnId';
const PHYSICAL_NAME = 'delta.columnMapping.physicalName';
const COLUMN_ID = 'delta.columnMapping.id';

/** The table's mode; the property counts only when the protocol supports the feature (reader 2, or the feature listed). */
export function columnMappingMode(protocol: Protocol, metadata: Metadata): ColumnMappingMode {
  const supported =
    protocol.minReaderVersion === 2 || (protocol.minReaderVersion >= 3 && (protocol.readerFeatures ?? []).includes('columnMapping'));
  const mode = metadata.configuration?.[MODE_PROPERTY] ?? 'none';
  return supported && (mode === 'name' || mode === 'id') ? mode : 'none';
}

/** The name a field has in data files, partition values and stats. CORRUPT when a mapped field lacks it. */
export function physicalName(field: StructField, mode: ColumnMappingMode): string {
  if (mode === 'none') return field.name;
  const name = field.metadata?.[PHYSICAL_NAME];
  if (typeof name !== 'string' || name === '') {
    throw new LakebenchError('CORRUPT', `column "${field.name}" has no ${PHYSICAL_NAME}, which column mapping mode "${mode}" requires`);
  }
  return name;
}

/** The field's column-mapping id (its Parquet field id), when it has one. */
export function columnId(field: StructField): number | undefined {
  const id = field.metadata?.[COLUMN_ID];
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined;
}

/** Physical name of a top-level column given its display name (partition columns, stats keys). */
export function physicalColumnName(schema: StructType, column: string, mode: ColumnMappingMode): string {
  if (mode === 'none') return column;
  const field = schema.fields.find((f) => f.name === column);
  if (!field) throw new LakebenchError('CORRUPT', `column ${column} is not in the table schema`);
  return physicalName(field, mode);
}

/** Whether a type holds a struct anywhere (whose fields then have physical names of their own). */
export function hasNestedFields(type: DeltaType): boolean {
  if (typeof type === 'string') return false;
  if (type.type === 'struct') return true;
  if (type.type === 'array') return hasNestedFields(type.elementType);
  return hasNestedFields(type.keyType) || hasNestedFields(type.valueType);
}

/**
 * The schema with every new field (one without a physical name) given a fresh physical name
 * (`col-<uuid>`, as Spark does) and the next column id, and the new maximum id. What a writer must
 * do when it adds columns to a mapped table (PROTOCOL.md, "Writer Requirements for Column Mapping").
 */
export function assignColumnMapping(schema: StructType, maxColumnId: number): { schema: StructType; maxColumnId: number } {
  let next = maxColumnId;
  const assignType = (type: DeltaType): DeltaType => {
    if (typeof type === 'string') return type;
    if (type.type === 'struct') return { ...type, fields: type.fields.map(assignField) };
    if (type.type === 'array') return { ...type, elementType: assignType(type.elementType) };
    return { ...type, keyType: assignType(type.keyType), valueType: assignType(type.valueType) };
  };
  const assignField = (field: StructField): StructField => {
    const mapped = typeof field.metadata?.[PHYSICAL_NAME] === 'string';
    const metadata = mapped ? field.metadata : { ...field.metadata, [COLUMN_ID]: ++next, [PHYSICAL_NAME]: `col-${randomUUID()}` };
    return { ...field, type: assignType(field.type), metadata };
  };
  const fields = schema.fields.map(assignField);
  return { schema: { ...schema, fields }, maxColumnId: next };
}

/** The table's `delta.columnMapping.maxColumnId`, or the largest id in the schema when the property is missing. */
export function maxColumnIdOf(metadata: Metadata, schema: StructType): number {
  const property = Number(metadata.configuration?.[MAX_COLUMN_ID_PROPERTY]);
  let largest = Number.isSafeInteger(property) ? property : 0;
  const walk = (type: DeltaType): void => {
    if (typeof type === 'string') return;
    if (type.type === 'struct') {
      for (const field of type.fields) {
        largest = Math.max(largest, columnId(field) ?? 0);
        walk(field.type);
      }
    } else if (type.type === 'array') walk(type.elementType);
    else {
      walk(type.keyType);
      walk(type.valueType);
    }
  };
  walk(schema);
  return largest;
}
