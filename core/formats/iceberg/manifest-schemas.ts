/**
 * The Avro schemas of manifests and manifest lists (table spec, "Manifests", "Manifest Lists"), per
 * format version, with the spec's field ids: what Lakebench writes. Every optional field of the spec is
 * in them, so an entry read from another writer's manifest is written back with nothing dropped.
 */
import type { PartitionSpec } from './metadata';
import { decimalOf, fieldsById, fixedLengthOf, type IcebergType, type Schema } from './schema';
import { parseTransform, resultType } from './transforms';

export type FormatVersion = 1 | 2 | 3;

const optional = (name: string, id: number, type: unknown) => ({ name, type: ['null', type], default: null, 'field-id': id });
const required = (name: string, id: number, type: unknown) => ({ name, type, 'field-id': id });
/** Iceberg maps in Avro: arrays of key/value records (keys are ints here), as Java writes them. */
const intMap = (keyId: number, valueId: number, value: string) => ({
  type: 'array',
  logicalType: 'map',
  items: { type: 'record', name: `k${keyId}_v${valueId}`, fields: [required('key', keyId, 'int'), required('value', valueId, value)] },
});
const list = (elementId: number, element: string) => ({ type: 'array', items: element, 'element-id': elementId });

/** Avro allows [A-Za-z_][A-Za-z0-9_]*; other characters become `_x<HEX>` as Iceberg's Java AvroSchemaUtil writes them. */
export function avroFieldName(name: string): string {
  const sanitized = [...name].map((c, i) => (/[A-Za-z_]/.test(c) || (i > 0 && /[0-9]/.test(c)) ? c : /[0-9]/.test(c) ? `_${c}` : `_x${c.codePointAt(0)!.toString(16).toUpperCase()}`));
  return sanitized.join('');
}

/** Bytes of the smallest two's-complement integer holding `precision` decimal digits. */
function decimalBytes(precision: number): number {
  let bytes = 1;
  while (2n ** BigInt(8 * bytes - 1) <= 10n ** BigInt(precision)) bytes++;
  return bytes;
}

/** The Avro type of a partition value of this Iceberg type (primitive result types of transforms). */
function partitionAvroType(type: IcebergType, fieldId: number): unknown {
  const decimal = decimalOf(type);
  if (decimal) return { type: 'fixed', name: `fixed_${fieldId}`, size: decimalBytes(decimal.precision), logicalType: 'decimal', ...decimal };
  const fixed = fixedLengthOf(type);
  if (fixed !== undefined) return { type: 'fixed', name: `fixed_${fieldId}`, size: fixed };
  switch (type) {
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp':
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': type === 'timestamptz' };
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': type === 'timestamptz_ns' };
    case 'uuid':
      return { type: 'fixed', name: `uuid_${fieldId}`, size: 16, logicalType: 'uuid' };
    case 'binary':
      return 'bytes';
    default:
      // boolean, int, long, float, double, string share their names with Avro's primitives.
      return type;
  }
}

/** The Iceberg type of each partition field of `spec` over `schema` (a dropped source column reads as string). */
export function partitionTypes(spec: PartitionSpec, schema: Schema): IcebergType[] {
  const columns = fieldsById(schema);
  return spec.fields.map((field) => resultType(parseTransform(field.transform), columns.get(field.sourceIds[0]!)?.type ?? 'string'));
}

/** The partition tuple's record type for `spec`. */
export function partitionRecord(spec: PartitionSpec, schema: Schema): object {
  const types = partitionTypes(spec, schema);
  return {
    type: 'record',
    name: 'r102',
    fields: spec.fields.map((field, i) => optional(avroFieldName(field.name), field.fieldId, partitionAvroType(types[i]!, field.fieldId))),
  };
}

/** The manifest_entry schema of a format version for one partition spec. */
export function manifestEntrySchema(formatVersion: FormatVersion, spec: PartitionSpec, schema: Schema): object {
  const v1 = formatVersion === 1;
  const dataFile = {
    type: 'record',
    name: 'r2',
    fields: [
      ...(v1 ? [] : [{ ...required('content', 134, 'int'), default: 0 }]),
      required('file_path', 100, 'string'),
      required('file_format', 101, 'string'),
      required('partition', 102, partitionRecord(spec, schema)),
      required('record_count', 103, 'long'),
      required('file_size_in_bytes', 104, 'long'),
      // v1 requires it; Java writes its default row-group size.
      ...(v1 ? [{ ...required('block_size_in_bytes', 105, 'long'), default: 67108864 }] : []),
      optional('column_sizes', 108, intMap(117, 118, 'long')),
      optional('value_counts', 109, intMap(119, 120, 'long')),
      optional('null_value_counts', 110, intMap(121, 122, 'long')),
      optional('nan_value_counts', 137, intMap(138, 139, 'long')),
      optional('lower_bounds', 125, intMap(126, 127, 'bytes')),
      optional('upper_bounds', 128, intMap(129, 130, 'bytes')),
      optional('key_metadata', 131, 'bytes'),
      optional('split_offsets', 132, list(133, 'long')),
      optional('equality_ids', 135, list(136, 'int')),
      optional('sort_order_id', 140, 'int'),
      ...(formatVersion === 3 ? [optional('first_row_id', 142, 'long')] : []),
      ...(v1 ? [] : [optional('referenced_data_file', 143, 'string')]),
      ...(formatVersion === 3 ? [optional('content_offset', 144, 'long'), optional('content_size_in_bytes', 145, 'long')] : []),
    ],
  };
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      required('status', 0, 'int'),
      v1 ? required('snapshot_id', 1, 'long') : optional('snapshot_id', 1, 'long'),
      ...(v1 ? [] : [optional('sequence_number', 3, 'long'), optional('file_sequence_number', 4, 'long')]),
      required('data_file', 2, dataFile),
    ],
  };
}

/** The manifest_file schema (a manifest list row) of a format version. */
export function manifestListSchema(formatVersion: FormatVersion): object {
  const v1 = formatVersion === 1;
  const count = (name: string, id: number, type: string) => (v1 ? optional(name, id, type) : required(name, id, type));
  return {
    type: 'record',
    name: 'manifest_file',
    fields: [
      required('manifest_path', 500, 'string'),
      required('manifest_length', 501, 'long'),
      required('partition_spec_id', 502, 'int'),
      ...(v1 ? [] : [required('content', 517, 'int'), required('sequence_number', 515, 'long'), required('min_sequence_number', 516, 'long')]),
      required('added_snapshot_id', 503, 'long'),
      count('added_files_count', 504, 'int'),
      count('existing_files_count', 505, 'int'),
      count('deleted_files_count', 506, 'int'),
      count('added_rows_count', 512, 'long'),
      count('existing_rows_count', 513, 'long'),
      count('deleted_rows_count', 514, 'long'),
      optional('partitions', 507, {
        type: 'array',
        'element-id': 508,
        items: {
          type: 'record',
          name: 'r508',
          fields: [required('contains_null', 509, 'boolean'), optional('contains_nan', 518, 'boolean'), optional('lower_bound', 510, 'bytes'), optional('upper_bound', 511, 'bytes')],
        },
      }),
      optional('key_metadata', 519, 'bytes'),
      ...(formatVersion === 3 ? [optional('first_row_id', 520, 'long')] : []),
    ],
  };
}
