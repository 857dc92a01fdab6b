/**
 * v3 deletion vectors (Puffin spec, blob type `deletion-vector-v1`): the positions deleted from one
 * data file, read from a Puffin file at the manifest's content_offset / content_size_in_bytes.
 * Blob layout: 4-byte big-endian length, magic D1 D3 39 64, a 64-bit Roaring bitmap in its portable
 * serialization, then a big-endian CRC-32 of magic + bitmap.
 *
 * The Roaring decoding is written here because the npm Roaring packages are native builds fetched at
 * install time (`roaring`) or unmaintained; reading the portable format is a page of code, and the
 * result is kept as ranges of consecutive positions, which is what the SQL view consumes.
 */
import { crc32 } from 'node:zlib';
import { LakebenchError } from '../../errors';

/** Inclusive ranges [first, last] of deleted row positions, ascending. */
export type PositionRanges = [number, number][];

const MAGIC = [0xd1, 0xd3, 0x39, 0x64];
const SERIAL_COOKIE_NO_RUNCONTAINER = 12346;
const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;
const ARRAY_CONTAINER_MAX = 4096;

export function readDeletionVector(blob: Uint8Array, object: string): PositionRanges {
  const corrupt = (why: string) => new LakebenchError('CORRUPT', `deletion vector ${why}`, { object });
  if (blob.length < 12) throw corrupt(`is ${blob.length} bytes, too short`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const length = view.getUint32(0, false);
  if (length + 8 !== blob.length) throw corrupt(`says ${length} bytes of bitmap but the blob holds ${blob.length - 8}`);
  if (!MAGIC.every((byte, i) => blob[4 + i] === byte)) throw corrupt('lacks the magic bytes D1 D3 39 64');
  const body = blob.subarray(4, 4 + length);
  if (crc32(body) !== view.getUint32(4 + length, false)) throw corrupt('fails its CRC-32 check');
  try {
    return readRoaring64(body.subarray(4));
  } catch (e) {
    throw e instanceof LakebenchError ? e : corrupt(`bitmap does not decode: ${(e as Error).message}`);
  }
}

/** Portable 64-bit Roaring: a count of 32-bit bitmaps, each after its 32-bit high key. */
function readRoaring64(data: Uint8Array): PositionRanges {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = Number(view.getBigUint64(0, true));
  const ranges: PositionRanges = [];
  let offset = 8;
  for (let i = 0; i < count; i++) {
    const high = view.getUint32(offset, true) * 2 ** 32;
    offset = readRoaring32(data, offset + 4, high, ranges);
  }
  return ranges;
}

/** Appends the bitmap's values (+ base) as ranges; returns the offset just past it. */
function readRoaring32(data: Uint8Array, start: number, base: number, ranges: PositionRanges): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = start;
  const cookie = view.getUint32(offset, true);
  offset += 4;
  let size: number;
  let runFlags: Uint8Array | undefined;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1;
    runFlags = data.subarray(offset, offset + Math.ceil(size / 8));
    offset += runFlags.length;
  } else if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    size = view.getUint32(offset, true);
    offset += 4;
  } else throw new Error(`unknown Roaring cookie ${cookie}`);

  const keys: number[] = [];
  const cardinalities: number[] = [];
  for (let i = 0; i < size; i++) {
    keys.push(view.getUint16(offset, true));
    cardinalities.push(view.getUint16(offset + 2, true) + 1);
    offset += 4;
  }
  if (!runFlags || size >= NO_OFFSET_THRESHOLD) offset += 4 * size; // container offsets: not needed reading in order

  const add = (first: number, last: number) => {
    const previous = ranges[ranges.length - 1];
    if (previous && previous[1] + 1 === first) previous[1] = last;
    else ranges.push([first, last]);
  };
  for (let i = 0; i < size; i++) {
    const containerBase = base + keys[i]! * 65536;
    const isRun = runFlags !== undefined && (runFlags[i >> 3]! & (1 << (i & 7))) !== 0;
    if (isRun) {
      const runs = view.getUint16(offset, true);
      offset += 2;
      for (let r = 0; r < runs; r++) {
        const value = view.getUint16(offset, true);
        const extra = view.getUint16(offset + 2, true);
        add(containerBase + value, containerBase + value + extra);
        offset += 4;
      }
    } else if (cardinalities[i]! > ARRAY_CONTAINER_MAX) {
      for (let word = 0; word < 2048; word++) {
        const bits = view.getUint32(offset + word * 4, true);
        for (let bit = 0; bits !== 0 && bit < 32; bit++) {
          if (bits & (1 << bit)) add(containerBase + word * 32 + bit, containerBase + word * 32 + bit);
        }
      }
      offset += 8192;
    } else {
      for (let v = 0; v < cardinalities[i]!; v++) {
        const value = containerBase + view.getUint16(offset, true);
        add(value, value);
        offset += 2;
      }
    }
  }
  return offset;
}
