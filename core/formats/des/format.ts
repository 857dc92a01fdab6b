/**
 * The DES2 shard layout (formats.md §4), all integers little-endian:
 * `[header 8: "DES2", version, 0,0,0][payloads][index][footer 12: "DESI", u64 index size]`. The index
 * lists every entry; v2 adds flags (big files kept beside the shard at `_bigFiles/<sha256>`) and meta.
 */
import { LakebenchError } from '../../errors';

export const HEADER_BYTES = 8;
export const FOOTER_BYTES = 12;
export const HEADER_MAGIC = 'DES2';
export const FOOTER_MAGIC = 'DESI';
export const BIG_FILES_DIR = '_bigFiles/';

export const CODECS = { 0: 'none', 1: 'zstd', 2: 'lz4' } as const;
export type CodecName = (typeof CODECS)[keyof typeof CODECS];

export interface DesEntry {
  uid: string;
  /** Absolute offset of the payload in the shard (inline entries). */
  offset: number;
  length: number;
  codec: CodecName;
  compressedSize: number;
  uncompressedSize: number;
  isBigFile: boolean;
  bigFileHash?: string;
  bigFileSize?: number;
  meta?: unknown;
}

export interface ShardIndex {
  version: 1 | 2;
  entries: DesEntry[];
}

/**
 * A shard whose structure is broken: `magic` when it is too small or its header or footer magic is wrong,
 * `index` when the index is cut, points outside the data area or does not fit the shard.
 */
export class ShardFormatError extends LakebenchError {
  constructor(
    readonly part: 'magic' | 'index',
    message: string,
    object: string,
  ) {
    super('CORRUPT', message, { object });
  }
}

/** The shard's format version from its first 8 bytes. */
function parseHeader(bytes: Uint8Array, object: string): 1 | 2 {
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  const version = bytes[4];
  if (bytes.length < HEADER_BYTES || magic !== HEADER_MAGIC) throw new ShardFormatError('magic', `no DES2 header (found "${magic}")`, object);
  if (version !== 1 && version !== 2) throw new ShardFormatError('magic', `unknown DES header version ${version}`, object);
  return version;
}

/** The index size from the last 12 bytes. */
function parseFooter(bytes: Uint8Array, fileSize: number, object: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (bytes.length !== FOOTER_BYTES || magic !== FOOTER_MAGIC) throw new ShardFormatError('magic', `no DESI footer (found "${magic}")`, object);
  const size = Number(view.getBigUint64(4, true));
  if (size > fileSize - HEADER_BYTES - FOOTER_BYTES) {
    throw new ShardFormatError('index', `the footer's index size ${size} does not fit a ${fileSize}-byte shard`, object);
  }
  return size;
}

/**
 * The index of a shard of `size` bytes, read through `read` (byte ranges of the shard: range GETs, or
 * slices of the shard in memory): header and footer, then the index they locate.
 */
export async function readIndex(size: number, read: (offset: number, length: number) => Promise<Uint8Array>, object: string): Promise<{ index: ShardIndex; indexSize: number }> {
  if (size < HEADER_BYTES + FOOTER_BYTES) throw new ShardFormatError('magic', `${size} bytes: too small for a DES shard`, object);
  const [header, footer] = await Promise.all([read(0, HEADER_BYTES), read(size - FOOTER_BYTES, FOOTER_BYTES)]);
  const version = parseHeader(header, object);
  const indexSize = parseFooter(footer, size, object);
  const dataEnd = size - FOOTER_BYTES - indexSize;
  return { index: parseIndex(await read(dataEnd, indexSize), version, dataEnd, object), indexSize };
}

/** Reads the index; every offset and length is checked against the data area. */
function parseIndex(bytes: Uint8Array, version: 1 | 2, dataEnd: number, object: string): ShardIndex {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8', { fatal: true });
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new ShardFormatError('index', `the index ends early (needs ${n} bytes at ${at} of ${bytes.length})`, object);
  };
  const u8 = () => (need(1), view.getUint8(at++));
  const u16 = () => (need(2), (at += 2), view.getUint16(at - 2, true));
  const u32 = () => (need(4), (at += 4), view.getUint32(at - 4, true));
  const u64 = () => {
    need(8);
    at += 8;
    const value = view.getBigUint64(at - 8, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ShardFormatError('index', `a 64-bit field holds ${value}`, object);
    return Number(value);
  };
  const str = (n: number) => (need(n), (at += n), text.decode(bytes.subarray(at - n, at)));
  const json = (n: number): unknown => {
    if (n === 0) return undefined;
    const raw = str(n);
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  };
  const codecOf = (code: number, uid: string): CodecName => {
    const name = CODECS[code as keyof typeof CODECS];
    if (!name) throw new ShardFormatError('index', `entry ${uid}: unknown codec ${code}`, object);
    return name;
  };

  const count = u32();
  const entries: DesEntry[] = [];
  for (let i = 0; i < count; i++) {
    const uid = str(u16());
    const flags = version === 2 ? u8() : 0;
    if (flags & 1) {
      const bigFileHash = str(u16());
      const bigFileSize = u64();
      const meta = json(u32());
      entries.push({ uid, offset: 0, length: 0, codec: 'none', compressedSize: bigFileSize, uncompressedSize: bigFileSize, isBigFile: true, bigFileHash, bigFileSize, meta });
      continue;
    }
    const offset = u64();
    const length = u64();
    const codec = codecOf(u8(), uid);
    const compressedSize = u64();
    const uncompressedSize = u64();
    const meta = version === 2 ? json(u32()) : undefined;
    if (offset < HEADER_BYTES || offset + length > dataEnd) {
      throw new ShardFormatError('index', `entry ${uid}: bytes ${offset}..${offset + length} fall outside the data area (${HEADER_BYTES}..${dataEnd})`, object);
    }
    entries.push({ uid, offset, length, codec, compressedSize, uncompressedSize, isBigFile: false, meta });
  }
  return { version, entries };
}
