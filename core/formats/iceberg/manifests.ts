/**
 * Manifest lists and manifests (table spec, "Manifests" and "Manifest Lists"), normalized over format
 * versions: v1 files have no content type or sequence numbers (data, 0), and null sequence numbers and
 * snapshot ids of added entries are inherited from the manifest (spec, "Sequence Number Inheritance").
 */
import { LakebenchError } from '../../errors';
import { readAvroFile, type AvroRecord } from './avro';

export interface FieldSummary {
  containsNull: boolean;
  containsNaN?: boolean;
  lowerBound?: Uint8Array;
  upperBound?: Uint8Array;
}

/** One row of a manifest list. */
export interface ManifestFile {
  path: string;
  length: number;
  specId: number;
  content: 'data' | 'deletes';
  sequenceNumber: number;
  minSequenceNumber: number;
  addedSnapshotId?: string;
  addedFilesCount?: number;
  existingFilesCount?: number;
  deletedFilesCount?: number;
  addedRowsCount?: number;
  existingRowsCount?: number;
  deletedRowsCount?: number;
  /** One summary per partition field of the manifest's spec. */
  partitions?: FieldSummary[];
  firstRowId?: number;
}

export const FILE_CONTENT = { data: 0, positionDeletes: 1, equalityDeletes: 2 } as const;
export type FileContent = (typeof FILE_CONTENT)[keyof typeof FILE_CONTENT];

export const ENTRY_STATUS = { existing: 0, added: 1, deleted: 2 } as const;

/** One data or delete file of a manifest entry, with the entry's status and inherited numbers. */
export interface DataFile {
  status: 0 | 1 | 2;
  snapshotId?: string;
  dataSequenceNumber: number;
  fileSequenceNumber: number;
  content: FileContent;
  /** Recorded location (absolute, as written). */
  path: string;
  format: string;
  specId: number;
  /** Partition tuple by partition field name, as Avro decoded it (ints, bigints, strings, bytes; null). */
  partition: Record<string, unknown>;
  recordCount: number;
  fileSizeInBytes: number;
  nullValueCounts?: Map<number, number>;
  nanValueCounts?: Map<number, number>;
  valueCounts?: Map<number, number>;
  lowerBounds?: Map<number, Uint8Array>;
  upperBounds?: Map<number, Uint8Array>;
  equalityIds?: number[];
  sortOrderId?: number;
  /** Position deletes and deletion vectors for one data file name it (v2 optional, v3 DVs always). */
  referencedDataFile?: string;
  /** v3 deletion vectors: where the blob is in its Puffin file. */
  contentOffset?: number;
  contentSizeInBytes?: number;
  firstRowId?: number;
}

const num = (value: unknown): number | undefined =>
  typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : undefined;
const id = (value: unknown): string | undefined =>
  typeof value === 'bigint' || typeof value === 'number' ? value.toString() : undefined;
const bytes = (value: unknown): Uint8Array | undefined => (value instanceof Uint8Array ? value : undefined);

function countMap(value: unknown): Map<number, number> | undefined {
  if (!Array.isArray(value)) return undefined;
  return new Map(value.map((kv: { key: number; value: unknown }) => [kv.key, num(kv.value)!]));
}

function boundMap(value: unknown): Map<number, Uint8Array> | undefined {
  if (!Array.isArray(value)) return undefined;
  return new Map(value.map((kv: { key: number; value: Uint8Array }) => [kv.key, kv.value]));
}

/** The rows of a manifest list. */
export async function readManifestList(data: Uint8Array, object: string): Promise<ManifestFile[]> {
  const { records } = readAvroFile(data, object);
  return records.map((r) => manifestFileOf(r, object));
}

function manifestFileOf(r: AvroRecord, object: string): ManifestFile {
  if (typeof r.manifest_path !== 'string') throw new LakebenchError('CORRUPT', 'a manifest list row has no manifest_path', { object });
  const summaries = Array.isArray(r.partitions)
    ? (r.partitions as AvroRecord[]).map((p) => ({
        containsNull: Boolean(p.contains_null),
        ...(typeof p.contains_nan === 'boolean' && { containsNaN: p.contains_nan }),
        ...(bytes(p.lower_bound) && { lowerBound: bytes(p.lower_bound) }),
        ...(bytes(p.upper_bound) && { upperBound: bytes(p.upper_bound) }),
      }))
    : undefined;
  const sequenceNumber = num(r.sequence_number) ?? 0;
  return {
    path: r.manifest_path,
    length: num(r.manifest_length) ?? 0,
    specId: num(r.partition_spec_id) ?? 0,
    content: num(r.content) === 1 ? 'deletes' : 'data',
    sequenceNumber,
    minSequenceNumber: num(r.min_sequence_number) ?? sequenceNumber,
    ...defined({
      addedSnapshotId: id(r.added_snapshot_id),
      addedFilesCount: num(r.added_files_count ?? r.added_data_files_count),
      existingFilesCount: num(r.existing_files_count ?? r.existing_data_files_count),
      deletedFilesCount: num(r.deleted_files_count ?? r.deleted_data_files_count),
      addedRowsCount: num(r.added_rows_count),
      existingRowsCount: num(r.existing_rows_count),
      deletedRowsCount: num(r.deleted_rows_count),
      partitions: summaries,
      firstRowId: num(r.first_row_id),
    }),
  };
}

/**
 * The raw partition value of field `index` of the file's spec. By name, else by position: Avro record
 * fields follow the spec's order, and writers sanitize names Avro does not allow (`a-b` → `a_x2Db`).
 */
export function partitionValue(file: DataFile, spec: { fields: { name: string }[] }, index: number): unknown {
  const name = spec.fields[index]?.name;
  if (name !== undefined && name in file.partition) return file.partition[name];
  return Object.values(file.partition)[index];
}

/** The v1 form: a snapshot that lists manifest paths itself. Their spec id comes from each manifest's header. */
export function manifestFromPath(path: string): ManifestFile {
  return { path, length: 0, specId: -1, content: 'data', sequenceNumber: 0, minSequenceNumber: 0 };
}

/**
 * Every entry of a manifest (deleted ones included: callers filter on status). `manifest` supplies
 * the inherited sequence number, snapshot id and spec id.
 */
export async function readManifest(data: Uint8Array, manifest: ManifestFile, object: string): Promise<DataFile[]> {
  return readManifestRecords(data, manifest, object).files;
}

/** Every entry of a manifest, normalized and as the Avro records it was read from (same order): what a rewrite writes back. */
export function readManifestRecords(data: Uint8Array, manifest: ManifestFile, object: string): { files: DataFile[]; records: AvroRecord[] } {
  const { records, meta } = readAvroFile(data, object);
  const specId = manifest.specId >= 0 ? manifest.specId : Number(meta['partition-spec-id'] ?? 0);
  return { files: records.map((entry) => dataFileOf(entry, manifest, specId, object)), records };
}

function dataFileOf(entry: AvroRecord, manifest: ManifestFile, specId: number, object: string): DataFile {
  const file = entry.data_file as AvroRecord | undefined;
  const status = num(entry.status);
  if (!file || typeof file.file_path !== 'string' || (status !== 0 && status !== 1 && status !== 2)) {
    throw new LakebenchError('CORRUPT', 'a manifest entry lacks its status or data_file.file_path', { object });
  }
  // Only entries added by this manifest's snapshot may leave these null; they inherit the manifest's.
  const inherit = (value: unknown) => num(value) ?? (status === ENTRY_STATUS.added ? manifest.sequenceNumber : 0);
  const content = num(file.content) ?? 0;
  if (content !== 0 && content !== 1 && content !== 2) {
    throw new LakebenchError('CORRUPT', `data file ${file.file_path} has unknown content type ${content}`, { object });
  }
  return {
    status,
    ...defined({ snapshotId: id(entry.snapshot_id) ?? manifest.addedSnapshotId }),
    dataSequenceNumber: inherit(entry.sequence_number),
    fileSequenceNumber: inherit(entry.file_sequence_number),
    content,
    path: file.file_path,
    format: String(file.file_format ?? 'PARQUET').toUpperCase(),
    specId,
    partition: (file.partition as Record<string, unknown> | undefined) ?? {},
    recordCount: num(file.record_count) ?? 0,
    fileSizeInBytes: num(file.file_size_in_bytes) ?? 0,
    ...defined({
      nullValueCounts: countMap(file.null_value_counts),
      nanValueCounts: countMap(file.nan_value_counts),
      valueCounts: countMap(file.value_counts),
      lowerBounds: boundMap(file.lower_bounds),
      upperBounds: boundMap(file.upper_bounds),
      equalityIds: Array.isArray(file.equality_ids) ? (file.equality_ids as unknown[]).map((v) => num(v)!) : undefined,
      sortOrderId: num(file.sort_order_id),
      referencedDataFile: typeof file.referenced_data_file === 'string' ? file.referenced_data_file : undefined,
      contentOffset: num(file.content_offset),
      contentSizeInBytes: num(file.content_size_in_bytes),
      firstRowId: num(file.first_row_id),
    }),
  };
}

/** The object without its undefined properties (exactOptionalPropertyTypes-friendly spreads). */
function defined<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
