/**
 * The app's archive view of a DES archive: its shards with deletion ratios, one shard's entries, one
 * entry's bytes for preview or export. Reads only: tombstone and repack go through the maintenance jobs.
 */
import { writeFile } from 'node:fs/promises';
import { LakebenchError } from '../errors';
import { archiveEntries, readCachedSidecar, readEntry, readShardIndex, type EntryRow, type SkippedShard } from '../formats/des/archive';
import { listArchive, type ArchiveShard } from '../formats/des/listing';
import { sidecarStats } from '../formats/des/sidecar';
import { mapWithConcurrency } from '../storage/concurrency';
import type { ObjectStore } from '../storage/types';

export interface DesShardSummary {
  name: string;
  size: number;
  /** ISO-8601. */
  lastModified: string;
  revision: number;
  hasSidecar: boolean;
  entries: number;
  tombstoned: number;
  /** tombstoned ÷ entries (0 for an empty shard). */
  deletionRatio: number;
}

export interface DesArchiveSummary {
  location: string;
  shards: DesShardSummary[];
  /** Shards a repack replaced, kept for the grace period. */
  retired: string[];
  /** Output of unfinished repacks, and sidecars without their shard. */
  orphans: string[];
  lonelySidecars: string[];
}

export async function archiveSummary(store: ObjectStore): Promise<DesArchiveSummary> {
  const listing = await listArchive(store);
  const shards = await mapWithConcurrency(listing.shards, 16, (shard) => shardSummary(store, shard));
  return {
    location: store.url,
    shards,
    retired: listing.retired.map((s) => s.name),
    orphans: listing.uncommitted.map((o) => o.key),
    lonelySidecars: listing.lonelySidecars.map((o) => o.key),
  };
}

/** Counts from the sidecar when there is one (one small read), else from the shard's index. */
async function shardSummary(store: ObjectStore, shard: ArchiveShard): Promise<DesShardSummary> {
  const base = { name: shard.name, size: shard.shard.size, lastModified: shard.shard.lastModified.toISOString(), revision: shard.revision, hasSidecar: !!shard.sidecar };
  if (!shard.sidecar) return { ...base, entries: (await readShardIndex(store, shard.shard)).entries.length, tombstoned: 0, deletionRatio: 0 };
  const stats = sidecarStats(await readCachedSidecar(store, shard.sidecar));
  return { ...base, entries: stats.entries, tombstoned: stats.deleted_files, deletionRatio: stats.deletion_ratio };
}

export function shardEntries(store: ObjectStore, shard: string): Promise<EntryRow[]> {
  return archiveEntries(store, { shard });
}

export interface DesEntryPreview {
  uid: string;
  shard: string;
  size: number;
  /** The first `limit` bytes, base64. */
  base64: string;
  /** The same bytes as text when they are valid UTF-8 without control characters (else absent). */
  text?: string;
  truncated: boolean;
  /** Shards passed over because their index or sidecar could not be read. */
  skipped: SkippedShard[];
}

export async function entryPreview(store: ObjectStore, uid: string, options: { limit?: number; includeDeleted?: boolean }): Promise<DesEntryPreview> {
  const { bytes, shard, skipped } = await readEntry(store, uid, { includeDeleted: options.includeDeleted });
  const head = bytes.subarray(0, options.limit ?? 64 * 1024);
  return {
    uid,
    shard,
    size: bytes.length,
    base64: Buffer.from(head).toString('base64'),
    ...(readableText(head) !== undefined && { text: readableText(head) }),
    truncated: head.length < bytes.length,
    skipped,
  };
}

function readableText(bytes: Uint8Array): string | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // eslint-disable-next-line no-control-regex
    return /[\u0000-\u0008\u000e-\u001f]/.test(text) ? undefined : text;
  } catch {
    return undefined; // binary, or a multi-byte character cut at the preview's end: shown as hex
  }
}

export async function exportEntry(store: ObjectStore, uid: string, path: string, options: { includeDeleted?: boolean; overwrite?: boolean }): Promise<{ path: string; bytes: number; shard: string }> {
  const { bytes, shard } = await readEntry(store, uid, { includeDeleted: options.includeDeleted });
  try {
    await writeFile(path, bytes, { flag: options.overwrite ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new LakebenchError('CONFLICT', 'the file exists (overwrite it?)', { object: path });
    throw new LakebenchError('IO', `cannot write: ${(e as Error).message}`, { object: path, cause: e });
  }
  return { path, bytes: bytes.length, shard };
}
