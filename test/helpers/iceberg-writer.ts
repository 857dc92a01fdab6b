/**
 * A small Iceberg writer for tests: Parquet data and delete files by DuckDB COPY … (FIELD_IDS …),
 * manifests and manifest lists by avsc with the spec's Avro schemas (field ids included), metadata
 * JSON with `vN.metadata.json` and `version-hint.text` (optionally gzip, or catalog-style names).
 * Each commit makes one snapshot holding every earlier live file plus what it adds, minus what it removes.
 * Only what the tests need: primitive columns, explicit partition values, column bounds for the
 * int/long/date/string columns (computed by DuckDB over the written file).
 */
import avro from 'avsc';
import { randomUUID } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { exactLong } from '../../core/formats/iceberg/avro';

export interface Field {
  id: number;
  name: string;
  type: string;
  required?: boolean;
  'initial-default'?: unknown;
}

export interface PartitionFieldSpec {
  sourceId: number;
  fieldId: number;
  name: string;
  transform: string;
  /** Avro type of the partition value: int, long, string, boolean, bytes; with `date` logical types as int. */
  avroType: 'int' | 'long' | 'string' | 'boolean' | 'bytes';
}

export interface WriterOptions {
  formatVersion?: 1 | 2 | 3;
  /** Recorded table location (default: file:<dir>). */
  location?: string;
  fields: Field[];
  partitionFields?: PartitionFieldSpec[];
  properties?: Record<string, string>;
  /** Write `NNNNN-<uuid>.metadata.json` names without a hint (catalog style). */
  catalogNames?: boolean;
  /**
   * Fast appends, as Iceberg's appending writers make them: each commit writes a manifest of only the
   * files it adds and keeps every earlier manifest in its manifest list (commits may then only add).
   */
  appendManifests?: boolean;
  gzip?: boolean;
  /** Id of the first snapshot (default: above 2^53, as real tables have); later ones count up. */
  firstSnapshotId?: bigint;
}

export interface NewDataFile {
  /** A SELECT producing the rows, its columns named as the current schema (or `fieldIds` keys). */
  sql: string;
  partition?: Record<string, unknown>;
  /** Write the file without field ids (as a migrated Hive file would be). */
  withoutFieldIds?: boolean;
  /** Column name → field id for the file, when not the current schema's. */
  fieldIds?: Record<string, number>;
  /** Leave these columns out of the file. */
  omit?: string[];
  /** The file's key under the table (default `data/<uuid>.parquet`), recorded as written. */
  key?: string;
}

export interface WrittenFile {
  path: string; // recorded
  /** The spec it was written under: the default one when written, or the unpartitioned one (global equality deletes). */
  specId: number;
  content: 0 | 1 | 2;
  format: string;
  partition: Record<string, unknown>;
  recordCount: number;
  size: number;
  sequenceNumber: number;
  snapshotId: bigint;
  equalityIds?: number[];
  referencedDataFile?: string;
  contentOffset?: number;
  contentSize?: number;
  lower?: Map<number, Buffer>;
  upper?: Map<number, Buffer>;
  nulls?: Map<number, number>;
  values?: Map<number, number>;
}


const opt = (type: unknown, id: number, name: string) => ({ name, type: ['null', type], default: null, 'field-id': id });
const kv = (name: string, keyId: number, valueId: number, valueType: string) => ({
  type: 'array',
  logicalType: 'map',
  items: { type: 'record', name, fields: [{ name: 'key', type: 'int', 'field-id': keyId }, { name: 'value', type: valueType, 'field-id': valueId }] },
});

/** The v2 manifest entry schema with the spec's field ids, for a spec of these partition fields. */
export function entrySchema(partitionFields: PartitionFieldSpec[]) {
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      opt('long', 1, 'snapshot_id'),
      opt('long', 3, 'sequence_number'),
      opt('long', 4, 'file_sequence_number'),
      {
        name: 'data_file',
        'field-id': 2,
        type: {
          type: 'record',
          name: 'r2',
          fields: [
            { name: 'content', type: 'int', 'field-id': 134 },
            { name: 'file_path', type: 'string', 'field-id': 100 },
            { name: 'file_format', type: 'string', 'field-id': 101 },
            {
              name: 'partition',
              'field-id': 102,
              type: {
                type: 'record',
                name: 'r102',
                fields: partitionFields.map((f) => ({ name: f.name, type: ['null', f.avroType], default: null, 'field-id': f.fieldId })),
              },
            },
            { name: 'record_count', type: 'long', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
            opt(kv('k117_v118', 117, 118, 'long'), 109, 'value_counts'),
            opt(kv('k121_v122', 121, 122, 'long'), 110, 'null_value_counts'),
            opt(kv('k126_v127', 126, 127, 'bytes'), 125, 'lower_bounds'),
            opt(kv('k129_v130', 129, 130, 'bytes'), 128, 'upper_bounds'),
            opt({ type: 'array', items: 'int', 'element-id': 136 }, 135, 'equality_ids'),
            opt('string', 143, 'referenced_data_file'),
            opt('long', 144, 'content_offset'),
            opt('long', 145, 'content_size_in_bytes'),
          ],
        },
      },
    ],
  };
}

/** The v2 manifest list schema with the spec's field ids. */
export const MANIFEST_FILE_SCHEMA = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    opt(
      {
        type: 'array',
        'element-id': 508,
        items: {
          type: 'record',
          name: 'r508',
          fields: [
            { name: 'contains_null', type: 'boolean', 'field-id': 509 },
            opt('boolean', 518, 'contains_nan'),
            opt('bytes', 510, 'lower_bound'),
            opt('bytes', 511, 'upper_bound'),
          ],
        },
      },
      507,
      'partitions',
    ),
  ],
};

/** Avro container bytes of `records` (deflate, as Java writes manifests). */
export function avroBytes(schema: object, records: object[], metadata: Record<string, string>): Promise<Buffer> {
  const type = avro.Type.forSchema(schema as avro.Schema, { registry: { long: exactLong }, wrapUnions: false });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // avsc writes `metadata` into the header; its typings leave the option out.
    const options = { codec: 'deflate', metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v)])) };
    const encoder = new avro.streams.BlockEncoder(type, options as object);
    encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
    encoder.on('end', () => resolve(Buffer.concat(chunks)));
    encoder.on('error', reject);
    for (const record of records) encoder.write(record);
    encoder.end();
  });
}

/** The spec's binary single-value encoding for the types tests bound. */
export function encodeBound(value: unknown, type: string): Buffer | undefined {
  if (value === null || value === undefined) return undefined;
  if (type === 'int' || type === 'date') {
    const buf = Buffer.alloc(4);
    buf.writeInt32LE(Number(value));
    return buf;
  }
  if (type === 'long' || type === 'timestamp' || type === 'timestamptz') {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(value as number));
    return buf;
  }
  if (type === 'string') return Buffer.from(String(value), 'utf8');
  return undefined;
}

/** DuckDB SQL giving a column's value in the bound's internal form (days for dates, micros for timestamps). */
function internalSql(column: string, type: string): string | undefined {
  const c = `"${column.replaceAll('"', '""')}"`;
  if (type === 'int' || type === 'long' || type === 'string') return c;
  if (type === 'date') return `(${c} - DATE '1970-01-01')`;
  if (type === 'timestamp' || type === 'timestamptz') return `epoch_us(${c})`;
  return undefined;
}

export interface Commit {
  operation?: string;
  add?: NewDataFile[];
  /** Position deletes: rows (recorded data file path, position). */
  positionDeletes?: { partition?: Record<string, unknown>; rows: { path: string; pos: number }[]; referencedDataFile?: string }[];
  /** Equality deletes: a SELECT of the delete columns (named as the schema), their ids, and the partition; `unpartitioned` writes them under spec 1 (no fields), which makes them global. */
  equalityDeletes?: { sql: string; equalityIds: number[]; partition?: Record<string, unknown>; unpartitioned?: boolean }[];
  /** v3 deletion vectors: positions deleted from a data file (recorded path), stored in one Puffin file. */
  deletionVectors?: { dataFile: string; positions: number[]; partition?: Record<string, unknown> }[];
  /** Data files (recorded paths) removed by this commit. */
  remove?: string[];
  /** Schema change at this commit. */
  fields?: Field[];
  /** Partition spec evolution at this commit: a new spec (the next spec id) becomes the default; earlier files keep theirs. */
  partitionFields?: PartitionFieldSpec[];
}

export class IcebergTestWriter {
  readonly location: string;
  private fields: Field[];
  private schemas: { 'schema-id': number; type: 'struct'; fields: Field[] }[];
  /** Partition specs by id: 0 the initial one, then the unpartitioned one and evolved ones in the order they were first used. */
  private readonly specs = new Map<number, PartitionFieldSpec[]>();
  private defaultSpecId = 0;
  private unpartitionedSpecId?: number;
  private readonly formatVersion: 1 | 2 | 3;
  private live: WrittenFile[] = [];
  private snapshots: object[] = [];
  /** The manifest list rows of the last commit (fast appends keep them). */
  private appended: object[] = [];
  private snapshotLog: object[] = [];
  private metadataLog: object[] = [];
  private refs: Record<string, object> = {};
  private sequence = 0;
  private version = 0;
  private currentSnapshot?: bigint;
  /** Snapshot ids above 2^53, as real tables have: they must survive JSON and Avro exactly. */
  private nextSnapshotId: bigint;
  clock = Date.parse('2026-01-01T00:00:00Z');

  constructor(
    readonly dir: string,
    private readonly conn: DuckDBConnection,
    private readonly options: WriterOptions,
  ) {
    this.location = options.location ?? `file:${dir}`;
    this.fields = options.fields;
    this.schemas = [{ 'schema-id': 0, type: 'struct', fields: options.fields }];
    this.specs.set(0, options.partitionFields ?? []);
    this.formatVersion = options.formatVersion ?? 2;
    this.nextSnapshotId = options.firstSnapshotId ?? 9_158_179_788_527_662_000n;
  }

  private recorded(key: string): string {
    return `${this.location}/${key}`;
  }

  private async parquet(key: string, sql: string, ids: Record<string, number> | undefined): Promise<{ rows: number; size: number }> {
    const local = path.join(this.dir, key);
    await mkdir(path.dirname(local), { recursive: true });
    const fieldIds = ids ? `, FIELD_IDS {${Object.entries(ids).map(([n, id]) => `"${n.replaceAll('"', '""')}": ${id}`).join(', ')}}` : '';
    await this.conn.run(`COPY (${sql}) TO '${local}' (FORMAT parquet${fieldIds})`);
    const reader = await this.conn.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet('${local}')`);
    return { rows: Number(reader.getRows()[0]![0]), size: (await stat(local)).size };
  }

  /** Bounds and counts of the bounded columns of a written file. */
  private async stats(key: string, fields: Field[]): Promise<Pick<WrittenFile, 'lower' | 'upper' | 'nulls' | 'values'>> {
    const local = path.join(this.dir, key);
    const described = (await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${local}')`)).getRows().map((r) => String(r[0]));
    const bounded = fields.filter((f) => described.includes(f.name) && internalSql(f.name, f.type));
    const lower = new Map<number, Buffer>();
    const upper = new Map<number, Buffer>();
    const nulls = new Map<number, number>();
    const values = new Map<number, number>();
    for (const f of bounded) {
      const expr = internalSql(f.name, f.type)!;
      const [min, max, nullCount, count] = (
        await this.conn.runAndReadAll(`SELECT min(${expr})::VARCHAR, max(${expr})::VARCHAR, (count(*) - count(${expr}))::BIGINT, count(*)::BIGINT FROM read_parquet('${local}')`)
      ).getRows()[0]!;
      const lo = encodeBound(f.type === 'string' ? min : min === null ? null : BigInt(String(min)), f.type);
      const hi = encodeBound(f.type === 'string' ? max : max === null ? null : BigInt(String(max)), f.type);
      if (lo) lower.set(f.id, lo);
      if (hi) upper.set(f.id, hi);
      nulls.set(f.id, Number(nullCount));
      values.set(f.id, Number(count));
    }
    return { lower, upper, nulls, values };
  }

  /** Applies one commit and writes the new metadata version; returns the snapshot id. */
  async commit(commit: Commit): Promise<bigint> {
    if (commit.fields) {
      this.fields = commit.fields;
      this.schemas.push({ 'schema-id': this.schemas.length, type: 'struct', fields: commit.fields });
    }
    const snapshotId = this.nextSnapshotId++;
    const sequenceNumber = this.formatVersion === 1 ? 0 : ++this.sequence;
    const added: WrittenFile[] = [];
    if (commit.partitionFields) {
      this.defaultSpecId = this.specs.size;
      this.specs.set(this.defaultSpecId, commit.partitionFields);
    }
    const base = { sequenceNumber, snapshotId, specId: this.defaultSpecId };
    for (const file of commit.add ?? []) {
      const key = file.key ?? `data/${randomUUID()}.parquet`;
      const ids = file.withoutFieldIds
        ? undefined
        : (file.fieldIds ?? Object.fromEntries(this.fields.filter((f) => !file.omit?.includes(f.name)).map((f) => [f.name, f.id])));
      const { rows, size } = await this.parquet(key, file.sql, ids);
      added.push({ ...base, path: this.recorded(key), content: 0, format: 'PARQUET', partition: file.partition ?? {}, recordCount: rows, size, ...(await this.stats(key, this.fields)) });
    }
    for (const d of commit.positionDeletes ?? []) {
      const key = `data/${randomUUID()}-deletes.parquet`;
      const values = d.rows.map((r) => `('${r.path.replaceAll("'", "''")}', ${r.pos}::BIGINT)`).join(', ');
      const { rows, size } = await this.parquet(key, `SELECT * FROM (VALUES ${values}) AS t(file_path, pos)`, { file_path: 2147483546, pos: 2147483545 });
      added.push({ ...base, path: this.recorded(key), content: 1, format: 'PARQUET', partition: d.partition ?? {}, recordCount: rows, size, ...(d.referencedDataFile && { referencedDataFile: d.referencedDataFile }) });
    }
    for (const d of commit.equalityDeletes ?? []) {
      const key = `data/${randomUUID()}-eq-deletes.parquet`;
      const ids = Object.fromEntries(this.fields.filter((f) => d.equalityIds.includes(f.id)).map((f) => [f.name, f.id]));
      const { rows, size } = await this.parquet(key, d.sql, ids);
      added.push({ ...base, ...(d.unpartitioned && { specId: this.unpartitioned() }), path: this.recorded(key), content: 2, format: 'PARQUET', partition: d.partition ?? {}, recordCount: rows, size, equalityIds: d.equalityIds });
    }
    if (commit.deletionVectors?.length) {
      const key = `data/${randomUUID()}.puffin`;
      const blobs: Buffer[] = [];
      let offset = 4; // after the Puffin magic
      for (const dv of commit.deletionVectors) {
        const blob = deletionVectorBlob(dv.positions);
        added.push({ ...base, path: this.recorded(key), content: 1, format: 'PUFFIN', partition: dv.partition ?? {}, recordCount: dv.positions.length, size: 0, referencedDataFile: dv.dataFile, contentOffset: offset, contentSize: blob.length });
        blobs.push(blob);
        offset += blob.length;
      }
      const magic = Buffer.from([0x50, 0x46, 0x41, 0x31]);
      const footer = Buffer.from(JSON.stringify({ blobs: [] }));
      const puffin = Buffer.concat([magic, ...blobs, magic, footer, Buffer.alloc(4), Buffer.alloc(4), magic]);
      puffin.writeInt32LE(footer.length, puffin.length - 12);
      await mkdir(path.join(this.dir, 'data'), { recursive: true });
      await writeFile(path.join(this.dir, key), puffin);
      for (const f of added) if (f.format === 'PUFFIN' && f.path === this.recorded(key)) f.size = puffin.length;
    }
    const removed = new Set(commit.remove ?? []);
    this.live = [...this.live.filter((f) => !removed.has(f.path)), ...added];

    // One manifest per content type, all files as existing/added; with fast appends, the earlier ones and one of what this commit adds.
    if (this.options.appendManifests && removed.size > 0) throw new Error('appendManifests: a commit may only add files');
    const manifests = this.options.appendManifests ? [...this.appended] : [];
    for (const content of ['data', 'deletes'] as const) {
      for (const specId of this.specs.keys()) {
        const files = (this.options.appendManifests ? added : this.live).filter((f) => f.specId === specId && (content === 'data' ? f.content === 0 : f.content !== 0));
        if (files.length === 0) continue;
        manifests.push(await this.writeManifest(files, content, snapshotId, sequenceNumber, specId));
      }
    }
    this.appended = manifests;
    const listKey = `metadata/snap-${snapshotId}-1-${randomUUID()}.avro`;
    await writeFile(
      path.join(this.dir, listKey),
      await avroBytes(MANIFEST_FILE_SCHEMA, manifests, { 'format-version': String(this.formatVersion), 'snapshot-id': String(snapshotId) }),
    );
    this.clock += 60_000;
    this.snapshots.push({
      'snapshot-id': `@@${snapshotId}@@`,
      ...(this.currentSnapshot !== undefined && { 'parent-snapshot-id': `@@${this.currentSnapshot}@@` }),
      'sequence-number': sequenceNumber,
      'timestamp-ms': this.clock,
      'manifest-list': this.recorded(listKey),
      summary: summaryOf(commit.operation ?? 'append', added, this.live),
      'schema-id': this.schemas.length - 1,
    });
    this.snapshotLog.push({ 'timestamp-ms': this.clock, 'snapshot-id': `@@${snapshotId}@@` });
    this.currentSnapshot = snapshotId;
    this.refs.main = { 'snapshot-id': `@@${snapshotId}@@`, type: 'branch' };
    await this.writeMetadata();
    return snapshotId;
  }

  /** Names a snapshot as a tag or branch and writes a new metadata version. */
  async ref(name: string, snapshotId: bigint, type: 'tag' | 'branch'): Promise<void> {
    this.refs[name] = { 'snapshot-id': `@@${snapshotId}@@`, type };
    await this.writeMetadata();
  }

  /** Live files (recorded paths) as of the last commit. */
  files(): WrittenFile[] {
    return [...this.live];
  }

  /** The id of the unpartitioned spec, added when first used. */
  private unpartitioned(): number {
    if (this.unpartitionedSpecId === undefined) {
      this.unpartitionedSpecId = this.specs.size;
      this.specs.set(this.unpartitionedSpecId, []);
    }
    return this.unpartitionedSpecId;
  }

  private async writeManifest(files: WrittenFile[], content: 'data' | 'deletes', snapshotId: bigint, sequenceNumber: number, specId: number) {
    const key = `metadata/${randomUUID()}-m0.avro`;
    const partitionFields = this.specs.get(specId)!;
    const entries = files.map((f) => ({
      status: f.snapshotId === snapshotId ? 1 : 0,
      snapshot_id: f.snapshotId,
      // Added entries leave sequence numbers null: readers inherit them from the manifest list.
      sequence_number: f.snapshotId === snapshotId ? null : BigInt(f.sequenceNumber),
      file_sequence_number: f.snapshotId === snapshotId ? null : BigInt(f.sequenceNumber),
      data_file: {
        content: f.content,
        file_path: f.path,
        file_format: f.format,
        partition: Object.fromEntries(partitionFields.map((p) => [p.name, normalizePartition(f.partition[p.name], p.avroType)])),
        record_count: BigInt(f.recordCount),
        file_size_in_bytes: BigInt(f.size),
        value_counts: f.values ? [...f.values].map(([key, value]) => ({ key, value: BigInt(value) })) : null,
        null_value_counts: f.nulls ? [...f.nulls].map(([key, value]) => ({ key, value: BigInt(value) })) : null,
        lower_bounds: f.lower ? [...f.lower].map(([key, value]) => ({ key, value })) : null,
        upper_bounds: f.upper ? [...f.upper].map(([key, value]) => ({ key, value })) : null,
        equality_ids: f.equalityIds ?? null,
        referenced_data_file: f.referencedDataFile ?? null,
        content_offset: f.contentOffset === undefined ? null : BigInt(f.contentOffset),
        content_size_in_bytes: f.contentSize === undefined ? null : BigInt(f.contentSize),
      },
    }));
    const spec = partitionFields.map((p) => ({ name: p.name, transform: p.transform, 'source-id': p.sourceId, 'field-id': p.fieldId }));
    const bytes = await avroBytes(entrySchema(partitionFields), entries, {
      'format-version': String(this.formatVersion),
      'partition-spec-id': String(specId),
      'partition-spec': JSON.stringify(spec),
      schema: JSON.stringify(this.schemas[this.schemas.length - 1]),
      content: content,
    });
    await mkdir(path.join(this.dir, 'metadata'), { recursive: true });
    await writeFile(path.join(this.dir, key), bytes);
    // Partition summaries: per field, nulls and min/max of the partition values.
    const partitions = partitionFields.map((p) => {
      const vals = files.map((f) => f.partition[p.name]).filter((v) => v !== null && v !== undefined);
      const sorted = [...vals].sort((a, b) => (a! < b! ? -1 : a! > b! ? 1 : 0));
      const boundType = p.avroType === 'string' ? 'string' : p.avroType === 'long' ? 'long' : 'int';
      return {
        contains_null: files.some((f) => f.partition[p.name] === null || f.partition[p.name] === undefined),
        contains_nan: null,
        lower_bound: sorted.length ? encodeBound(sorted[0], boundType) ?? null : null,
        upper_bound: sorted.length ? encodeBound(sorted[sorted.length - 1], boundType) ?? null : null,
      };
    });
    return {
      manifest_path: this.recorded(key),
      manifest_length: BigInt(bytes.length),
      partition_spec_id: specId,
      content: content === 'data' ? 0 : 1,
      sequence_number: BigInt(sequenceNumber),
      min_sequence_number: BigInt(Math.min(...files.map((f) => f.sequenceNumber))),
      added_snapshot_id: snapshotId,
      added_files_count: files.filter((f) => f.snapshotId === snapshotId).length,
      existing_files_count: files.filter((f) => f.snapshotId !== snapshotId).length,
      deleted_files_count: 0,
      added_rows_count: BigInt(files.filter((f) => f.snapshotId === snapshotId).reduce((s, f) => s + f.recordCount, 0)),
      existing_rows_count: BigInt(files.filter((f) => f.snapshotId !== snapshotId).reduce((s, f) => s + f.recordCount, 0)),
      deleted_rows_count: 0n,
      partitions,
    };
  }

  private async writeMetadata(): Promise<void> {
    this.version++;
    const metadata = {
      'format-version': this.formatVersion,
      'table-uuid': '00000000-0000-4000-8000-000000000001',
      location: this.location,
      'last-sequence-number': this.sequence,
      'last-updated-ms': this.clock,
      'last-column-id': Math.max(...this.schemas.flatMap((s) => s.fields.map((f) => f.id))),
      'current-schema-id': this.schemas.length - 1,
      schemas: this.schemas,
      'default-spec-id': this.defaultSpecId,
      'partition-specs': [...this.specs].map(([id, fields]) => ({
        'spec-id': id,
        fields: fields.map((p) => ({ name: p.name, transform: p.transform, 'source-id': p.sourceId, 'field-id': p.fieldId })),
      })),
      'last-partition-id': Math.max(999, ...[...this.specs.values()].flat().map((p) => p.fieldId)),
      properties: this.options.properties ?? {},
      ...(this.currentSnapshot !== undefined && { 'current-snapshot-id': `@@${this.currentSnapshot}@@` }),
      refs: this.refs,
      snapshots: this.snapshots,
      'snapshot-log': this.snapshotLog,
      'metadata-log': this.metadataLog,
      'sort-orders': [{ 'order-id': 0, fields: [] }],
      'default-sort-order-id': 0,
    };
    // Snapshot ids go in as bare 64-bit integers, as Java writes them.
    const text = JSON.stringify(metadata, null, 2).replace(/"@@(-?\d+)@@"/g, '$1');
    const name = this.options.catalogNames
      ? `${String(this.version).padStart(5, '0')}-${randomUUID()}${this.options.gzip ? '.gz' : ''}.metadata.json`
      : `v${this.version}${this.options.gzip ? '.gz' : ''}.metadata.json`;
    await mkdir(path.join(this.dir, 'metadata'), { recursive: true });
    await writeFile(path.join(this.dir, 'metadata', name), this.options.gzip ? gzipSync(text) : text);
    if (!this.options.catalogNames) await writeFile(path.join(this.dir, 'metadata', 'version-hint.text'), String(this.version));
    this.metadataLog.push({ 'timestamp-ms': this.clock, 'metadata-file': this.recorded(`metadata/${name}`) });
    this.lastMetadataKey = `metadata/${name}`;
  }

  lastMetadataKey = '';
}

/** A snapshot summary with the counts Iceberg's Java writers record (only the non-zero `added-*` ones). */
function summaryOf(operation: string, added: WrittenFile[], live: WrittenFile[]): Record<string, string> {
  const sum = (files: WrittenFile[], value: (f: WrittenFile) => number) => files.reduce((n, f) => n + value(f), 0);
  const data = added.filter((f) => f.content === 0);
  const deletes = added.filter((f) => f.content !== 0);
  const counts: Record<string, number> = {
    'added-data-files': data.length,
    'added-records': sum(data, (f) => f.recordCount),
    'added-delete-files': deletes.length,
    'added-position-deletes': sum(deletes.filter((f) => f.content === 1), (f) => f.recordCount),
    'added-equality-deletes': sum(deletes.filter((f) => f.content === 2), (f) => f.recordCount),
    'added-files-size': sum(added, (f) => f.size),
  };
  const summary: Record<string, string> = { operation };
  for (const [key, n] of Object.entries(counts)) if (n > 0) summary[key] = String(n);
  summary['total-records'] = String(sum(live.filter((f) => f.content === 0), (f) => f.recordCount));
  summary['total-data-files'] = String(live.filter((f) => f.content === 0).length);
  return summary;
}

function normalizePartition(value: unknown, avroType: PartitionFieldSpec['avroType']): unknown {
  if (value === null || value === undefined) return null;
  if (avroType === 'long') return BigInt(value as number);
  return value;
}

/** A deletion-vector-v1 blob: length, magic, a portable 64-bit Roaring bitmap of array containers, CRC-32. */
export function deletionVectorBlob(positions: number[]): Buffer {
  const sorted = [...new Set(positions)].sort((a, b) => a - b);
  const byHigh = new Map<number, Map<number, number[]>>();
  for (const p of sorted) {
    const high = Math.floor(p / 2 ** 32);
    const low = p % 2 ** 32;
    const containers = byHigh.get(high) ?? new Map<number, number[]>();
    byHigh.set(high, containers);
    const key = low >>> 16;
    containers.set(key, [...(containers.get(key) ?? []), low & 0xffff]);
  }
  const parts: Buffer[] = [];
  const count = Buffer.alloc(8);
  count.writeBigUInt64LE(BigInt(byHigh.size));
  parts.push(count);
  for (const [high, containers] of byHigh) {
    const head = Buffer.alloc(4);
    head.writeUInt32LE(high);
    parts.push(head);
    const header = Buffer.alloc(8 + containers.size * 8);
    header.writeUInt32LE(12346, 0); // no run containers
    header.writeUInt32LE(containers.size, 4);
    let i = 0;
    let offset = 8 + containers.size * 8;
    const bodies: Buffer[] = [];
    for (const [key, values] of containers) {
      header.writeUInt16LE(key, 8 + i * 4);
      header.writeUInt16LE(values.length - 1, 10 + i * 4);
      header.writeUInt32LE(offset, 8 + containers.size * 4 + i * 4);
      const body = Buffer.alloc(values.length * 2);
      values.forEach((v, j) => body.writeUInt16LE(v, j * 2));
      bodies.push(body);
      offset += body.length;
      i++;
    }
    parts.push(header, ...bodies);
  }
  const bitmap = Buffer.concat(parts);
  const magic = Buffer.from([0xd1, 0xd3, 0x39, 0x64]);
  const body = Buffer.concat([magic, bitmap]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
