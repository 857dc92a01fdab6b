/**
 * Deletion vectors (PROTOCOL.md, "Deletion Vectors"): the descriptor an `add` or `remove` carries,
 * its unique id (part of a logical file's identity in replay), where its bitmap is stored, and the
 * bitmap itself from a DV file or inline text. Pure functions over descriptors and bytes.
 *
 * A DV file holds a version byte (1), then per DV at its `offset`: a 4-byte big-endian size, the
 * RoaringBitmapArray, and a 4-byte big-endian CRC-32 of the bitmap. A size or CRC that does not
 * match is CORRUPT naming the file: rows a reader must hide would otherwise reappear.
 */
import { crc32 } from 'node:zlib';
import { LakebenchError } from '../../errors';
import { decodeRoaringBitmapArray } from './roaring';
import { uuidFromBytes, uuidToBytes, z85Decode, z85Encode } from './z85';

export interface DeletionVectorDescriptor {
  /** `u`: a file named from a UUID (relative to the table); `p`: a file at an absolute path; `i`: inline. */
  storageType: 'u' | 'p' | 'i';
  pathOrInlineDv: string;
  /** Where the DV starts in its file (absent for inline DVs; 0 when absent otherwise). */
  offset?: number;
  /** Bytes of the bitmap (before Z85 encoding, for inline DVs). */
  sizeInBytes: number;
  /** Rows the DV deletes. */
  cardinality: number;
  maxRowIndex?: number;
}

/** The version byte at the start of every DV file. */
export const DV_FILE_FORMAT_VERSION = 1;
/** Length of the Z85 text of a UUID; a longer `pathOrInlineDv` starts with a random folder prefix. */
const Z85_UUID_LENGTH = 20;

/** The descriptor of an action's `deletionVector` field, or undefined when it has none. CORRUPT when malformed. */
export function deletionVectorOf(action: { deletionVector?: unknown }, object?: string): DeletionVectorDescriptor | undefined {
  const raw = action.deletionVector;
  if (raw === undefined || raw === null) return undefined;
  const dv = raw as Partial<DeletionVectorDescriptor>;
  const bad = (problem: string): never => {
    throw new LakebenchError('CORRUPT', `deletion vector descriptor ${JSON.stringify(raw)} ${problem}`, { object });
  };
  if (dv.storageType !== 'u' && dv.storageType !== 'p' && dv.storageType !== 'i') bad('has an unknown storageType');
  if (typeof dv.pathOrInlineDv !== 'string' || dv.pathOrInlineDv === '') bad('has no pathOrInlineDv');
  if (!isCount(dv.sizeInBytes) || !isCount(dv.cardinality)) bad('needs whole-number sizeInBytes and cardinality');
  if (dv.offset !== undefined && dv.offset !== null && !isCount(dv.offset)) bad('has an offset that is not a whole number');
  if (dv.storageType === 'u' && dv.pathOrInlineDv!.length < Z85_UUID_LENGTH) bad('is too short for a UUID');
  return dv as DeletionVectorDescriptor;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The DV's unique id (PROTOCOL.md, "Derived Fields"): `<storageType><pathOrInlineDv>[@<offset>]`.
 * With the file's path it identifies a logical file; undefined means "no DV".
 */
export function dvUniqueId(dv: DeletionVectorDescriptor | undefined): string | undefined {
  if (!dv) return undefined;
  const offset = dv.offset === undefined || dv.offset === null ? '' : `@${dv.offset}`;
  return `${dv.storageType}${dv.pathOrInlineDv}${offset}`;
}

/** Where a DV's bitmap is: inline bytes, or a byte range of a file (`path` relative to the table, or absolute). */
export type DvLocation =
  | { kind: 'inline'; bytes: Uint8Array }
  | { kind: 'file'; path: string; absolute: boolean; offset: number; sizeInBytes: number };

export function dvLocation(dv: DeletionVectorDescriptor, object?: string): DvLocation {
  const offset = dv.offset ?? 0;
  switch (dv.storageType) {
    case 'i':
      return { kind: 'inline', bytes: z85Decode(dv.pathOrInlineDv, object).subarray(0, dv.sizeInBytes) };
    case 'p':
      return { kind: 'file', path: dv.pathOrInlineDv, absolute: true, offset, sizeInBytes: dv.sizeInBytes };
    case 'u': {
      const prefix = dv.pathOrInlineDv.slice(0, -Z85_UUID_LENGTH);
      const uuid = uuidFromBytes(z85Decode(dv.pathOrInlineDv.slice(-Z85_UUID_LENGTH), object));
      const name = `deletion_vector_${uuid}.bin`;
      return { kind: 'file', path: prefix ? `${prefix}/${name}` : name, absolute: false, offset, sizeInBytes: dv.sizeInBytes };
    }
  }
}

/** Bytes of a DV file that hold one DV: its size word, bitmap and CRC. */
export function dvByteRange(location: Extract<DvLocation, { kind: 'file' }>): { offset: number; length: number } {
  return { offset: location.offset, length: 4 + location.sizeInBytes + 4 };
}

/**
 * The bitmap of one DV read from its file's bytes at `dvByteRange` (size word, bitmap, CRC), checked.
 * `object` is the DV file's URL, named in every error.
 */
export function bitmapFromFileRange(range: Uint8Array, sizeInBytes: number, object: string): Uint8Array {
  if (range.length < 8 + sizeInBytes) {
    throw new LakebenchError('CORRUPT', `deletion vector file is truncated: ${range.length} bytes where ${8 + sizeInBytes} were expected`, { object });
  }
  const view = new DataView(range.buffer, range.byteOffset, range.byteLength);
  const size = view.getUint32(0);
  if (size !== sizeInBytes) {
    throw new LakebenchError('CORRUPT', `deletion vector size word says ${size} bytes, the log says ${sizeInBytes}`, { object });
  }
  const bitmap = range.subarray(4, 4 + size);
  const stored = view.getUint32(4 + size);
  const actual = crc32(bitmap);
  if (stored !== actual) {
    throw new LakebenchError('CORRUPT', `deletion vector CRC-32 mismatch: stored ${hex(stored)}, computed ${hex(actual)}`, { object });
  }
  return bitmap;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Sorted deleted row positions of a DV's bitmap bytes. */
export function decodeDeletionVector(bitmap: Uint8Array, object: string): number[] {
  return decodeRoaringBitmapArray(bitmap, object);
}

/** A new DV file's bytes (version byte, then each bitmap with its size and CRC) and where each DV starts. */
export function dvFileBytes(bitmaps: readonly Uint8Array[]): { bytes: Uint8Array; offsets: number[] } {
  const bytes = new Uint8Array(1 + bitmaps.reduce((sum, b) => sum + 8 + b.length, 0));
  const view = new DataView(bytes.buffer);
  bytes[0] = DV_FILE_FORMAT_VERSION;
  const offsets: number[] = [];
  let at = 1;
  for (const bitmap of bitmaps) {
    offsets.push(at);
    view.setUint32(at, bitmap.length);
    bytes.set(bitmap, at + 4);
    view.setUint32(at + 4 + bitmap.length, crc32(bitmap));
    at += 8 + bitmap.length;
  }
  return { bytes, offsets };
}

/** `pathOrInlineDv` of a `u` DV stored in `deletion_vector_<uuid>.bin` at the table root. */
export function uuidPathOrInlineDv(uuid: string): string {
  return z85Encode(uuidToBytes(uuid));
}
