/**
 * Reading a DES archive: a folder of `.des` shards, each with an optional `.meta` sidecar (formats.md §4).
 * Shards are read with range requests only, and parsed indexes and sidecars are cached (a byte budget,
 * keyed by object, size and ETag: a rewritten object is a new key). A get goes to the shard the uid's
 * name bucket points at and finds the entry in its sidecar — list, sidecar, payload: three requests cold,
 * one warm — checking the bytes against the sidecar's sha256; without a usable sidecar it reads indexes.
 */
import { createHash } from 'node:crypto';
import { isLakebenchError, LakebenchError } from '../../errors';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectInfo, ObjectStore } from '../../storage/types';
import { decodePayload } from './codecs';
import { BIG_FILES_DIR, readIndex, type DesEntry, type ShardIndex } from './format';
import { listArchive, namesShard, type ArchiveListing, type ArchiveShard } from './listing';
import { candidateShardIndexes } from './names';
import { parseSidecar, sidecarCodec, sidecarEntryOf, tombstoneOf, type Sidecar } from './sidecar';

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

/** Parsed indexes and sidecars, least recently used first, within one byte budget. */
const CACHE_BYTES = 64 * 1024 * 1024;
const cache = new Map<string, { value: ShardIndex | Sidecar; bytes: number }>();
let cachedBytes = 0;

/** Drops every cached index and sidecar (a cold start; the bench measures gets from one). */
export function forgetCachedIndexes(): void {
  cache.clear();
  cachedBytes = 0;
}

const cacheKeyOf = (store: ObjectStore, info: ObjectInfo): string => `${store.id}\n${info.key}\n${info.size}\n${info.etag ?? info.lastModified.getTime()}`;

async function cached<T extends ShardIndex | Sidecar>(key: string, load: () => Promise<{ value: T; bytes: number }>): Promise<T> {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit.value as T;
  }
  const loaded = await load();
  cache.set(key, loaded);
  cachedBytes += loaded.bytes;
  for (const [old, entry] of cache) {
    if (cachedBytes <= CACHE_BYTES) break;
    cache.delete(old);
    cachedBytes -= entry.bytes;
  }
  return loaded.value;
}

/** The shard's index: from the cache, or with three range reads (header, footer, index). */
export function readShardIndex(store: ObjectStore, shard: ObjectInfo): Promise<ShardIndex> {
  return cached(`index\n${cacheKeyOf(store, shard)}`, async () => {
    const { index, indexSize } = await readIndex(shard.size, (offset, length) => store.get(shard.key, { offset, length }), store.urlOf(shard.key));
    return { value: index, bytes: indexSize };
  });
}

export function readCachedSidecar(store: ObjectStore, sidecar: ObjectInfo): Promise<Sidecar> {
  return cached(`sidecar\n${cacheKeyOf(store, sidecar)}`, async () => {
    const bytes = await store.get(sidecar.key);
    return { value: parseSidecar(bytes, store.urlOf(sidecar.key)), bytes: bytes.length };
  });
}

/** Every entry of the archive's live shards (or one shard), with its tombstone when the sidecar has one. */
export async function archiveEntries(store: ObjectStore, options: { shard?: string; listing?: ArchiveListing } = {}): Promise<EntryRow[]> {
  const listing = options.listing ?? (await listArchive(store));
  const shards = listing.shards.filter((s) => !options.shard || namesShard(s, options.shard));
  if (options.shard && shards.length === 0) throw new LakebenchError('NOT_FOUND', `no shard named ${options.shard}`, { object: store.url });
  const perShard = await mapWithConcurrency(shards, 16, async ({ shard, sidecar, name }) => {
    const [index, side] = await Promise.all([readShardIndex(store, shard), sidecar ? readCachedSidecar(store, sidecar) : undefined]);
    return index.entries.map((e): EntryRow => {
      const tombstone = tombstoneOf(side, e.uid);
      return {
        uid: e.uid,
        shard: name,
        size: e.uncompressedSize,
        codec: e.isBigFile ? 'bigfile' : e.codec,
        created_at: (side && sidecarEntryOf(side, e.uid)?.created_at) ?? createdInMeta(e.meta) ?? null,
        meta: e.meta ?? null,
        tombstoned: tombstone !== undefined,
        ...(tombstone?.reason !== undefined && { reason: tombstone.reason }),
      };
    });
  });
  return perShard.flat();
}

/** Writers that keep no sidecar (or an old one) put the entry's creation time in its meta as `created_at`. */
function createdInMeta(meta: unknown): string | undefined {
  const created = typeof meta === 'object' && meta !== null ? (meta as { created_at?: unknown }).created_at : undefined;
  return typeof created === 'string' ? created : undefined;
}

export interface ReadEntryOptions {
  includeDeleted?: boolean;
  /** A listing already held (the app's archive view): saves the LIST request. */
  listing?: ArchiveListing;
}

/** A shard passed over while looking an entry up: its index or sidecar could not be read. */
export interface SkippedShard {
  shard: string;
  problem: string;
}

/**
 * An entry's original bytes. A tombstoned entry is refused unless `includeDeleted`. A shard whose index
 * or sidecar cannot be read (corrupt, or unreadable after retries) is skipped and reported in `skipped`:
 * it must not hide an entry that a healthy shard holds.
 */
export async function readEntry(store: ObjectStore, uid: string, options: ReadEntryOptions = {}): Promise<{ bytes: Uint8Array; shard: string; skipped: SkippedShard[] }> {
  const listing = options.listing ?? (await listArchive(store));
  const skipped: SkippedShard[] = [];
  const likely = likelyShards(listing, uid);
  for (const shard of likely) {
    const found = await skippingUnreadable(shard, skipped, () => viaSidecar(store, shard, uid, options));
    if (found) return { bytes: found, shard: shard.name, skipped };
  }
  // No sidecar could answer: read the indexes.
  const found = await findEntry(store, listing, uid, skipped);
  if (found) {
    const { shard, entry } = found;
    const object = `${store.urlOf(shard.shard.key)}#${uid}`;
    const sidecar = shard.sidecar && (await readCachedSidecar(store, shard.sidecar).catch(() => undefined));
    refuseTombstoned(sidecar, uid, shard, object, options);
    const bytes = await payloadOf(store, shard.shard, entry, object);
    checkChecksum(bytes, sidecar && sidecarEntryOf(sidecar, uid)?.checksum, object);
    return { bytes, shard: shard.name, skipped };
  }
  throw notInArchive(store, uid, skipped);
}

/** NOT_FOUND for `uid`, naming the shards that could not be searched. */
export function notInArchive(store: ObjectStore, uid: string, skipped: SkippedShard[]): LakebenchError {
  const unsearched = skipped.length ? ` (not searched: ${skipped.map((s) => `${s.shard}: ${s.problem}`).join('; ')})` : '';
  return new LakebenchError('NOT_FOUND', `no entry ${uid} in the archive${unsearched}`, { object: store.url });
}

/** Runs `read` over one shard; a shard that cannot be read is noted in `skipped` (answering undefined). */
async function skippingUnreadable<T>(shard: ArchiveShard, skipped: SkippedShard[], read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (!isLakebenchError(e) || e.code === 'CANCELLED' || e.code === 'NOT_FOUND') throw e;
    if (!skipped.some((s) => s.shard === shard.name)) skipped.push({ shard: shard.name, problem: e.message });
    return undefined;
  }
}

/**
 * The live shard holding `uid` and its index entry, read from shard indexes (the authority), likely
 * shards first; shards whose index cannot be read are skipped and noted in `skipped`.
 */
export async function findEntry(
  store: ObjectStore,
  listing: ArchiveListing,
  uid: string,
  skipped: SkippedShard[] = [],
): Promise<{ shard: ArchiveShard; entry: DesEntry } | undefined> {
  const likely = likelyShards(listing, uid);
  for (const shard of [...likely, ...listing.shards.filter((s) => !likely.includes(s))]) {
    const index = await skippingUnreadable(shard, skipped, () => readShardIndex(store, shard.shard));
    const entry = index?.entries.find((e) => e.uid === uid);
    if (entry) return { shard, entry };
  }
  return undefined;
}

/** The shards the uid's name bucket points at (all shards when the names do not follow the DES pattern). */
function likelyShards(listing: ArchiveListing, uid: string): ArchiveShard[] {
  if (listing.maxShardIndex === undefined) return [];
  const candidates = candidateShardIndexes(uid, listing.maxShardIndex);
  return candidates.flatMap((index) => listing.shards.filter((s) => s.shardIndex === index));
}

/** The entry's bytes found through the shard's sidecar, or undefined when the sidecar cannot say. */
async function viaSidecar(store: ObjectStore, shard: ArchiveShard, uid: string, options: ReadEntryOptions): Promise<Uint8Array | undefined> {
  if (!shard.sidecar) return undefined;
  const sidecar = await readCachedSidecar(store, shard.sidecar);
  const entry = sidecarEntryOf(sidecar, uid);
  // A sidecar written for another version of the shard cannot locate payloads in this one.
  if (!entry || sidecar.shard_size !== shard.shard.size) return undefined;
  const codec = sidecarCodec(entry);
  const located = entry.is_bigfile
    ? entry.bigfile_hash && entry.bigfile_size !== undefined && entry.bigfile_size !== null
    : codec && entry.offset !== undefined && entry.length !== undefined && entry.uncompressed_size !== undefined;
  if (!located) return undefined;
  const object = `${store.urlOf(shard.shard.key)}#${uid}`;
  refuseTombstoned(sidecar, uid, shard, object, options);
  const desEntry: DesEntry = entry.is_bigfile
    ? { uid, offset: 0, length: 0, codec: 'none', compressedSize: entry.bigfile_size!, uncompressedSize: entry.bigfile_size!, isBigFile: true, bigFileHash: entry.bigfile_hash! }
    : { uid, offset: entry.offset!, length: entry.length!, codec: codec!, compressedSize: entry.compressed_size ?? entry.length!, uncompressedSize: entry.uncompressed_size!, isBigFile: false };
  const bytes = await payloadOf(store, shard.shard, desEntry, object);
  checkChecksum(bytes, entry.checksum, object);
  return bytes;
}

function refuseTombstoned(sidecar: Sidecar | undefined, uid: string, shard: ArchiveShard, object: string, options: ReadEntryOptions): void {
  const tombstone = tombstoneOf(sidecar, uid);
  if (tombstone && !options.includeDeleted) {
    throw new LakebenchError('NOT_FOUND', `entry ${uid} in shard ${shard.name} is tombstoned (${tombstone.reason ?? 'no reason given'}); --include-deleted reads it`, { object });
  }
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function checkChecksum(bytes: Uint8Array, checksum: string | undefined, object: string): void {
  if (checksum && sha256Hex(bytes) !== checksum) throw new LakebenchError('CORRUPT', `the bytes do not match the sidecar's sha256 ${checksum}`, { object });
}

/** Where a shard's big files live: `_bigFiles/<sha256>` beside it. */
export const bigFileKey = (shardKey: string, hash: string): string =>
  `${shardKey.includes('/') ? shardKey.slice(0, shardKey.lastIndexOf('/') + 1) : ''}${BIG_FILES_DIR}${hash}`;

/** An entry's uncompressed bytes, checked against its recorded size (and a big file against its hash). */
export async function payloadOf(store: ObjectStore, shard: ObjectInfo, entry: DesEntry, object: string, raw?: Uint8Array): Promise<Uint8Array> {
  if (entry.isBigFile) {
    const bytes = await store.get(bigFileKey(shard.key, entry.bigFileHash!));
    const hash = sha256Hex(bytes);
    if (hash !== entry.bigFileHash) throw new LakebenchError('CORRUPT', `big file hash ${hash} is not the indexed ${entry.bigFileHash}`, { object });
    return bytes;
  }
  const payload = raw ?? (await store.get(shard.key, { offset: entry.offset, length: entry.length }));
  return decodePayload(entry.codec, payload, entry.uncompressedSize, object);
}
