/**
 * The `.meta` sidecar beside a shard (formats.md §4): per entry its location, sizes and the sha256 of the
 * uncompressed bytes (the shard itself has none), tombstones, and stats. Lakebench adds two fields: when a
 * repack writes a sidecar, `lakebench_supersedes`, the replaced shards still present and when each may be
 * deleted (carried forward from the previous revision's sidecar, so no deadline is lost); and on every
 * sidecar it writes, `lakebench_write_id`, the id of that write, by which a write whose answer was lost is
 * recognised as its own (storage/conditional-write.ts).
 */
import { randomUUID } from 'node:crypto';
import { LakebenchError } from '../../errors';
import { conditionalPut, jsonFieldIs } from '../../storage/conditional-write';
import type { ObjectStore } from '../../storage/types';
import { CODECS, type CodecName, type DesEntry } from './format';

export interface SidecarEntry {
  uid: string;
  offset?: number;
  length?: number;
  /** The codec number as in the shard's index (some writers store the name). */
  codec?: number | string;
  compressed_size?: number;
  uncompressed_size?: number;
  is_bigfile?: boolean;
  bigfile_hash?: string | null;
  bigfile_size?: number | null;
  meta?: unknown;
  checksum?: string;
  checksum_algo?: string;
  created_at?: string;
}

export interface Tombstone {
  uid: string;
  created_at?: string;
  deleted_at?: string;
  deleted_by?: string;
  reason?: string;
  ticket_id?: string | null;
}

/** A shard a repacked shard replaces; deleted by a later repack once `delete_after` has passed. */
export interface Supersedes {
  shard_file: string;
  retired_at: string;
  delete_after: string;
}

export interface Sidecar {
  version: number;
  shard_file?: string;
  shard_size?: number;
  created_at?: string;
  last_updated?: string;
  index: Record<string, SidecarEntry>;
  tombstones: Record<string, Tombstone>;
  stats?: { entries: number; deleted_files: number; deletion_ratio: number };
  lakebench_supersedes?: Supersedes[];
  lakebench_write_id?: string;
}

export function parseSidecar(bytes: Uint8Array, object: string): Sidecar {
  let parsed: Partial<Sidecar>;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Sidecar>;
  } catch (e) {
    throw new LakebenchError('CORRUPT', `not a JSON sidecar: ${(e as Error).message}`, { object });
  }
  if (typeof parsed !== 'object' || parsed === null) throw new LakebenchError('CORRUPT', 'the sidecar is not a JSON object', { object });
  return { ...parsed, version: parsed.version ?? 1, index: parsed.index ?? {}, tombstones: parsed.tombstones ?? {} };
}

/** The sidecar's entry for `uid` (keys are `<uid>:<created_at>`, so they are searched by value). */
export const sidecarEntryOf = (sidecar: Pick<Sidecar, 'index'>, uid: string): SidecarEntry | undefined => Object.values(sidecar.index).find((e) => e.uid === uid);
export const tombstoneOf = (sidecar: Sidecar | undefined, uid: string): Tombstone | undefined =>
  sidecar && Object.values(sidecar.tombstones).find((t) => t.uid === uid);

/** A sidecar entry's codec as a name, or undefined when it names none. */
export function sidecarCodec(entry: SidecarEntry): CodecName | undefined {
  if (typeof entry.codec === 'number') return CODECS[entry.codec as keyof typeof CODECS];
  return Object.values(CODECS).find((name) => name === entry.codec);
}

const CODEC_NUMBER: Record<CodecName, number> = { none: 0, zstd: 1, lz4: 2 };

/** What the sidecar records besides the shard's index entry (unknown for a sidecar rebuilt from a shard). */
export interface SidecarFacts {
  createdAt?: string;
  /** sha256 hex of the uncompressed bytes. */
  checksum?: string;
}

function sidecarEntry(entry: DesEntry, facts: SidecarFacts): SidecarEntry {
  return {
    uid: entry.uid,
    offset: entry.offset,
    length: entry.length,
    codec: CODEC_NUMBER[entry.codec],
    compressed_size: entry.compressedSize,
    uncompressed_size: entry.uncompressedSize,
    is_bigfile: entry.isBigFile,
    bigfile_hash: entry.bigFileHash ?? null,
    bigfile_size: entry.bigFileSize ?? null,
    meta: entry.meta ?? null,
    ...(facts.checksum !== undefined && { checksum: facts.checksum, checksum_algo: 'sha256' }),
    ...(facts.createdAt !== undefined && { created_at: facts.createdAt }),
  };
}

export interface NewSidecar {
  shardFile: string;
  shardSize: number;
  entries: { entry: DesEntry; facts: SidecarFacts }[];
  tombstones?: Tombstone[];
  now: Date;
  supersedes?: Supersedes[];
}

export function buildSidecar(s: NewSidecar): Sidecar {
  const tombstones = s.tombstones ?? [];
  const createdOf = new Map(s.entries.map(({ entry, facts }) => [entry.uid, facts.createdAt]));
  const sidecar: Sidecar = {
    version: 1,
    shard_file: s.shardFile,
    shard_size: s.shardSize,
    created_at: s.now.toISOString(),
    last_updated: s.now.toISOString(),
    index: Object.fromEntries(s.entries.map(({ entry, facts }) => [`${entry.uid}:${facts.createdAt ?? ''}`, sidecarEntry(entry, facts)])),
    tombstones: Object.fromEntries(tombstones.map((t) => [`${t.uid}:${t.created_at ?? createdOf.get(t.uid) ?? ''}`, t])),
    ...(s.supersedes && { lakebench_supersedes: s.supersedes }),
  };
  return { ...sidecar, stats: sidecarStats(sidecar) };
}

/** Entries, those tombstoned (tombstones of uids no longer indexed do not count) and their share. */
export function sidecarStats(sidecar: Pick<Sidecar, 'index' | 'tombstones'>): NonNullable<Sidecar['stats']> {
  const entries = Object.keys(sidecar.index).length;
  const deleted = Object.values(sidecar.tombstones).filter((t) => sidecarEntryOf(sidecar, t.uid)).length;
  return { entries, deleted_files: deleted, deletion_ratio: entries === 0 ? 0 : deleted / entries };
}

export const sidecarBytes = (sidecar: Sidecar): string => `${JSON.stringify(sidecar, null, 1)}\n`;

/**
 * Writes a sidecar under a fresh write id: created only if absent, or (with `ifMatch`) replacing only the
 * sidecar with that ETag. True when it is in place, false when another writer's is.
 */
export function writeSidecar(store: ObjectStore, key: string, sidecar: Sidecar, ifMatch?: string): Promise<boolean> {
  const writeId = randomUUID();
  const body = sidecarBytes({ ...sidecar, lakebench_write_id: writeId });
  return conditionalPut(store, { key, body, ifMatch, isOurs: (bytes) => jsonFieldIs(bytes, (d) => d.lakebench_write_id, writeId) });
}
