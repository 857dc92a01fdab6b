/**
 * Writing manifests and manifest lists under fresh names (`metadata/<uuid>-m<n>.avro`,
 * `metadata/snap-<snapshot id>-1-<uuid>.avro`, as Java names them). Entries are Avro records in the
 * spec's shape: those read from an existing manifest are written back whole (only status, snapshot id
 * and sequence numbers set), so no field another writer recorded is lost.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectStore } from '../../storage/types';
import type { AvroRecord } from './avro';
import { avroFileBytes } from './avro-write';
import { boundBytes } from './bounds';
import { manifestEntrySchema, manifestListSchema, partitionTypes, avroFieldName, type FormatVersion } from './manifest-schemas';
import type { PartitionSpec } from './metadata';
import type { Schema } from './schema';
import { compareValues, fromAvro, type IcebergValue } from './values';

/** One manifest entry as written. Null sequence numbers (added entries only) are inherited from the manifest. */
export interface EntryRecord {
  status: 0 | 1 | 2;
  snapshot_id: bigint | null;
  sequence_number: bigint | null;
  file_sequence_number: bigint | null;
  data_file: AvroRecord;
}

/** One manifest list row as written. */
export type ManifestListRow = AvroRecord & { manifest_path: string; sequence_number: bigint; min_sequence_number: bigint; content: number };

export interface TableWriteContext {
  store: ObjectStore;
  /** The table's recorded location: new files are recorded under it. */
  location: string;
  formatVersion: FormatVersion;
  schema: Schema;
}

export interface ManifestToWrite {
  spec: PartitionSpec;
  content: 'data' | 'deletes';
  entries: EntryRecord[];
  /** The snapshot writing it, and that snapshot's sequence number (what null sequence numbers inherit). */
  snapshotId: bigint;
  sequenceNumber: number;
}

/** Writes a manifest and answers its manifest list row. */
export async function writeManifest(context: TableWriteContext, manifest: ManifestToWrite): Promise<ManifestListRow> {
  const { spec, entries } = manifest;
  const key = `metadata/${randomUUID()}-m0.avro`;
  const partitionSpec = spec.fields.map((f) => ({ name: f.name, transform: f.transform, 'source-id': f.sourceIds[0], 'field-id': f.fieldId }));
  const bytes = await avroFileBytes(manifestEntrySchema(context.formatVersion, spec, context.schema), entries, {
    schema: JSON.stringify(context.schema),
    'schema-id': String(context.schema['schema-id']),
    'partition-spec': JSON.stringify(partitionSpec),
    'partition-spec-id': String(spec.specId),
    'format-version': String(context.formatVersion),
    content: manifest.content,
  });
  await context.store.put(key, bytes);
  const sequence = BigInt(manifest.sequenceNumber);
  const live = entries.filter((e) => e.status !== 2);
  const count = (status: number) => entries.filter((e) => e.status === status).length;
  const rows = (status: number) => entries.filter((e) => e.status === status).reduce((n, e) => n + BigInt(e.data_file.record_count as bigint), 0n);
  const minSequence = live.reduce((min, e) => (e.sequence_number !== null && e.sequence_number < min ? e.sequence_number : min), sequence);
  return {
    manifest_path: `${context.location}/${key}`,
    manifest_length: BigInt(bytes.length),
    partition_spec_id: spec.specId,
    content: manifest.content === 'data' ? 0 : 1,
    sequence_number: sequence,
    min_sequence_number: minSequence,
    added_snapshot_id: manifest.snapshotId,
    added_files_count: count(1),
    existing_files_count: count(0),
    deleted_files_count: count(2),
    added_rows_count: rows(1),
    existing_rows_count: rows(0),
    deleted_rows_count: rows(2),
    partitions: partitionSummaries(spec, context.schema, live),
    key_metadata: null,
  };
}

/** Per partition field: nulls, NaNs and the lower and upper bound of the live entries' values. */
function partitionSummaries(spec: PartitionSpec, schema: Schema, entries: EntryRecord[]): AvroRecord[] {
  const types = partitionTypes(spec, schema);
  return spec.fields.map((field, i) => {
    const type = types[i]!;
    let containsNull = false;
    let containsNaN = false;
    let lower: IcebergValue | undefined;
    let upper: IcebergValue | undefined;
    for (const entry of entries) {
      const tuple = entry.data_file.partition as Record<string, unknown>;
      const raw = avroFieldName(field.name) in tuple ? tuple[avroFieldName(field.name)] : Object.values(tuple)[i];
      const value = fromAvro(raw, type);
      if (value === null) containsNull = true;
      else if (typeof value === 'number' && Number.isNaN(value)) containsNaN = true;
      else {
        if (lower === undefined || compareValues(value, lower) < 0) lower = value;
        if (upper === undefined || compareValues(value, upper) > 0) upper = value;
      }
    }
    return {
      contains_null: containsNull,
      contains_nan: type === 'float' || type === 'double' ? containsNaN : null,
      lower_bound: lower === undefined ? null : boundBytes(lower, type),
      upper_bound: upper === undefined ? null : boundBytes(upper, type),
    };
  });
}

export interface ManifestListToWrite {
  rows: ManifestListRow[];
  snapshotId: bigint;
  parentId?: bigint;
  sequenceNumber: number;
  /** v3: the first row id of the snapshot; data manifests without one get theirs from it, in order. */
  firstRowId?: number;
}

/** Writes a manifest list; answers its recorded location and, for v3, how many rows it assigned ids to. */
export async function writeManifestList(context: TableWriteContext, list: ManifestListToWrite): Promise<{ location: string; assignedRows: number }> {
  let nextRowId = list.firstRowId;
  let assignedRows = 0;
  const rows = list.rows.map((row) => {
    if (context.formatVersion !== 3 || nextRowId === undefined || row.content !== 0 || (row.first_row_id !== null && row.first_row_id !== undefined)) return row;
    const rowsInManifest = Number(row.existing_rows_count ?? 0n) + Number(row.added_rows_count ?? 0n);
    const assigned = { ...row, first_row_id: BigInt(nextRowId) };
    nextRowId += rowsInManifest;
    assignedRows += rowsInManifest;
    return assigned;
  });
  const key = `metadata/snap-${list.snapshotId}-1-${randomUUID()}.avro`;
  const bytes = await avroFileBytes(manifestListSchema(context.formatVersion), rows, {
    'snapshot-id': list.snapshotId.toString(),
    'parent-snapshot-id': list.parentId === undefined ? 'null' : list.parentId.toString(),
    'sequence-number': String(list.sequenceNumber),
    'format-version': String(context.formatVersion),
    ...(context.formatVersion === 3 && list.firstRowId !== undefined && { 'first-row-id': String(list.firstRowId) }),
  });
  await context.store.put(key, bytes);
  return { location: `${context.location}/${key}`, assignedRows };
}
