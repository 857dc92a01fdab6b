/**
 * Writes a checkpoint and the `_last_checkpoint` hint: the classic single-file checkpoint
 * (`<v>.checkpoint.parquet`, V1 spec), or for a table whose `delta.checkpointPolicy` is `v2` a
 * UUID-named V2-spec checkpoint in Parquet (a checkpointMetadata row, file actions inline, no
 * sidecars). The Parquet schema is the one Spark and delta-rs write (top-level struct columns
 * txn/add/remove/metaData/protocol/domainMetadata, string maps as MAP<string,string>, longs as INT64),
 * so any Delta reader can start from it. One action per row; every other column of the row is null.
 */
import { Bool, Field, Int32, Int64, List, Map_, Struct, Table, Utf8, makeData, makeVector, tableToIPC } from 'apache-arrow';
import type { Data, DataType } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { randomUUID } from 'node:crypto';
import { conditionalPut } from '../../storage/conditional-write';
import type { ObjectStore } from '../../storage/types';
import type { Metadata } from './actions';
import { checkpointKey, LAST_CHECKPOINT_KEY } from './log-files';
import { listLog, readLastCheckpointHint } from './log-listing';
import type { Snapshot } from './table';

const field = (name: string, type: DataType) => new Field(name, type, true);
const struct = (...fields: Field[]) => new Struct(fields);
/**
 * Arrow names the map's repeated group `entries` where Spark writes `key_value`; Parquet's
 * compatibility rules have readers (Spark, arrow-rs, DuckDB) take MAP children by position.
 */
const stringMap = () => new Map_(new Field('entries', struct(new Field('key', new Utf8(), false), field('value', new Utf8())), false));
const stringList = () => new List(field('element', new Utf8()));

const deletionVector = () =>
  struct(
    field('storageType', new Utf8()),
    field('pathOrInlineDv', new Utf8()),
    field('offset', new Int32()),
    field('sizeInBytes', new Int32()),
    field('cardinality', new Int64()),
  );

/** Column types as in the fixtures' checkpoints and PROTOCOL.md "Checkpoint Schema". */
const CHECKPOINT_COLUMNS = {
  txn: struct(field('appId', new Utf8()), field('version', new Int64()), field('lastUpdated', new Int64())),
  add: struct(
    field('path', new Utf8()),
    field('partitionValues', stringMap()),
    field('size', new Int64()),
    field('modificationTime', new Int64()),
    field('dataChange', new Bool()),
    field('stats', new Utf8()),
    field('tags', stringMap()),
    field('deletionVector', deletionVector()),
    field('baseRowId', new Int64()),
    field('defaultRowCommitVersion', new Int64()),
    field('clusteringProvider', new Utf8()),
  ),
  remove: struct(
    field('path', new Utf8()),
    field('deletionTimestamp', new Int64()),
    field('dataChange', new Bool()),
    field('extendedFileMetadata', new Bool()),
    field('partitionValues', stringMap()),
    field('size', new Int64()),
    field('stats', new Utf8()),
    field('tags', stringMap()),
    field('deletionVector', deletionVector()),
    field('baseRowId', new Int64()),
    field('defaultRowCommitVersion', new Int64()),
  ),
  metaData: struct(
    field('id', new Utf8()),
    field('name', new Utf8()),
    field('description', new Utf8()),
    field('format', struct(field('provider', new Utf8()), field('options', stringMap()))),
    field('schemaString', new Utf8()),
    field('partitionColumns', stringList()),
    field('configuration', stringMap()),
    field('createdTime', new Int64()),
  ),
  protocol: struct(
    field('minReaderVersion', new Int32()),
    field('minWriterVersion', new Int32()),
    field('readerFeatures', stringList()),
    field('writerFeatures', stringList()),
  ),
  domainMetadata: struct(field('domain', new Utf8()), field('configuration', new Utf8()), field('removed', new Bool())),
  checkpointMetadata: struct(field('version', new Int64()), field('tags', stringMap())),
} satisfies Record<string, DataType>;

type CheckpointColumn = keyof typeof CHECKPOINT_COLUMNS;
type CheckpointRow = Partial<Record<CheckpointColumn, object>>;

const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 3600 * 1000;
const INTERVAL_UNIT_MS: Record<string, number> = {
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/**
 * `delta.deletedFileRetentionDuration` ("interval 7 days"). An interval this code cannot read keeps
 * every tombstone: extra tombstones are harmless, missing ones are not.
 */
export function tombstoneRetentionMs(metadata: Metadata): number {
  const setting = metadata.configuration?.['delta.deletedFileRetentionDuration'];
  return setting === undefined ? DEFAULT_TOMBSTONE_RETENTION_MS : intervalMs(setting);
}

/** Milliseconds of a table property interval such as "interval 7 days"; infinite when unreadable. */
export function intervalMs(setting: string): number {
  const match = /^\s*interval\s+(\d+)\s+([a-z]+?)s?\s*$/i.exec(setting);
  const unitMs = match ? INTERVAL_UNIT_MS[match[2].toLowerCase()] : undefined;
  return match && unitMs ? Number(match[1]) * unitMs : Number.POSITIVE_INFINITY;
}

/** The checkpoint's rows: (v2) checkpointMetadata, protocol, metaData, txns, domains, live adds, unexpired tombstones. */
function checkpointRows(snapshot: Snapshot, now: number, v2: boolean): CheckpointRow[] {
  const oldestKept = now - tombstoneRetentionMs(snapshot.metadata);
  const rows: CheckpointRow[] = [
    ...(v2 ? [{ checkpointMetadata: { version: snapshot.version, tags: {} } }] : []),
    { protocol: snapshot.protocol },
    { metaData: snapshot.metadata },
  ];
  for (const txn of Object.values(snapshot.txns)) rows.push({ txn });
  for (const domainMetadata of snapshot.domainMetadata) rows.push({ domainMetadata });
  // A checkpoint states what is, not what changed: Spark writes dataChange=false here too.
  for (const add of snapshot.files) rows.push({ add: { ...add, dataChange: false } });
  for (const remove of snapshot.tombstones) {
    if ((remove.deletionTimestamp ?? 0) > oldestKept) rows.push({ remove: { ...remove, dataChange: false } });
  }
  return rows;
}

/** Encodes the checkpoint rows as Parquet bytes (Snappy, like Spark's checkpoints). */
export function checkpointParquet(rows: CheckpointRow[]): Uint8Array {
  const columns = Object.fromEntries(
    Object.entries(CHECKPOINT_COLUMNS).map(([name, type]) => [
      name,
      makeVector(columnData(type, rows.map((row) => row[name as CheckpointColumn] ?? null))),
    ]),
  );
  const wasmTable = WasmTable.fromIPCStream(tableToIPC(new Table(columns), 'stream'));
  return writeParquet(wasmTable, new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build());
}

/** Whether the table asks for V2-spec (UUID-named) checkpoints. */
export function usesV2Checkpoints(snapshot: Pick<Snapshot, 'protocol' | 'metadata'>): boolean {
  return (snapshot.protocol.writerFeatures ?? []).includes('v2Checkpoint') && snapshot.metadata.configuration?.['delta.checkpointPolicy'] === 'v2';
}

/**
 * Writes the checkpoint of `snapshot` unless one of its version exists (it holds the same state), and
 * returns its key. `now` is the time tombstones are aged against (expire passes its own, so tests can age things).
 */
export async function writeCheckpoint(store: ObjectStore, snapshot: Snapshot, now = Date.now()): Promise<string> {
  const v2 = usesV2Checkpoints(snapshot);
  const rows = checkpointRows(snapshot, now, v2);
  const bytes = checkpointParquet(rows);
  let key = checkpointKey(snapshot.version);
  if (v2) {
    const existing = (await listLog(store, Math.max(0, snapshot.version - 1))).checkpoints.get(snapshot.version);
    key = existing?.[0].key ?? checkpointKey(snapshot.version, randomUUID());
  }
  // An existing checkpoint of this version holds the same state (whoever wrote it, an earlier attempt of
  // ours included): keep it, still refresh the hint.
  await conditionalPut(store, { key, body: bytes, isOurs: () => true });
  // A checkpoint of an older version (expire writes one at its cut) must not move the hint back.
  if ((await readLastCheckpointHint(store) ?? -1) > snapshot.version) return key;
  const hint = { version: snapshot.version, size: rows.length, sizeInBytes: bytes.length, numOfAddFiles: snapshot.files.length };
  await store.put(LAST_CHECKPOINT_KEY, JSON.stringify(hint));
  return key;
}

/** `delta.checkpointInterval`: commits between checkpoints (Spark's default 10 when unset or unreadable). */
export function checkpointInterval(metadata: Metadata): number {
  const interval = Number(metadata.configuration?.['delta.checkpointInterval']);
  return Number.isSafeInteger(interval) && interval > 0 ? interval : 10;
}

/*
 * Column builders. Arrow's own builders (vectorFromArray) take ~0.4 s for 50,000 adds, nearly all of
 * it in the Utf8 builder; filling the buffers directly is ~10× faster, and checkpoints of big tables
 * are written on the commit path.
 */

type Value = unknown;

function columnData(type: DataType, values: Value[]): Data {
  const valid = validity(values);
  // Most columns of a big checkpoint are null in nearly every row (only one action per row).
  if (valid.nullCount === values.length) return nullData(type, values.length);
  if (type instanceof Struct) {
    const children = type.children.map((child) =>
      columnData(child.type, values.map((v) => (v == null ? null : ((v as Record<string, Value>)[child.name] ?? null)))),
    );
    return makeData({ type, length: values.length, children, ...valid });
  }
  if (type instanceof Map_) {
    const { offsets, items } = flatten(values, (v) =>
      Object.entries(v as Record<string, Value>).map(([key, value]) => ({ key, value })),
    );
    const child = columnData(type.children[0].type, items);
    return makeData({ type, length: values.length, valueOffsets: offsets, child, ...valid });
  }
  if (type instanceof List) {
    const { offsets, items } = flatten(values, (v) => v as Value[]);
    const child = columnData(type.children[0].type, items);
    return makeData({ type, length: values.length, valueOffsets: offsets, child, ...valid });
  }
  if (type instanceof Utf8) return utf8Data(type, values, valid);
  if (type instanceof Int64) {
    const data = new BigInt64Array(values.length);
    values.forEach((v, i) => v != null && (data[i] = BigInt(v as number)));
    return makeData({ type, length: values.length, data, ...valid });
  }
  if (type instanceof Int32) {
    const data = new Int32Array(values.length);
    values.forEach((v, i) => v != null && (data[i] = Number(v)));
    return makeData({ type, length: values.length, data, ...valid });
  }
  if (type instanceof Bool) {
    return makeData({ type, length: values.length, data: packBits(values, (v) => v === true), ...valid });
  }
  throw new Error(`checkpoint column type ${String(type)} has no builder`);
}

function utf8Data(type: Utf8, values: Value[], valid: Validity) {
  const strings = values.map((v) => (v == null ? '' : String(v)));
  const valueOffsets = new Int32Array(values.length + 1);
  for (let i = 0; i < strings.length; i++) valueOffsets[i + 1] = valueOffsets[i] + Buffer.byteLength(strings[i]);
  const data = new Uint8Array(Buffer.from(strings.join(''), 'utf8'));
  return makeData({ type, length: values.length, valueOffsets, data, ...valid });
}

function flatten(values: Value[], itemsOf: (v: Value) => Value[]): { offsets: Int32Array; items: Value[] } {
  const offsets = new Int32Array(values.length + 1);
  const items: Value[] = [];
  values.forEach((v, i) => {
    if (v != null) for (const item of itemsOf(v)) items.push(item);
    offsets[i + 1] = items.length;
  });
  return { offsets, items };
}

function packBits(values: Value[], isSet: (v: Value) => boolean): Uint8Array {
  const bits = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => isSet(v) && (bits[i >> 3] |= 1 << (i & 7)));
  return bits;
}

interface Validity {
  nullBitmap?: Uint8Array;
  nullCount: number;
}

function validity(values: Value[]): Validity {
  let nullCount = 0;
  for (const v of values) if (v == null) nullCount++;
  return nullCount === 0 ? { nullCount } : { nullBitmap: packBits(values, (v) => v != null), nullCount };
}

/** A column of `length` nulls, built without looking at any values. */
function nullData(type: DataType, length: number): Data {
  const nulls = { length, nullCount: length, nullBitmap: new Uint8Array((length + 7) >> 3) };
  if (type instanceof Struct) return makeData({ type, ...nulls, children: type.children.map((c) => nullData(c.type, length)) });
  if (type instanceof Map_ || type instanceof List) {
    const child = nullData(type.children[0].type, 0);
    return makeData({ type, ...nulls, valueOffsets: new Int32Array(length + 1), child } as Parameters<typeof makeData>[0]);
  }
  if (type instanceof Utf8) return makeData({ type, ...nulls, valueOffsets: new Int32Array(length + 1), data: new Uint8Array(0) });
  if (type instanceof Int64) return makeData({ type, ...nulls, data: new BigInt64Array(length) });
  if (type instanceof Int32) return makeData({ type, ...nulls, data: new Int32Array(length) });
  if (type instanceof Bool) return makeData({ type, ...nulls, data: new Uint8Array(nulls.nullBitmap.length) });
  throw new Error(`checkpoint column type ${String(type)} has no builder`);
}
