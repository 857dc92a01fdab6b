/**
 * A DES archive: a folder of `.des` shards, each with an optional `.meta` sidecar (formats.md §4).
 * Shards are read with range requests only — footer, index, then single payloads — and parsed indexes
 * are cached (byte budget, keyed by shard, size and ETag: a rewritten shard is a new key or new ETag).
 */
import { createHash } from 'node:crypto';
import { LakebenchError } from '../../errors';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectInfo, ObjectStore } from '../../storage/types';
import { decodePayload } from './codecs';
import { BIG_FILES_DIR, FOOTER_BYTES, HEADER_BYTES, parseFooter, parseHeader, parseIndex, type DesEntry, type ShardIndex } from './format';

export interface Sidecar {
  index: Record<string, { uid: string; checksum?: string; checksum_algo?: string; created_at?: string }>;
  tombstones: Record<string, { uid: string; deleted_at?: string; deleted_by?: string; reason?: string; ticket_id?: string }>;
}

export interface ArchiveShard {
  shard: ObjectInfo;
  sidecar?: ObjectInfo;
}

export interface ArchiveListing {
  shards: ArchiveShard[];
  /** Sidecars whose shard is not there. */
  lonelySidecars: ObjectInfo[];
}

export interface EntryRow {
  uid: string;
  shard: string;
  size: number;
  codec: string;
  created_at: string | null;
  meta: unknown;
  tombstoned: boolean;
  reason?: string;
}

const INDEX_CACHE_BYTES = 64 * 1024 * 1024;
const indexCache = new Map<string, { index: ShardIndex; bytes: number }>(); // insertion order = LRU
let cachedBytes = 0;

export const shardName = (key: string): string => key.split('/').pop()!;
const sidecarKeysOf = (shardKey: string): string[] => [shardKey.replace(/\.des$/, '.meta'), `${shardKey}.meta`];

export async function listArchive(store: ObjectStore): Promise<ArchiveListing> {
  const objects = new Map<string, ObjectInfo>();
  for await (const info of store.listAll('')) if (!info.key.startsWith(BIG_FILES_DIR)) objects.set(info.key, info);
  const shards: ArchiveShard[] = [];
  const paired = new Set<string>();
  for (const [key, info] of objects) {
    if (!key.endsWith('.des')) continue;
    const sidecarKey = sidecarKeysOf(key).find((k) => objects.has(k));
    if (sidecarKey) paired.add(sidecarKey);
    shards.push({ shard: info, sidecar: sidecarKey ? objects.get(sidecarKey) : undefined });
  }
  const lonelySidecars = [...objects.values()].filter((o) => o.key.endsWith('.meta') && !paired.has(o.key));
  return { shards, lonelySidecars };
}

/** The shard's index: from the cache, or with three range reads (footer, index, header). */
export async function readShardIndex(store: ObjectStore, shard: ObjectInfo): Promise<ShardIndex> {
  const object = store.urlOf(shard.key);
  const cacheKey = `${store.id}\n${shard.key}\n${shard.size}\n${shard.etag ?? shard.lastModified.getTime()}`;
  const hit = indexCache.get(cacheKey);
  if (hit) {
    indexCache.delete(cacheKey);
    indexCache.set(cacheKey, hit);
    return hit.index;
  }
  if (shard.size < HEADER_BYTES + FOOTER_BYTES) throw new LakebenchError('CORRUPT', `${shard.size} bytes: too small for a DES shard`, { object });
  const [footer, header] = await Promise.all([
    store.get(shard.key, { offset: shard.size - FOOTER_BYTES, length: FOOTER_BYTES }),
    store.get(shard.key, { offset: 0, length: HEADER_BYTES }),
  ]);
  const version = parseHeader(header, object);
  const indexSize = parseFooter(footer, shard.size, object);
  const dataEnd = shard.size - FOOTER_BYTES - indexSize;
  const index = parseIndex(await store.get(shard.key, { offset: dataEnd, length: indexSize }), version, dataEnd, object);
  indexCache.set(cacheKey, { index, bytes: indexSize });
  cachedBytes += indexSize;
  for (const [key, old] of indexCache) {
    if (cachedBytes <= INDEX_CACHE_BYTES) break;
    indexCache.delete(key);
    cachedBytes -= old.bytes;
  }
  return index;
}

export async function readSidecar(store: ObjectStore, key: string): Promise<Sidecar> {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(await store.get(key))) as Partial<Sidecar>;
    return { index: parsed.index ?? {}, tombstones: parsed.tombstones ?? {} };
  } catch (e) {
    if (e instanceof LakebenchError) throw e;
    throw new LakebenchError('CORRUPT', `not a JSON sidecar: ${(e as Error).message}`, { object: store.urlOf(key) });
  }
}

/** Every entry of the archive (or one shard), with its tombstone when the sidecar has one. */
export async function archiveEntries(store: ObjectStore, options: { shard?: string } = {}): Promise<EntryRow[]> {
  const listing = await listArchive(store);
  const shards = listing.shards.filter((s) => !options.shard || shardName(s.shard.key) === options.shard || s.shard.key === options.shard);
  if (options.shard && shards.length === 0) throw new LakebenchError('NOT_FOUND', `no shard named ${options.shard}`, { object: store.url });
  const perShard = await mapWithConcurrency(shards, 16, async ({ shard, sidecar }) => {
    const [index, side] = await Promise.all([readShardIndex(store, shard), sidecar ? readSidecar(store, sidecar.key) : undefined]);
    const created = new Map(Object.values(side?.index ?? {}).map((e) => [e.uid, e.created_at ?? null]));
    const tombstones = new Map(Object.values(side?.tombstones ?? {}).map((t) => [t.uid, t]));
    return index.entries.map((e): EntryRow => ({
      uid: e.uid,
      shard: shardName(shard.key),
      size: e.uncompressedSize,
      codec: e.isBigFile ? 'bigfile' : e.codec,
      created_at: created.get(e.uid) ?? null,
      meta: e.meta ?? null,
      tombstoned: tombstones.has(e.uid),
      ...(tombstones.get(e.uid)?.reason !== undefined && { reason: tombstones.get(e.uid)!.reason }),
    }));
  });
  return perShard.flat();
}

/** An entry's original bytes. A tombstoned entry is refused unless `includeDeleted`. */
export async function readEntry(store: ObjectStore, uid: string, options: { includeDeleted?: boolean } = {}): Promise<{ bytes: Uint8Array; shard: string }> {
  const listing = await listArchive(store);
  for (const { shard, sidecar } of listing.shards) {
    const entry = (await readShardIndex(store, shard)).entries.find((e) => e.uid === uid);
    if (!entry) continue;
    const object = `${store.urlOf(shard.key)}#${uid}`;
    if (!options.includeDeleted && sidecar) {
      const tombstone = Object.values((await readSidecar(store, sidecar.key)).tombstones).find((t) => t.uid === uid);
      if (tombstone) {
        throw new LakebenchError('NOT_FOUND', `entry ${uid} in shard ${shardName(shard.key)} is tombstoned (${tombstone.reason ?? 'no reason given'}); --include-deleted reads it`, { object });
      }
    }
    return { bytes: await payloadOf(store, shard, entry, object), shard: shardName(shard.key) };
  }
  throw new LakebenchError('NOT_FOUND', `no entry ${uid} in the archive`, { object: store.url });
}

async function payloadOf(store: ObjectStore, shard: ObjectInfo, entry: DesEntry, object: string): Promise<Uint8Array> {
  if (entry.isBigFile) {
    const dir = shard.key.includes('/') ? shard.key.slice(0, shard.key.lastIndexOf('/') + 1) : '';
    const bytes = await store.get(`${dir}${BIG_FILES_DIR}${entry.bigFileHash}`);
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash !== entry.bigFileHash) throw new LakebenchError('CORRUPT', `big file hash ${hash} is not the indexed ${entry.bigFileHash}`, { object });
    return bytes;
  }
  const raw = await store.get(shard.key, { offset: entry.offset, length: entry.length });
  return decodePayload(entry.codec, raw, entry.uncompressedSize, object);
}
