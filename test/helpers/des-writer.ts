/** Builds DES2 shards and sidecars for tests from plain entries, with the engine's writer (core/formats/des/writer.ts). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { encodePayload } from '../../core/formats/des/codecs';
import { buildSidecar, sidecarBytes, type Tombstone } from '../../core/formats/des/sidecar';
import { memorySink, ShardWriter } from '../../core/formats/des/writer';

export interface TestEntry {
  uid: string;
  bytes: Uint8Array;
  codec?: 'none' | 'zstd' | 'lz4';
  meta?: unknown;
  /** Stored at `_bigFiles/<sha256>` beside the shard (v2 only). */
  bigFile?: boolean;
  createdAt?: string;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const CREATED = '2026-11-23T10:00:00Z';

/** The shard's bytes, the big files to place beside it, and a sidecar. */
export async function writeShard(name: string, entries: TestEntry[], version: 1 | 2 = 2, tombstones: { uid: string; reason: string }[] = []) {
  const { sink, bytes } = memorySink();
  const writer = new ShardWriter(sink, version);
  const bigFiles = new Map<string, Uint8Array>();
  const written = [];
  for (const e of entries) {
    const facts = { createdAt: e.createdAt ?? CREATED, checksum: sha256(e.bytes) };
    if (e.bigFile) {
      bigFiles.set(facts.checksum, e.bytes);
      written.push({ entry: writer.addBigFile({ uid: e.uid, bigFileHash: facts.checksum, bigFileSize: e.bytes.length, meta: e.meta }), facts });
      continue;
    }
    const codec = e.codec ?? 'none';
    const payload = await encodePayload(codec, e.bytes);
    written.push({ entry: await writer.addInline({ uid: e.uid, codec, payload, uncompressedSize: e.bytes.length, meta: e.meta }), facts });
  }
  const { size } = await writer.finish();
  const stones: Tombstone[] = tombstones.map((t) => ({ uid: t.uid, created_at: CREATED, deleted_at: '2026-11-23T11:00:00Z', reason: t.reason }));
  const sidecar = buildSidecar({ shardFile: `${name}.des`, shardSize: size, entries: written, tombstones: stones, now: new Date(CREATED) });
  return { shard: bytes(), bigFiles, sidecar: sidecarBytes(sidecar) };
}

/** Writes shards (with sidecars unless `sidecar: false`) and their big files into the folder `dir`. */
export async function writeArchive(
  dir: string,
  shards: { name: string; entries: TestEntry[]; version?: 1 | 2; tombstones?: { uid: string; reason: string }[]; sidecar?: boolean }[],
): Promise<void> {
  await mkdir(join(dir, '_bigFiles'), { recursive: true });
  for (const s of shards) {
    const { shard, sidecar, bigFiles } = await writeShard(s.name, s.entries, s.version ?? 2, s.tombstones ?? []);
    await writeFile(join(dir, `${s.name}.des`), shard);
    if (s.sidecar !== false) await writeFile(join(dir, `${s.name}.meta`), sidecar);
    for (const [hash, bytes] of bigFiles) await writeFile(join(dir, '_bigFiles', hash), bytes);
  }
}

/** `<date>_<HEX uid % buckets>_0001`: the shard DES puts a numeric uid in. */
export const shardOf = (uid: number, buckets: number): string => `20261123_${(uid % buckets).toString(16).toUpperCase().padStart(2, '0')}_0001`;

/** `entries` (numeric uids) grouped into the shards `shardOf(uid, buckets)` names, for writeArchive. */
export function intoShards(entries: TestEntry[], buckets: number): { name: string; entries: TestEntry[] }[] {
  const shards = new Map<string, TestEntry[]>();
  for (const entry of entries) {
    const name = shardOf(Number(entry.uid), buckets);
    shards.set(name, [...(shards.get(name) ?? []), entry]);
  }
  return [...shards].map(([name, list]) => ({ name, entries: list }));
}
