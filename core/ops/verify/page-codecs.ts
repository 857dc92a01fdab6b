/**
 * Decompression of one Parquet page body with native codecs, for the page walk of --deep: a page
 * that does not decompress, or not to the size its header states, is corrupt whatever its values. The
 * codecs are libraries, not ours: node:zlib (gzip, brotli, zstd), lz4-napi (LZ4_RAW) and hyparquet's
 * snappy (plain JS, fast enough for snappy's simple format). zlib's async calls run on libuv's thread
 * pool, so decompression leaves the main thread free without a worker of our own. LZO and the legacy
 * LZ4 (Hadoop framing, deprecated by the format) have no decompressor here: DuckDB's decode alone
 * covers their pages.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { decompress as zstdWasmDecompress } from '@bokuweb/zstd-wasm';
import type { CompressionCodec } from 'hyparquet';
import { snappyUncompress } from 'hyparquet';
import lz4 from 'lz4-napi';
import { zstdLoaded } from '../../formats/des/codecs';

/** A page's compressed bytes → its bytes, given the size the header states (a bound on the output). */
export type Decompress = (body: Uint8Array, size: number) => Promise<Uint8Array>;

/** Output one byte past the stated size is enough to tell "too big" without inflating a bomb. */
const bounded = (size: number) => ({ maxOutputLength: size + 1 });

/**
 * Snappy and LZ4 allocate the stated size up front; neither format inflates beyond this ratio (LZ4's
 * bound; snappy's is lower), so a bigger claim is a corrupt header, refused before a huge allocation.
 */
const MAX_BLOCK_RATIO = 255;
function allocation(body: Uint8Array, size: number): number {
  if (size > body.length * MAX_BLOCK_RATIO + 64) throw new Error(`${body.length} bytes cannot hold ${size}`);
  return size;
}

const unzip = promisify(zlib.unzip);
const brotliDecompress = promisify(zlib.brotliDecompress);

export const zstdNative: Decompress = (body, size) => promisify(zlib.zstdDecompress)(body, bounded(size));

export const zstdWasm: Decompress = async (body) => {
  await zstdLoaded();
  return zstdWasmDecompress(body.slice()); // a copy: the wasm binding reads the view's whole buffer
};

const DECOMPRESSORS: Partial<Record<CompressionCodec, Decompress>> = {
  UNCOMPRESSED: async (body) => body,
  SNAPPY: async (body, size) => {
    const out = new Uint8Array(allocation(body, size));
    snappyUncompress(body, out); // throws unless the stream fills `out` exactly
    return out;
  },
  // unzip takes gzip and zlib headers alike: old writers put either under GZIP.
  GZIP: (body, size) => unzip(body, bounded(size)),
  BROTLI: (body, size) => brotliDecompress(body, bounded(size)),
  // node:zlib has zstd from Node 22.15; package.json allows 22.12, where the WebAssembly build serves.
  ZSTD: typeof zlib.zstdDecompress === 'function' ? zstdNative : zstdWasm,
  // lz4-napi takes a raw block behind its little-endian size, which Parquet keeps in the page header.
  LZ4_RAW: (body, size) => {
    const framed = Buffer.allocUnsafe(4 + body.length);
    framed.writeUInt32LE(allocation(body, size), 0);
    framed.set(body, 4);
    return lz4.uncompress(framed);
  },
};

/**
 * What is wrong with a page body compressed with `codec` that should hold `size` bytes, or undefined
 * when it decompresses to exactly that (or `codec` has no decompressor here).
 */
export async function decompressionProblem(codec: CompressionCodec, body: Uint8Array, size: number): Promise<string | undefined> {
  const decompress = DECOMPRESSORS[codec];
  if (!decompress) return undefined;
  let out: Uint8Array;
  try {
    out = await decompress(body, size);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return `decompresses to more than the ${size} bytes its header states`;
    return `does not decompress (${codec}: ${(e as Error).message})`;
  }
  return out.length === size ? undefined : `holds ${out.length} bytes uncompressed, its header states ${size}`;
}
