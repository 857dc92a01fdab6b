/** DES payload codecs: zstd frames (@bokuweb/zstd-wasm) and LZ4 frames (lz4-napi); 0 = stored as is. */
import { compress as zstdCompress, decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import lz4 from 'lz4-napi';
import { LakebenchError } from '../../errors';
import type { CodecName } from './format';

let zstdReady: Promise<void> | undefined;

/** Loads the zstd WebAssembly once per process: a second init() of @bokuweb/zstd-wasm breaks the first. */
export function zstdLoaded(): Promise<void> {
  return (zstdReady ??= zstdInit());
}

export async function decodePayload(codec: CodecName, bytes: Uint8Array, expectedSize: number, object: string): Promise<Uint8Array> {
  let out: Uint8Array;
  try {
    if (codec === 'none') out = bytes;
    else if (codec === 'zstd') {
      await zstdLoaded();
      out = zstdDecompress(bytes.slice()); // a copy: the wasm binding reads the view's whole buffer
    } else out = lz4.decompressFrameSync(Buffer.from(bytes));
  } catch (e) {
    throw new LakebenchError('CORRUPT', `the ${codec} payload does not decompress: ${(e as Error).message}`, { object, cause: e });
  }
  if (out.length !== expectedSize) {
    throw new LakebenchError('CORRUPT', `decompressed to ${out.length} bytes, the index records ${expectedSize}`, { object });
  }
  return out;
}

/** The payload as stored with `codec` (zstd at `level`, default 3). */
export async function encodePayload(codec: CodecName, bytes: Uint8Array, level = 3): Promise<Uint8Array> {
  if (codec === 'none') return bytes;
  if (codec === 'zstd') {
    await zstdLoaded();
    return zstdCompress(bytes.slice(), level);
  }
  return lz4.compressFrameSync(Buffer.from(bytes));
}
