/**
 * Delta's RoaringBitmapArray (PROTOCOL.md, "Deletion Vector Format"): a little-endian magic number,
 * then a 64-bit Roaring bitmap in the portable format of the RoaringFormatSpec — a 64-bit bucket
 * count, then per bucket its key (the high 32 bits of its values) and a portable 32-bit Roaring bitmap
 * of the low 32 bits. Decoded to the sorted row positions it holds, and encoded back from them.
 * Delta's older "native" layout (magic 1681511376, big-endian: a bitmap count, then per bitmap its
 * byte size and a portable 32-bit bitmap whose key is its index) is read too: PROTOCOL.md's own
 * inline example uses it.
 *
 * Hand-written: the npm `roaring` package is a native addon whose install downloads a prebuilt binary
 * (or compiles CRoaring), which neither the desktop app nor an offline machine can rely on, and no
 * maintained pure-JS reader of the portable format exists. Positions are JS numbers: exact up to
 * 2^53, far beyond any row count a Parquet file can have.
 */
import { LakebenchError } from '../../errors';

export const ROARING_BITMAP_ARRAY_MAGIC = 1681511377;
const NATIVE_MAGIC = 1681511376;

const SERIAL_COOKIE_NO_RUNCONTAINER = 12346;
const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;
/** Containers of more values than this are bitmaps (8 KiB); others are sorted arrays of 16-bit values. */
const ARRAY_MAX = 4096;
const BITMAP_BYTES = 8192;

class Reader {
  private pos: number;
  constructor(
    private readonly view: DataView,
    start: number,
    private readonly end: number,
    private readonly object: string | undefined,
  ) {
    this.pos = start;
  }
  get offset(): number {
    return this.pos;
  }
  need(bytes: number, what: string): void {
    if (this.pos + bytes > this.end) this.fail(`truncated: ${what} needs ${bytes} bytes at byte ${this.pos}, only ${this.end - this.pos} left`);
  }
  u8(): number {
    this.need(1, 'a byte');
    return this.view.getUint8(this.pos++);
  }
  u16(): number {
    this.need(2, 'a 16-bit value');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4, 'a 32-bit value');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8, 'a 64-bit value');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`64-bit count ${v} is out of range`);
    return Number(v);
  }
  skipTo(offset: number): void {
    if (offset < this.pos || offset > this.end) this.fail(`container offset ${offset} is outside the bitmap`);
    this.pos = offset;
  }
  fail(problem: string): never {
    throw new LakebenchError('CORRUPT', `deletion vector bitmap is not a valid RoaringBitmapArray: ${problem}`, { object: this.object });
  }
}

/**
 * Sorted row positions of a serialized RoaringBitmapArray (magic first). `object` names the DV (file
 * or inline descriptor) in errors; a malformed bitmap is CORRUPT, never read as fewer deletions.
 */
export function decodeRoaringBitmapArray(bytes: Uint8Array, object?: string): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new Reader(view, 0, bytes.byteLength, object);
  if (bytes.byteLength >= 4 && view.getUint32(0) === NATIVE_MAGIC) return decodeNative(view, reader);
  const magic = reader.u32();
  if (magic !== ROARING_BITMAP_ARRAY_MAGIC) reader.fail(`magic number ${magic}, expected ${ROARING_BITMAP_ARRAY_MAGIC}`);
  const buckets = reader.u64();
  const positions: number[] = [];
  let previousKey = -1;
  for (let b = 0; b < buckets; b++) {
    const key = reader.u32();
    if (key >= 0x80000000) reader.fail(`bucket key ${key} has its most significant bit set`);
    if (key <= previousKey) reader.fail(`bucket keys are not ascending (${key} after ${previousKey})`);
    previousKey = key;
    readPortable32(reader, key * 2 ** 32, positions);
  }
  if (reader.offset !== bytes.byteLength) reader.fail(`${bytes.byteLength - reader.offset} bytes follow the last bucket`);
  return positions;
}

/** The native layout: big-endian counts around little-endian portable 32-bit bitmaps. */
function decodeNative(view: DataView, reader: Reader): number[] {
  reader.need(8, 'the native header');
  const count = view.getUint32(4);
  reader.skipTo(8);
  const positions: number[] = [];
  for (let key = 0; key < count; key++) {
    reader.need(4, 'a bitmap size');
    const size = view.getUint32(reader.offset);
    reader.skipTo(reader.offset + 4);
    const end = reader.offset + size;
    readPortable32(reader, key * 2 ** 32, positions);
    if (reader.offset !== end) reader.fail(`bitmap ${key} is ${reader.offset - end + size} bytes, its size says ${size}`);
  }
  if (reader.offset !== view.byteLength) reader.fail(`${view.byteLength - reader.offset} bytes follow the last bitmap`);
  return positions;
}

/** One portable 32-bit Roaring bitmap; its values (plus `high`) are appended to `out`. */
function readPortable32(reader: Reader, high: number, out: number[]): void {
  const start = reader.offset;
  const cookie = reader.u32();
  let size: number;
  let runFlags: Uint8Array | undefined;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1;
    const flagBytes = Math.ceil(size / 8);
    runFlags = new Uint8Array(flagBytes);
    for (let i = 0; i < flagBytes; i++) runFlags[i] = reader.u8();
  } else if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    size = reader.u32();
  } else {
    return reader.fail(`unknown cookie ${cookie}`);
  }
  if (size > 65536) reader.fail(`${size} containers (at most 65536)`);
  const keys = new Array<number>(size);
  const cardinalities = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    keys[i] = reader.u16();
    cardinalities[i] = reader.u16() + 1;
    if (i > 0 && keys[i] <= keys[i - 1]) reader.fail(`container keys are not ascending`);
  }
  const hasOffsets = !runFlags || size >= NO_OFFSET_THRESHOLD;
  const offsets = hasOffsets ? Array.from({ length: size }, () => reader.u32()) : undefined;
  for (let i = 0; i < size; i++) {
    if (offsets) reader.skipTo(start + offsets[i]);
    const base = high + keys[i] * 65536;
    const isRun = runFlags !== undefined && (runFlags[i >> 3] & (1 << (i & 7))) !== 0;
    if (isRun) readRuns(reader, base, cardinalities[i], out);
    else if (cardinalities[i] > ARRAY_MAX) readBitmap(reader, base, cardinalities[i], out);
    else readArray(reader, base, cardinalities[i], out);
  }
}

function readArray(reader: Reader, base: number, cardinality: number, out: number[]): void {
  let previous = -1;
  for (let j = 0; j < cardinality; j++) {
    const value = reader.u16();
    if (value <= previous) reader.fail('array container values are not ascending');
    previous = value;
    out.push(base + value);
  }
}

function readBitmap(reader: Reader, base: number, cardinality: number, out: number[]): void {
  reader.need(BITMAP_BYTES, 'a bitmap container');
  let found = 0;
  for (let word = 0; word < BITMAP_BYTES / 4; word++) {
    let bits = reader.u32();
    while (bits !== 0) {
      const bit = 31 - Math.clz32(bits & -bits);
      out.push(base + word * 32 + bit);
      bits &= bits - 1;
      found++;
    }
  }
  if (found !== cardinality) reader.fail(`bitmap container holds ${found} values, its header says ${cardinality}`);
}

function readRuns(reader: Reader, base: number, cardinality: number, out: number[]): void {
  const runs = reader.u16();
  let found = 0;
  let previousEnd = -1;
  for (let r = 0; r < runs; r++) {
    const start = reader.u16();
    const length = reader.u16() + 1;
    if (start <= previousEnd || start + length > 65536) reader.fail('run container runs overlap or overflow');
    previousEnd = start + length - 1;
    for (let v = start; v < start + length; v++) out.push(base + v);
    found += length;
  }
  if (found !== cardinality) reader.fail(`run container holds ${found} values, its header says ${cardinality}`);
}

/**
 * The RoaringBitmapArray (magic first) of sorted, distinct row positions. Containers are arrays or
 * bitmaps (no run containers: every reader must read those two, and it keeps the writer simple).
 */
export function encodeRoaringBitmapArray(positions: readonly number[]): Uint8Array {
  const buckets = new Map<number, number[]>();
  let previous = -1;
  for (const position of positions) {
    if (!Number.isSafeInteger(position) || position <= previous) {
      throw new LakebenchError('USAGE', 'deletion vector positions must be distinct whole numbers in ascending order');
    }
    previous = position;
    const key = Math.floor(position / 2 ** 32);
    let low = buckets.get(key);
    if (!low) buckets.set(key, (low = []));
    low.push(position - key * 2 ** 32);
  }
  const parts: Uint8Array[] = [];
  const head = new DataView(new ArrayBuffer(12));
  head.setUint32(0, ROARING_BITMAP_ARRAY_MAGIC, true);
  head.setBigUint64(4, BigInt(buckets.size), true);
  parts.push(new Uint8Array(head.buffer));
  for (const [key, low] of buckets) {
    const keyBytes = new DataView(new ArrayBuffer(4));
    keyBytes.setUint32(0, key, true);
    parts.push(new Uint8Array(keyBytes.buffer), encodePortable32(low));
  }
  return Buffer.concat(parts);
}

function encodePortable32(values: readonly number[]): Uint8Array {
  const containers: { key: number; values: number[] }[] = [];
  for (const value of values) {
    const key = value >>> 16;
    const last = containers.at(-1);
    if (last?.key === key) last.values.push(value & 0xffff);
    else containers.push({ key, values: [value & 0xffff] });
  }
  const size = containers.length;
  const headerBytes = 8 + 4 * size + 4 * size;
  const bodies = containers.map(({ values: low }) => {
    if (low.length > ARRAY_MAX) {
      const words = new Uint32Array(BITMAP_BYTES / 4);
      for (const v of low) words[v >>> 5] |= 1 << (v & 31);
      return littleEndianWords(words);
    }
    const body = new DataView(new ArrayBuffer(low.length * 2));
    low.forEach((v, i) => body.setUint16(i * 2, v, true));
    return new Uint8Array(body.buffer);
  });
  const header = new DataView(new ArrayBuffer(headerBytes));
  header.setUint32(0, SERIAL_COOKIE_NO_RUNCONTAINER, true);
  header.setUint32(4, size, true);
  let offset = headerBytes;
  containers.forEach(({ key, values: low }, i) => {
    header.setUint16(8 + 4 * i, key, true);
    header.setUint16(10 + 4 * i, low.length - 1, true);
    header.setUint32(8 + 4 * size + 4 * i, offset, true);
    offset += bodies[i].length;
  });
  return Buffer.concat([new Uint8Array(header.buffer), ...bodies]);
}

function littleEndianWords(words: Uint32Array): Uint8Array {
  const view = new DataView(new ArrayBuffer(words.length * 4));
  words.forEach((w, i) => view.setUint32(i * 4, w, true));
  return new Uint8Array(view.buffer);
}
