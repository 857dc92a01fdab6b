/**
 * Checkpoints → actions (PROTOCOL.md, "Checkpoints"). A Parquet checkpoint holds one action a row in
 * one of the top-level struct columns (add/remove/metaData/protocol/txn/domainMetadata, and in the v2
 * spec checkpointMetadata/sidecar); the others are null. A UUID-named v2 checkpoint may be JSON lines
 * instead, and a v2 checkpoint may keep its add/remove actions in sidecar Parquet files under
 * `_delta_log/_sidecars/`, which are read here too. Big tables have checkpoints of hundreds of
 * thousands of rows, so the Arrow columns are converted column by column (one pass over each buffer)
 * instead of row by row through Arrow's generic accessors.
 */
import { type Data, DataType, makeVector, tableFromIPC, type Vector } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { LakebenchError } from '../../errors';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectInfo, ObjectStore } from '../../storage/types';
import type { Action, AddFile, DomainMetadata, Metadata, Protocol, RemoveFile, Txn } from './actions';
import { SIDECAR_DIR } from './log-files';
import { parseCommit } from './parse';
import { decodedPath } from './replay';

/** The action columns replay needs, and the v2 spec's sidecar references; commitInfo and the like are not read. */
const ACTION_COLUMNS = ['add', 'remove', 'metaData', 'protocol', 'txn', 'domainMetadata', 'sidecar'] as const;
type ActionColumn = (typeof ACTION_COLUMNS)[number];

/** Sidecar files read at once. */
const SIDECAR_CONCURRENCY = 8;

/**
 * Every action of a checkpoint (its parts, or one UUID-named file in JSON or Parquet), with the file
 * actions of the sidecars it names read in. A sidecar that is missing fails the read (NOT_FOUND
 * naming it): a checkpoint without its file actions is not the table.
 */
export async function loadCheckpoint(store: ObjectStore, parts: ObjectInfo[]): Promise<Action[]> {
  const actions = await readCheckpointFiles(store, parts);
  const sidecars = sidecarKeysIn(actions);
  if (sidecars.length === 0) return actions;
  const fileActions = await mapWithConcurrency(sidecars, SIDECAR_CONCURRENCY, async (key) => readCheckpointParts([await store.get(key)], store.urlOf(key)));
  return [...actions.filter((a) => !('other' in a)), ...fileActions.flat()];
}

/** Keys of the sidecars a checkpoint names (what log cleanup must keep while the checkpoint stays). */
export async function checkpointSidecars(store: ObjectStore, parts: ObjectInfo[]): Promise<string[]> {
  return sidecarKeysIn(await readCheckpointFiles(store, parts));
}

/** The actions of the checkpoint's own files (sidecar references unexpanded). */
async function readCheckpointFiles(store: ObjectStore, parts: ObjectInfo[]): Promise<Action[]> {
  const read = await Promise.all(
    parts.map(async (part) => {
      const bytes = await store.get(part.key);
      const url = store.urlOf(part.key);
      return part.key.endsWith('.json') ? parseCommit(bytes, url) : readCheckpointParts([bytes], url);
    }),
  );
  return read.flat();
}

function sidecarKeysIn(actions: Action[]): string[] {
  return actions.flatMap((a) => ('other' in a && isSidecar(a.other.sidecar) ? [sidecarKey(a.other.sidecar.path)] : []));
}

function isSidecar(value: unknown): value is { path: string } {
  return typeof value === 'object' && value !== null && typeof (value as { path?: unknown }).path === 'string';
}

/** Store key of a sidecar: its path is a file name in `_delta_log/_sidecars/` (or a URI ending in one). */
export function sidecarKey(path: string): string {
  const name = decodedPath(path).split('/').pop()!;
  return `${SIDECAR_DIR}${name}`;
}

/**
 * Struct fields left out: `stats_parsed`/`partitionValues_parsed` duplicate the string forms (which
 * the protocol requires whenever statistics are kept), and they can be wide.
 */
const SKIPPED_FIELDS = new Set(['stats_parsed', 'partitionValues_parsed']);

/** Actions of a checkpoint given as its parts' bytes (one part for a classic checkpoint). */
export function readCheckpointParts(parts: Uint8Array[], objectUrl: string): Action[] {
  const actions: Action[] = [];
  for (const part of parts) {
    for (const action of readCheckpointPart(part, objectUrl)) actions.push(action);
  }
  return actions;
}

function readCheckpointPart(bytes: Uint8Array, objectUrl: string): Action[] {
  let vectors: Partial<Record<ActionColumn, Vector>>;
  try {
    const table = tableFromIPC(readParquet(bytes).intoIPCStream());
    vectors = Object.fromEntries(
      ACTION_COLUMNS.flatMap((name) => {
        const vector = table.getChild(name);
        return vector ? [[name, vector]] : [];
      }),
    );
  } catch (e) {
    throw new LakebenchError('CORRUPT', `checkpoint is not a readable Parquet file: ${(e as Error).message}`, {
      object: objectUrl,
      cause: e,
    });
  }
  const actions: Action[] = [];
  for (const name of ACTION_COLUMNS) {
    const vector = vectors[name];
    if (!vector) continue;
    const values = vectorValues(vector);
    for (const value of values) {
      if (value !== null) actions.push(checkpointAction(name, value as Record<string, unknown>));
    }
  }
  return actions;
}

/**
 * Checkpoint rows store optional maps as null where commit JSON has `{}`; replay expects objects.
 * Literal keys (not `{ [column]: value }`) keep the action objects in V8's fast shapes, which makes
 * replaying 100,000s of them several times faster.
 */
function checkpointAction(column: ActionColumn, value: Record<string, unknown>): Action {
  switch (column) {
    case 'domainMetadata':
      value.removed ??= false;
      return { domainMetadata: value as unknown as DomainMetadata };
    case 'sidecar':
      return { other: { sidecar: value } };
    case 'add':
      value.partitionValues ??= {};
      return { add: value as unknown as AddFile };
    case 'remove':
      return { remove: value as unknown as RemoveFile };
    case 'metaData':
      return { metaData: value as unknown as Metadata };
    case 'protocol':
      return { protocol: value as unknown as Protocol };
    case 'txn':
      return { txn: value as unknown as Txn };
  }
}

function vectorValues(vector: Vector): unknown[] {
  const values: unknown[] = [];
  for (const data of vector.data) {
    for (const value of dataValues(data)) values.push(value);
  }
  return values;
}

/**
 * JS values of one Arrow chunk: objects for structs, records for maps, arrays for lists, numbers for
 * 64-bit ints, null where the validity bitmap says so. Most rows of a checkpoint leave most action
 * columns null, so all-null chunks and null struct rows cost nothing.
 */
function dataValues(data: Data): unknown[] {
  const { type, length } = data;
  const isValid = validity(data);
  if (data.nullCount === length) return new Array(length).fill(null);
  if (DataType.isStruct(type)) {
    const children = data.children.flatMap((child, i) => {
      const name = type.children[i].name;
      return SKIPPED_FIELDS.has(name) ? [] : [{ name, values: dataValues(child) }];
    });
    const values = new Array(length);
    for (let i = 0; i < length; i++) {
      if (!isValid(i)) {
        values[i] = null;
        continue;
      }
      const row: Record<string, unknown> = {};
      // Null fields are absent fields in the JSON form of an action.
      for (const child of children) if (child.values[i] !== null) row[child.name] = child.values[i];
      values[i] = row;
    }
    return values;
  }
  if (DataType.isMap(type)) {
    const entries = data.children[0];
    const keys = dataValues(entries.children[0]);
    const items = dataValues(entries.children[1]);
    return ranges(data, isValid, (start, end) => {
      const record: Record<string, unknown> = {};
      for (let j = start; j < end; j++) record[keys[j] as string] = items[j];
      return record;
    });
  }
  if (DataType.isList(type)) {
    const items = dataValues(data.children[0]);
    return ranges(data, isValid, (start, end) => items.slice(start, end));
  }
  if (DataType.isUtf8(type)) return utf8Values(data, isValid);
  if (DataType.isInt(type) || DataType.isFloat(type)) {
    const buffer = data.values as ArrayLike<number | bigint>;
    const values = new Array(length);
    for (let i = 0; i < length; i++) values[i] = isValid(i) ? Number(buffer[data.offset + i]) : null;
    return values;
  }
  if (DataType.isBool(type)) {
    const bits = data.values as Uint8Array;
    const values = new Array(length);
    for (let i = 0; i < length; i++) values[i] = isValid(i) ? bitSet(bits, data.offset + i) : null;
    return values;
  }
  // Rare types (timestamps in old commitInfo columns, binary, …): Arrow's generic accessors.
  return Array.from(makeVector(data), (v, i) => (isValid(i) ? (typeof v === 'bigint' ? Number(v) : v) : null));
}

const bitSet = (bits: Uint8Array, index: number) => (bits[index >> 3] & (1 << (index & 7))) !== 0;

/** Validity test for row `i` of a chunk, read straight from the bitmap (Data.getValid is slow per call). */
function validity(data: Data): (i: number) => boolean {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) return () => true;
  return (i) => bitSet(bitmap, data.offset + i);
}

/** Values of a list-like chunk (list, map) from its offsets. */
function ranges(data: Data, isValid: (i: number) => boolean, make: (start: number, end: number) => unknown): unknown[] {
  const offsets = data.valueOffsets as Int32Array;
  const values = new Array(data.length);
  for (let i = 0; i < data.length; i++) {
    values[i] = isValid(i) ? make(offsets[data.offset + i], offsets[data.offset + i + 1]) : null;
  }
  return values;
}

const decoder = new TextDecoder();

/** Decodes the whole string buffer once; per-value decoding is only needed when it holds non-ASCII bytes. */
function utf8Values(data: Data, isValid: (i: number) => boolean): unknown[] {
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const first = offsets[data.offset];
  const last = offsets[data.offset + data.length];
  const text = decoder.decode(bytes.subarray(first, last));
  const ascii = text.length === last - first;
  const values = new Array(data.length);
  for (let i = 0; i < data.length; i++) {
    if (!isValid(i)) {
      values[i] = null;
      continue;
    }
    const start = offsets[data.offset + i];
    const end = offsets[data.offset + i + 1];
    values[i] = ascii ? text.slice(start - first, end - first) : decoder.decode(bytes.subarray(start, end));
  }
  return values;
}
