/**
 * `des tombstone`: marks an entry deleted in its shard's sidecar (formats.md §4), the way DES itself does;
 * the bytes stay until a repack drops them. The sidecar is replaced with put-if-match, so a concurrent
 * tombstone or repack is never overwritten: on a changed ETag the sidecar is read again and the change
 * re-applied; a write whose answer was lost is recognised by its write id (writeSidecar), not mistaken for
 * a concurrent one. A shard without a sidecar gets one rebuilt from its index (without checksums).
 */
import { userInfo } from 'node:os';
import { LakebenchError } from '../errors';
import { findEntry, notInArchive, readCachedSidecar, readShardIndex, type SkippedShard } from '../formats/des/archive';
import { listArchive, type ArchiveShard } from '../formats/des/listing';
import { buildSidecar, sidecarEntryOf, sidecarStats, tombstoneOf, writeSidecar, type Sidecar, type Tombstone } from '../formats/des/sidecar';
import { readBack } from '../storage/conditional-write';
import type { ObjectStore } from '../storage/types';

export interface TombstoneRequest {
  uid: string;
  reason: string;
  ticket?: string;
  /** Who deleted it (default: the OS user). */
  deletedBy?: string;
}

export interface TombstoneResult {
  uid: string;
  shard: string;
  /** The sidecar written. */
  sidecar: string;
  /** True when the entry was already tombstoned (nothing written). */
  already: boolean;
}

/** Attempts at a guarded sidecar write before giving up with CONFLICT. */
const ATTEMPTS = 8;

export async function tombstoneEntry(store: ObjectStore, request: TombstoneRequest, now = new Date()): Promise<TombstoneResult> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const listing = await listArchive(store);
    const skipped: SkippedShard[] = [];
    const found = await findEntry(store, listing, request.uid, skipped);
    if (!found) throw notInArchive(store, request.uid, skipped);
    const written = await writeTombstone(store, found.shard, request, now);
    if (written === 'conflict') continue;
    // A repack that committed meanwhile copied the entry into a new shard whose sidecar lacks this
    // tombstone: go round again so the live shard gets it too. (Part of settling the write: read patiently.)
    const after = await readBack(() => listArchive(store));
    const live = after.shards.find((s) => s.base === found.shard.base);
    if (live && live.name !== found.shard.name) continue;
    return { uid: request.uid, shard: found.shard.name, sidecar: store.urlOf(written.key), already: written.already };
  }
  throw new LakebenchError('CONFLICT', `the sidecar of ${request.uid}'s shard kept changing under ${ATTEMPTS} attempts`, { object: store.url });
}

async function writeTombstone(store: ObjectStore, shard: ArchiveShard, request: TombstoneRequest, now: Date): Promise<{ key: string; already: boolean } | 'conflict'> {
  if (!shard.sidecar) {
    const key = shard.shard.key.replace(/\.des$/, '.meta');
    const sidecar = await rebuiltSidecar(store, shard, now);
    addTombstone(sidecar, request, now);
    return (await writeSidecar(store, key, sidecar)) ? { key, already: false } : 'conflict';
  }
  const current = await store.head(shard.sidecar.key);
  if (!current?.etag) return 'conflict';
  const sidecar = structuredClone(await readCachedSidecar(store, current));
  if (tombstoneOf(sidecar, request.uid)) return { key: current.key, already: true };
  addTombstone(sidecar, request, now);
  return (await writeSidecar(store, current.key, sidecar, current.etag)) ? { key: current.key, already: false } : 'conflict';
}

function addTombstone(sidecar: Sidecar, request: TombstoneRequest, now: Date): void {
  const createdAt = sidecarEntryOf(sidecar, request.uid)?.created_at ?? '';
  const tombstone: Tombstone = {
    uid: request.uid,
    created_at: createdAt,
    deleted_at: now.toISOString(),
    deleted_by: request.deletedBy ?? userInfo().username,
    reason: request.reason,
    ticket_id: request.ticket ?? null,
  };
  sidecar.tombstones[`${request.uid}:${createdAt}`] = tombstone;
  sidecar.last_updated = now.toISOString();
  sidecar.stats = sidecarStats(sidecar);
}

/** A sidecar for a shard that has none: locations from the index, no checksums (the shard has none). */
async function rebuiltSidecar(store: ObjectStore, shard: ArchiveShard, now: Date): Promise<Sidecar> {
  const index = await readShardIndex(store, shard.shard);
  return buildSidecar({ shardFile: shard.name, shardSize: shard.shard.size, entries: index.entries.map((entry) => ({ entry, facts: {} })), now });
}
