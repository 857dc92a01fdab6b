/**
 * A new snapshot on top of the table's current one (table spec, "Snapshots", "Sequence Numbers"):
 * added files go into new manifests, a manifest holding a removed file is written anew with that entry
 * `deleted` and the others `existing` (their numbers made explicit), every other manifest is kept as
 * is. The new manifests and manifest list are written under fresh names; the metadata changes that make
 * the snapshot current are returned for a commit path (commit.ts) to apply. Nothing is visible until then.
 */
import { randomBytes } from 'node:crypto';
import { LakebenchError } from '../../errors';
import type { AvroRecord } from './avro';
import { readManifestRecords, type DataFile, type FileContent, type ManifestFile } from './manifests';
import { writeManifest, writeManifestList, type EntryRecord, type ManifestListRow, type TableWriteContext } from './manifest-write';
import type { FormatVersion } from './manifest-schemas';
import { commitWithRetry, type CommitOptions, type CommitTarget, type Committed, type PendingCommit, type TableState } from './commit';
import type { CommitRequirement, MetadataUpdate, SnapshotJson } from './metadata-update';
import type { IcebergSnapshot, PartitionSpec } from './metadata';
import type { IcebergTable } from './table';

/** A data or delete file to add, already written under a fresh name; its optional stats as a manifest entry holds them. */
export interface NewFile
  extends Pick<
    DataFile,
    'valueCounts' | 'nullValueCounts' | 'lowerBounds' | 'upperBounds' | 'equalityIds' | 'referencedDataFile' | 'contentOffset' | 'contentSizeInBytes'
  > {
  content: FileContent;
  /** Recorded (absolute) location. */
  path: string;
  format: 'PARQUET' | 'PUFFIN' | 'AVRO' | 'ORC';
  specId: number;
  /** Partition tuple by Avro field name, in Avro form (as DataFile.partition holds it). */
  partition: Record<string, unknown>;
  recordCount: number;
  fileSizeInBytes: number;
  /**
   * The data sequence number to record instead of inheriting the new snapshot's: a rewrite keeps the
   * number of the snapshot it read, so deletes committed after that still apply to its files.
   */
  dataSequenceNumber?: number;
}

export type SnapshotOperation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface SnapshotChanges {
  operation: SnapshotOperation;
  added: NewFile[];
  /** Recorded paths of live files (data or delete) the snapshot removes; each must be live in the parent. */
  removed: ReadonlySet<string>;
  /** Extra summary properties (e.g. what the operation was asked). */
  summary?: Record<string, string>;
}

export interface ProducedSnapshot {
  snapshot: SnapshotJson;
  updates: MetadataUpdate[];
  requirements: CommitRequirement[];
  /** Keys of the manifests and manifest list written: orphans if the commit does not land. */
  written: string[];
}

/** A fresh snapshot id: a random positive 63-bit integer, as Iceberg's Java writers make them. */
export function newSnapshotId(): bigint {
  return randomBytes(8).readBigUInt64BE() >> 1n || 1n;
}

const big = (n: number) => BigInt(n);
const countMap = (m: Map<number, number> | undefined) => (m ? [...m].map(([key, value]) => ({ key, value: big(value) })) : null);
const boundMap = (m: Map<number, Uint8Array> | undefined) => (m ? [...m].map(([key, value]) => ({ key, value: Buffer.from(value) })) : null);

function dataFileRecord(file: NewFile): Record<string, unknown> {
  return {
    content: file.content,
    file_path: file.path,
    file_format: file.format,
    partition: file.partition,
    record_count: big(file.recordCount),
    file_size_in_bytes: big(file.fileSizeInBytes),
    column_sizes: null,
    value_counts: countMap(file.valueCounts),
    null_value_counts: countMap(file.nullValueCounts),
    nan_value_counts: null,
    lower_bounds: boundMap(file.lowerBounds),
    upper_bounds: boundMap(file.upperBounds),
    key_metadata: null,
    split_offsets: null,
    equality_ids: file.equalityIds ?? null,
    sort_order_id: null,
    first_row_id: null,
    referenced_data_file: file.referencedDataFile ?? null,
    content_offset: file.contentOffset === undefined ? null : big(file.contentOffset),
    content_size_in_bytes: file.contentSizeInBytes === undefined ? null : big(file.contentSizeInBytes),
  };
}

/** A live entry written again as `existing`: its snapshot id and sequence numbers made explicit, its data file record as read. */
export function keptEntry(file: DataFile, record: AvroRecord, fallbackSnapshotId: bigint): EntryRecord {
  return {
    status: 0,
    snapshot_id: file.snapshotId === undefined ? fallbackSnapshotId : BigInt(file.snapshotId),
    sequence_number: big(file.dataSequenceNumber),
    file_sequence_number: big(file.fileSequenceNumber),
    data_file: record.data_file as AvroRecord,
  };
}

/** A kept manifest's list row, from what the parent's list recorded (counts taken from its entries when the list left them out). */
export function keptRow(manifest: ManifestFile, entries: DataFile[], length: number, parentId: bigint): ManifestListRow {
  const count = (status: number) => entries.filter((e) => e.status === status).length;
  const rows = (status: number) => big(entries.filter((e) => e.status === status).reduce((n, e) => n + e.recordCount, 0));
  return {
    manifest_path: manifest.path,
    manifest_length: big(length),
    partition_spec_id: manifest.specId >= 0 ? manifest.specId : (entries[0]?.specId ?? 0),
    content: manifest.content === 'deletes' ? 1 : 0,
    sequence_number: big(manifest.sequenceNumber),
    min_sequence_number: big(manifest.minSequenceNumber),
    added_snapshot_id: manifest.addedSnapshotId === undefined ? parentId : BigInt(manifest.addedSnapshotId),
    added_files_count: manifest.addedFilesCount ?? count(1),
    existing_files_count: manifest.existingFilesCount ?? count(0),
    deleted_files_count: manifest.deletedFilesCount ?? count(2),
    added_rows_count: manifest.addedRowsCount === undefined ? rows(1) : big(manifest.addedRowsCount),
    existing_rows_count: manifest.existingRowsCount === undefined ? rows(0) : big(manifest.existingRowsCount),
    deleted_rows_count: manifest.deletedRowsCount === undefined ? rows(2) : big(manifest.deletedRowsCount),
    partitions:
      manifest.partitions?.map((p) => ({
        contains_null: p.containsNull,
        contains_nan: p.containsNaN ?? null,
        lower_bound: p.lowerBound ? Buffer.from(p.lowerBound) : null,
        upper_bound: p.upperBound ? Buffer.from(p.upperBound) : null,
      })) ?? null,
    key_metadata: null,
    first_row_id: manifest.firstRowId === undefined ? null : big(manifest.firstRowId),
  };
}

type Counted = { content: number; recordCount: number; fileSizeInBytes: number };

/** The snapshot summary Iceberg's Java writers record: what was added and removed, and the totals after. */
function summaryOf(changes: SnapshotChanges, removed: Counted[], live: Counted[]): Record<string, string> {
  const added: Counted[] = changes.added;
  const sum = (files: Counted[], pick: (f: Counted) => number) => files.reduce((n, f) => n + pick(f), 0);
  const of = (files: Counted[], content: number) => files.filter((f) => f.content === content);
  const counts: Record<string, number> = {
    'added-data-files': of(added, 0).length,
    'deleted-data-files': of(removed, 0).length,
    'added-records': sum(of(added, 0), (f) => f.recordCount),
    'deleted-records': sum(of(removed, 0), (f) => f.recordCount),
    'added-files-size': sum(added, (f) => f.fileSizeInBytes),
    'removed-files-size': sum(removed, (f) => f.fileSizeInBytes),
    'added-delete-files': added.length - of(added, 0).length,
    'removed-delete-files': removed.length - of(removed, 0).length,
    'added-position-deletes': sum(of(added, 1), (f) => f.recordCount),
    'removed-position-deletes': sum(of(removed, 1), (f) => f.recordCount),
    'added-equality-deletes': sum(of(added, 2), (f) => f.recordCount),
    'removed-equality-deletes': sum(of(removed, 2), (f) => f.recordCount),
  };
  const summary: Record<string, string> = { operation: changes.operation, ...changes.summary };
  for (const [key, n] of Object.entries(counts)) if (n > 0) summary[key] = String(n);
  Object.assign(summary, {
    'total-records': String(sum(of(live, 0), (f) => f.recordCount)),
    'total-files-size': String(sum(live, (f) => f.fileSizeInBytes)),
    'total-data-files': String(of(live, 0).length),
    'total-delete-files': String(live.length - of(live, 0).length),
    'total-position-deletes': String(sum(of(live, 1), (f) => f.recordCount)),
    'total-equality-deletes': String(sum(of(live, 2), (f) => f.recordCount)),
  });
  return summary;
}

function specOf(table: IcebergTable, specId: number): PartitionSpec {
  const spec = table.specs.get(specId);
  if (!spec) throw new LakebenchError('CORRUPT', `partition spec ${specId} is not in the table metadata`, { object: table.store.urlOf(table.metadataKey) });
  return spec;
}

/**
 * Writes the manifests and manifest list of a snapshot applying `changes` to the table's current
 * snapshot, and answers the metadata changes that commit it on `main`.
 */
export async function produceSnapshot(table: IcebergTable, changes: SnapshotChanges, now = Date.now()): Promise<ProducedSnapshot> {
  const object = table.store.urlOf(table.metadataKey);
  const formatVersion = table.metadata.formatVersion as FormatVersion;
  const parent: IcebergSnapshot | undefined = table.snapshot();
  const parentId = parent === undefined ? undefined : BigInt(parent.id);
  const snapshotId = newSnapshotId();
  const sequenceNumber = nextSequenceNumber(table);
  const context = writeContext(table);
  const written: string[] = [];
  const recordedKey = (location: string) => table.paths.keyOf(location);

  const rows: ManifestListRow[] = [];
  const removedFiles: DataFile[] = [];
  const live: DataFile[] = [];
  const kept: ManifestListRow[] = [];
  for (const manifest of parent ? await table.manifests(parent) : []) {
    const key = table.paths.keyOf(manifest.path);
    const entries = await table.manifestEntries(manifest);
    const hit = entries.some((e) => e.status !== 2 && changes.removed.has(e.path));
    if (!hit) {
      const length = manifest.length > 0 ? manifest.length : ((await table.store.head(key))?.size ?? 0);
      kept.push(keptRow(manifest, entries, length, parentId!));
      live.push(...entries.filter((e) => e.status !== 2));
      continue;
    }
    // Rewritten: its removed entries become `deleted` in this snapshot, the rest `existing`.
    const { files, records } = readManifestRecords(await table.read(key, manifest.path), manifest, table.store.urlOf(key));
    const rewritten: EntryRecord[] = [];
    files.forEach((file, i) => {
      if (file.status === 2) return;
      const gone = changes.removed.has(file.path);
      (gone ? removedFiles : live).push(file);
      const kept = keptEntry(file, records[i]!, parentId ?? snapshotId);
      rewritten.push(gone ? { ...kept, status: 2, snapshot_id: snapshotId } : kept);
    });
    const specId = manifest.specId >= 0 ? manifest.specId : (files[0]?.specId ?? 0);
    const row = await writeManifest(context, { spec: specOf(table, specId), content: manifest.content, entries: rewritten, snapshotId, sequenceNumber });
    written.push(recordedKey(row.manifest_path));
    rows.push(row);
  }
  const missing = [...changes.removed].filter((path) => !removedFiles.some((f) => f.path === path));
  if (missing.length > 0) {
    throw new LakebenchError('CONFLICT', `${missing.length} file(s) to remove are no longer live in snapshot ${parent?.id ?? '(none)'}, e.g. ${missing[0]}`, { object });
  }

  // Added files: one manifest per content kind and spec.
  const groups = new Map<string, NewFile[]>();
  for (const file of changes.added) {
    const group = `${file.content === 0 ? 'data' : 'deletes'}|${file.specId}`;
    groups.set(group, [...(groups.get(group) ?? []), file]);
  }
  const addedRows: ManifestListRow[] = [];
  for (const [group, files] of groups) {
    const [content, specId] = group.split('|') as ['data' | 'deletes', string];
    const entries: EntryRecord[] = files.map((file) => ({
      status: 1,
      snapshot_id: snapshotId,
      sequence_number: file.dataSequenceNumber === undefined || formatVersion === 1 ? null : big(file.dataSequenceNumber),
      file_sequence_number: null,
      data_file: dataFileRecord(file),
    }));
    const row = await writeManifest(context, { spec: specOf(table, Number(specId)), content, entries, snapshotId, sequenceNumber });
    written.push(recordedKey(row.manifest_path));
    addedRows.push(row);
  }

  return finishSnapshot(table, {
    snapshotId,
    sequenceNumber,
    rows: [...addedRows, ...rows, ...kept],
    summary: summaryOf(changes, removedFiles, [...live, ...changes.added]),
    written,
    now,
  });
}

export interface SnapshotParts {
  snapshotId: bigint;
  sequenceNumber: number;
  /** The manifest list's rows, manifests already written. */
  rows: ManifestListRow[];
  summary: Record<string, string>;
  /** Keys written so far (the manifests). */
  written: string[];
  now: number;
}

/** Writes the manifest list of a snapshot on top of the table's current one and answers the changes that commit it on `main`. */
export async function finishSnapshot(table: IcebergTable, parts: SnapshotParts): Promise<ProducedSnapshot> {
  const metadata = table.metadata;
  const parent = table.snapshot();
  const parentId = parent === undefined ? undefined : BigInt(parent.id);
  const { snapshotId, sequenceNumber } = parts;
  // v3: rows of new data manifests get ids from the table's next row id.
  const nextRowId = metadata.formatVersion === 3 ? (metadata.nextRowId ?? 0) : undefined;
  const list = await writeManifestList(writeContext(table), {
    rows: parts.rows,
    snapshotId,
    ...(parentId !== undefined && { parentId }),
    sequenceNumber,
    ...(nextRowId !== undefined && { firstRowId: nextRowId }),
  });
  const snapshot: SnapshotJson = {
    'snapshot-id': snapshotId,
    ...(parentId !== undefined && { 'parent-snapshot-id': parentId }),
    'sequence-number': sequenceNumber,
    'timestamp-ms': Math.max(parts.now, metadata.lastUpdatedMs),
    'manifest-list': list.location,
    summary: parts.summary,
    'schema-id': metadata.currentSchemaId,
    ...(nextRowId !== undefined && { 'first-row-id': nextRowId, 'added-rows': list.assignedRows }),
  };
  return {
    snapshot,
    updates: [
      { action: 'add-snapshot', snapshot },
      { action: 'set-snapshot-ref', 'ref-name': 'main', 'snapshot-id': snapshotId, type: 'branch' },
    ],
    requirements: [
      ...(metadata.tableUuid ? [{ type: 'assert-table-uuid' as const, uuid: metadata.tableUuid }] : []),
      { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parentId ?? null },
    ],
    written: [...parts.written, table.paths.keyOf(list.location)],
  };
}

/** Where and how a table's new manifests are written: its store, recorded location, format version and current schema. */
export function writeContext(table: IcebergTable): TableWriteContext {
  const metadata = table.metadata;
  const schema = metadata.schemas.find((s) => s['schema-id'] === metadata.currentSchemaId)!;
  return { store: table.store, location: metadata.location, formatVersion: metadata.formatVersion as FormatVersion, schema };
}

/** The next snapshot's sequence number (0 for v1 tables, which have none). */
export function nextSequenceNumber(table: IcebergTable): number {
  return table.metadata.formatVersion === 1 ? 0 : table.metadata.lastSequenceNumber + 1;
}

/** The commit of a produced snapshot: it landed when the table holds its snapshot id. */
export function snapshotCommit(produced: ProducedSnapshot): PendingCommit {
  const id = produced.snapshot['snapshot-id'].toString();
  return { updates: produced.updates, requirements: produced.requirements, landed: (metadata) => metadata.snapshots.some((s) => s.id === id) };
}

/**
 * Commits a new snapshot on `main`: `changesFor` says what it adds and removes on the state it is
 * given (fresh for every attempt; it throws CONFLICT when its operation cannot apply there).
 */
export async function commitSnapshot(
  target: CommitTarget,
  changesFor: (state: TableState) => Promise<SnapshotChanges>,
  options: CommitOptions = {},
): Promise<Committed<ProducedSnapshot>> {
  return commitWithRetry(
    target,
    async (state) => {
      const produced = await produceSnapshot(state.table, await changesFor(state));
      return { commit: snapshotCommit(produced), result: produced };
    },
    options,
  );
}

/** The commit removing snapshots (expire): refs to them go too; it landed when none of them is left. */
export function removeSnapshotsCommit(table: IcebergTable, snapshotIds: readonly string[]): PendingCommit {
  return {
    updates: [{ action: 'remove-snapshots', 'snapshot-ids': snapshotIds.map((id) => BigInt(id)) }],
    requirements: table.metadata.tableUuid ? [{ type: 'assert-table-uuid', uuid: table.metadata.tableUuid }] : [],
    landed: (metadata) => snapshotIds.every((id) => !metadata.snapshots.some((s) => s.id === id)),
  };
}
