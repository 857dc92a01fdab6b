/**
 * An Iceberg table's state as the API's JSON results (table-format.ts): snapshots as history entries
 * (version = snapshot id as text), data and delete files with their sequence numbers, content, spec and
 * partition, manifests with their counts, partitions per spec with transforms spelled out, and the
 * schema with field ids. Pure: parsed metadata and manifest entries in, plain objects out.
 */
import type {
  FileEntry,
  HistoryEntry,
  ManifestEntry,
  PartitionField as PartitionFieldResult,
  PartitionSpec as PartitionSpecResult,
  PartitionsResult,
  SchemaResult,
} from '../table-format';
import { ENTRY_STATUS, FILE_CONTENT, type DataFile, type ManifestFile } from './manifests';
import type { PartitionSpec, TableMetadata } from './metadata';
import { canonicalLocation } from './paths';
import { displayValue, partitionDisplay, summarizePartitions, type DisplayValue } from './partitions';
import { fieldsById, type IcebergType, type Schema } from './schema';
import type { SnapshotSummary } from './table';
import { fromBound } from './values';

const CONTENT: Record<DataFile['content'], NonNullable<FileEntry['content']>> = {
  [FILE_CONTENT.data]: 'data',
  [FILE_CONTENT.positionDeletes]: 'position-deletes',
  [FILE_CONTENT.equalityDeletes]: 'equality-deletes',
};

/** Snapshots newest first (as IcebergTable.history gives them), ordinals ascending by time. */
export function historyEntries(snapshots: readonly SnapshotSummary[]): HistoryEntry[] {
  return snapshots.map((s, i) => {
    const { operation: _operation, ...metrics } = s.summary;
    return {
      version: s.version,
      ordinal: snapshots.length - 1 - i,
      timestamp: new Date(s.timestamp).toISOString(),
      operation: s.operation,
      ...(s.parent !== undefined && { parent: s.parent }),
      operationMetrics: metrics,
      ...(s.refs.length > 0 && { refs: s.refs }),
      ...(s.schemaId !== undefined && { schemaId: s.schemaId }),
    };
  });
}

const textOf = (value: DisplayValue): string | null => (value === null ? null : String(value));

/** What the bounds and counts of a file say, by column name (top-level primitive columns only). */
function fileStats(file: DataFile, schema: Schema, types: ReadonlyMap<number, IcebergType>): FileEntry['stats'] {
  const minValues: Record<string, unknown> = {};
  const maxValues: Record<string, unknown> = {};
  const nullCount: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const type = types.get(field.id) ?? field.type;
    if (typeof type !== 'string') continue;
    const lower = file.lowerBounds?.get(field.id);
    const upper = file.upperBounds?.get(field.id);
    // A bound this reader cannot decode (a type it does not show) is left out rather than shown wrong.
    try {
      if (lower) minValues[field.name] = displayValue(fromBound(lower, type), type);
      if (upper) maxValues[field.name] = displayValue(fromBound(upper, type), type);
    } catch {
      continue;
    }
    const nulls = file.nullValueCounts?.get(field.id);
    if (nulls !== undefined) nullCount[field.name] = nulls;
  }
  const some = (values: Record<string, unknown>) => Object.keys(values).length > 0;
  return {
    numRecords: file.recordCount,
    ...(some(minValues) && { minValues }),
    ...(some(maxValues) && { maxValues }),
    ...(some(nullCount) && { nullCount }),
  };
}

export interface FileContext {
  specs: ReadonlyMap<number, PartitionSpec>;
  /** Column types by field id over every schema (what bounds are decoded with). */
  types: ReadonlyMap<number, IcebergType>;
  /** The schema column names are shown in. */
  schema: Schema;
}

/**
 * Live entries as FileEntries, delete files included; a data file a live deletion vector references
 * carries it (as Delta files carry theirs), the vector's Puffin entry is listed as a delete file too.
 */
export function fileEntries(files: readonly DataFile[], context: FileContext): FileEntry[] {
  const live = files.filter((f) => f.status !== ENTRY_STATUS.deleted);
  const vectors = new Map<string, DataFile>();
  for (const file of live) {
    if (file.format === 'PUFFIN' && file.referencedDataFile) vectors.set(canonicalLocation(file.referencedDataFile), file);
  }
  return live.map((file) => {
    const vector = file.content === FILE_CONTENT.data ? vectors.get(canonicalLocation(file.path)) : undefined;
    const partition = partitionDisplay(file, context.specs.get(file.specId), context.types);
    return {
      path: file.path,
      size: file.fileSizeInBytes,
      partitionValues: Object.fromEntries(Object.entries(partition).map(([k, v]) => [k, textOf(v)])),
      stats: fileStats(file, context.schema, context.types),
      content: CONTENT[file.content],
      ...(file.equalityIds?.length && { equalityFieldIds: file.equalityIds }),
      ...(vector && {
        deletionVector: {
          storage: vector.path,
          ...(vector.contentOffset !== undefined && { offset: vector.contentOffset }),
          size: vector.contentSizeInBytes ?? 0,
          cardinality: vector.recordCount,
        },
      }),
      specId: file.specId,
      format: file.format.toLowerCase(),
      sequenceNumber: file.dataSequenceNumber,
    };
  });
}

export function manifestEntry(manifest: ManifestFile): ManifestEntry {
  return {
    path: manifest.path,
    size: manifest.length,
    content: manifest.content,
    specId: manifest.specId,
    sequenceNumber: manifest.sequenceNumber,
    ...(manifest.addedSnapshotId !== undefined && { addedVersion: manifest.addedSnapshotId }),
    ...(manifest.addedFilesCount !== undefined && { addedFiles: manifest.addedFilesCount }),
    ...(manifest.existingFilesCount !== undefined && { existingFiles: manifest.existingFilesCount }),
    ...(manifest.deletedFilesCount !== undefined && { deletedFiles: manifest.deletedFilesCount }),
    ...(manifest.addedRowsCount !== undefined && { addedRows: manifest.addedRowsCount }),
    ...(manifest.existingRowsCount !== undefined && { existingRows: manifest.existingRowsCount }),
    ...(manifest.deletedRowsCount !== undefined && { deletedRows: manifest.deletedRowsCount }),
  };
}

/** Every spec of the table, its fields with source column, transform and field id. */
function specResults(metadata: TableMetadata): PartitionSpecResult[] {
  const names = new Map<number, string>();
  // The current schema's names win: a renamed source column shows its name now.
  const current = metadata.schemas.filter((s) => s['schema-id'] === metadata.currentSchemaId);
  for (const schema of [...metadata.schemas, ...current]) for (const [id, field] of fieldsById(schema)) names.set(id, field.name);
  return metadata.specs.map((spec) => ({
    specId: spec.specId,
    fields: spec.fields.map(
      (field): PartitionFieldResult => ({
        name: field.name,
        source: field.sourceIds.map((id) => names.get(id) ?? `field ${id}`).join(', '),
        transform: field.transform,
        fieldId: field.fieldId,
      }),
    ),
  }));
}

/** Files, rows and bytes per spec and partition of the snapshot's live data files. */
export function partitionsResult(
  location: string,
  version: string | undefined,
  files: readonly DataFile[],
  metadata: TableMetadata,
  context: Omit<FileContext, 'schema'>,
): PartitionsResult {
  const live = files.filter((f) => f.status !== ENTRY_STATUS.deleted);
  const defaultSpec = metadata.specs.find((s) => s.specId === metadata.defaultSpecId);
  return {
    location,
    ...(version !== undefined && { version }),
    partitionColumns: (defaultSpec?.fields ?? []).map((f) => f.name),
    specs: specResults(metadata),
    currentSpecId: metadata.defaultSpecId,
    partitions: summarizePartitions(live, context.specs, context.types).map((p) => ({
      partitionValues: Object.fromEntries(Object.entries(p.values).map(([k, v]) => [k, textOf(v)])),
      files: p.files,
      rows: p.rows,
      bytes: p.bytes,
      specId: p.specId,
    })),
  };
}

/** Columns with their field ids; partition columns = the sources of the default spec's fields. */
export function schemaResult(location: string, version: string | undefined, schema: Schema, metadata: TableMetadata): SchemaResult {
  const defaultSpec = metadata.specs.find((s) => s.specId === metadata.defaultSpecId);
  const sources = new Set((defaultSpec?.fields ?? []).flatMap((f) => f.sourceIds));
  return {
    location,
    ...(version !== undefined && { version }),
    schemaId: schema['schema-id'],
    partitionColumns: schema.fields.filter((f) => sources.has(f.id)).map((f) => f.name),
    fields: schema.fields.map((f) => ({ name: f.name, type: f.type, nullable: !f.required, id: f.id, ...(f.doc !== undefined && { doc: f.doc }) })),
  };
}
