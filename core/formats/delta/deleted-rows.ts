/**
 * The rows each live file's deletion vector deletes, read from the table's storage: inline DVs from the
 * log, file DVs by byte range — in place for local tables, through the FileCache for remote ones (the
 * same cache as data files). Every DV file range is checked (size word, CRC-32) and decoded; a DV that
 * deletes a row past the file's row count is CORRUPT. Decoded DVs are remembered per process (a DV is
 * immutable: its file has a fresh UUID name), so queries after the first read none again.
 */
import { readFile } from 'node:fs/promises';
import { LakebenchError } from '../../errors';
import type { FileCache } from '../../storage/cache';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import type { AddFile } from './actions';
import {
  bitmapFromFileRange,
  decodeDeletionVector,
  type DeletionVectorDescriptor,
  deletionVectorOf,
  dvByteRange,
  dvLocation,
  dvUniqueId,
} from './deletion-vector';
import { tableKey } from './paths';
import { statsRecordCount } from './stats';

/** Sorted row positions a DV deletes, and the row count of its data file (at least one past the last position). */
export interface DeletedRows {
  positions: ArrayLike<number>;
  rowCount: number;
}

export interface DeletedRowsOptions {
  /** Where remote DV files are copied; required for remote stores. */
  cache?: FileCache;
  signal?: AbortSignal;
}

/** DV files read at once. */
const READ_CONCURRENCY = 8;
/** Positions held by the memo of decoded DVs (8 bytes each). */
const MEMO_POSITIONS = 20_000_000;
const memo = new Map<string, number[]>();
let memoPositions = 0;

/** The deleted rows of each file, in order; undefined for files without a DV. */
export async function readDeletedRows(
  store: ObjectStore,
  tableUrl: string,
  adds: readonly AddFile[],
  options: DeletedRowsOptions = {},
): Promise<(DeletedRows | undefined)[]> {
  const dvs = adds.map((add) => deletionVectorOf(add, store.url));
  const known = new Map<string, number[]>();
  const wanted = new Map<string, DeletionVectorDescriptor>();
  for (const dv of dvs) {
    if (!dv) continue;
    const key = memoKey(store, dv);
    const held = memo.get(key);
    if (held) known.set(key, held);
    else wanted.set(key, dv);
  }
  await decodeInto(store, tableUrl, [...wanted.values()], known, options);
  return adds.map((add, i) => {
    const dv = dvs[i];
    if (!dv) return undefined;
    const positions = known.get(memoKey(store, dv))!;
    const numRecords = statsRecordCount(add);
    const last = positions.length === 0 ? -1 : positions[positions.length - 1];
    if (numRecords !== undefined && last >= numRecords) {
      throw new LakebenchError('CORRUPT', `the deletion vector of ${add.path} deletes row ${last}, but the file has ${numRecords} rows`, {
        object: dvObject(store, tableUrl, dv),
      });
    }
    return { positions, rowCount: Math.max(numRecords ?? 0, last + 1) };
  });
}

/** The URL of a DV, for messages: its file, or the table for an inline DV. */
export function dvObject(store: ObjectStore, tableUrl: string, dv: DeletionVectorDescriptor): string {
  const location = dvLocation(dv, store.url);
  return location.kind === 'inline' ? store.url : store.urlOf(dvFileKey(location.path, tableUrl));
}

/** Store key of a DV file (relative `u` paths, or an absolute `p` path inside the table). */
export function dvFileKey(path: string, tableUrl: string): string {
  return tableKey(path, tableUrl, 'deletion vector file');
}

function memoKey(store: ObjectStore, dv: DeletionVectorDescriptor): string {
  return `${store.id}\n${dvUniqueId(dv)}`;
}

/** Decodes `dvs` into `decoded` (and the memo). */
async function decodeInto(
  store: ObjectStore,
  tableUrl: string,
  dvs: DeletionVectorDescriptor[],
  decoded: Map<string, number[]>,
  options: DeletedRowsOptions,
): Promise<void> {
  if (dvs.length === 0) return;
  const remember = (dv: DeletionVectorDescriptor, positions: number[]) => {
    decoded.set(memoKey(store, dv), positions);
    rememberInMemo(memoKey(store, dv), positions);
  };
  const files = new Map<string, DeletionVectorDescriptor[]>();
  for (const dv of dvs) {
    const location = dvLocation(dv, store.url);
    if (location.kind === 'inline') remember(dv, decodeDeletionVector(location.bytes, `${store.url} (inline deletion vector)`));
    else {
      const key = dvFileKey(location.path, tableUrl);
      files.set(key, [...(files.get(key) ?? []), dv]);
    }
  }
  const localPaths = store.kind === 'local' ? undefined : await cachedCopies(store, [...files.keys()], options);
  await mapWithConcurrency([...files], READ_CONCURRENCY, async ([key, inFile]) => {
    if (options.signal?.aborted) throw new LakebenchError('CANCELLED', 'reading deletion vectors was cancelled', { object: store.url });
    const object = store.urlOf(key);
    const whole = localPaths ? await readFile(localPaths.get(key)!) : undefined;
    for (const dv of inFile) {
      const location = dvLocation(dv, object) as Extract<ReturnType<typeof dvLocation>, { kind: 'file' }>;
      const range = dvByteRange(location);
      const bytes = whole ? whole.subarray(range.offset, range.offset + range.length) : await readRange(store, key, range, object);
      remember(dv, decodeDeletionVector(bitmapFromFileRange(bytes, dv.sizeInBytes, object), object));
    }
  });
}

/** A byte range of a local DV file; a missing file is NOT_FOUND naming it. */
async function readRange(store: ObjectStore, key: string, range: { offset: number; length: number }, object: string): Promise<Uint8Array> {
  try {
    return await store.get(key, range);
  } catch (e) {
    if (e instanceof LakebenchError && e.code === 'NOT_FOUND') throw new LakebenchError('NOT_FOUND', 'deletion vector file does not exist', { object, cause: e });
    throw e;
  }
}

/** Local copies of remote DV files: their sizes (a HEAD each; the cache needs them), then the cache. */
async function cachedCopies(store: ObjectStore, keys: string[], options: DeletedRowsOptions): Promise<Map<string, string>> {
  if (!options.cache) {
    throw new LakebenchError('USAGE', 'deletion vectors of a remote table need a file cache', { object: store.url });
  }
  const items = await mapWithConcurrency(keys, READ_CONCURRENCY, async (key) => {
    const info = await store.head(key);
    if (!info) throw new LakebenchError('NOT_FOUND', 'deletion vector file does not exist', { object: store.urlOf(key) });
    return { key, size: info.size, etag: info.etag };
  });
  return options.cache.ensureMany(store, items, { signal: options.signal });
}

function rememberInMemo(key: string, positions: number[]): void {
  if (memo.has(key)) return;
  memo.set(key, positions);
  memoPositions += positions.length;
  for (const [old, held] of memo) {
    if (memoPositions <= MEMO_POSITIONS || old === key) break;
    memo.delete(old);
    memoPositions -= held.length;
  }
}
