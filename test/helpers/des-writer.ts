/** Writes DES2 shards and sidecars following formats.md §4, for tests (the engine does not write DES yet). */
import { createHash } from 'node:crypto';
import { compress as zstdCompress } from '@bokuweb/zstd-wasm';
import { zstdLoaded } from '../../core/formats/des/codecs';
import lz4 from 'lz4-napi';

export interface TestEntry {
  uid: string;
  bytes: Uint8Array;
  codec?: 'none' | 'zstd' | 'lz4';
  meta?: unknown;
  /** Stored at `_bigFiles/<sha256>` beside the shard (v2 only). */
  bigFile?: boolean;
  createdAt?: string;
}

const CODE = { none: 0, zstd: 1, lz4: 2 } as const;

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The shard's bytes, the big files to place beside it, and a sidecar. */
export async function writeShard(name: string, entries: TestEntry[], version: 1 | 2 = 2, tombstones: { uid: string; reason: string }[] = []) {
  await zstdLoaded();
  const chunks: Buffer[] = [Buffer.from([...Buffer.from('DES2'), version, 0, 0, 0])];
  let offset = 8;
  const index: Buffer[] = [];
  const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
  const u64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
  const str = (s: string, len: (n: number) => Buffer) => { const b = Buffer.from(s); return Buffer.concat([len(b.length), b]); };
  const bigFiles = new Map<string, Uint8Array>();
  const sidecarIndex: Record<string, unknown> = {};
  index.push(u32(entries.length));
  for (const e of entries) {
    const meta = e.meta === undefined ? '' : JSON.stringify(e.meta);
    const created = e.createdAt ?? '2026-11-23T10:00:00Z';
    sidecarIndex[`${e.uid}:${created}`] = { uid: e.uid, uncompressed_size: e.bytes.length, is_bigfile: !!e.bigFile, meta: e.meta ?? null, checksum: sha256(e.bytes), checksum_algo: 'sha256', created_at: created };
    index.push(str(e.uid, u16));
    if (e.bigFile) {
      bigFiles.set(sha256(e.bytes), e.bytes);
      index.push(Buffer.from([1]), str(sha256(e.bytes), u16), u64(e.bytes.length), str(meta, u32));
      continue;
    }
    const codec = e.codec ?? 'none';
    const payload = codec === 'zstd' ? Buffer.from(zstdCompress(Buffer.from(e.bytes), 3)) : codec === 'lz4' ? lz4.compressFrameSync(Buffer.from(e.bytes)) : Buffer.from(e.bytes);
    if (version === 2) index.push(Buffer.from([0]));
    index.push(u64(offset), u64(payload.length), Buffer.from([CODE[codec]]), u64(payload.length), u64(e.bytes.length));
    if (version === 2) index.push(str(meta, u32));
    chunks.push(payload);
    offset += payload.length;
  }
  const indexBytes = Buffer.concat(index);
  chunks.push(indexBytes, Buffer.concat([Buffer.from('DESI'), u64(indexBytes.length)]));
  const shard = Buffer.concat(chunks);
  const sidecar = {
    version: 1,
    shard_file: `${name}.des`,
    shard_size: shard.length,
    index: sidecarIndex,
    tombstones: Object.fromEntries(tombstones.map((t) => [`${t.uid}:2026-11-23T10:00:00Z`, { uid: t.uid, deleted_at: '2026-11-23T11:00:00Z', reason: t.reason }])),
    stats: { entries: entries.length, deleted_files: tombstones.length, deletion_ratio: tombstones.length / Math.max(1, entries.length) },
  };
  return { shard, bigFiles, sidecar: JSON.stringify(sidecar) };
}
