/**
 * Shard names (formats.md §4): `<YYYYMMDD>_<HEX shard index>_<NNNN>.des`, where the shard index is
 * `uid % 2^n` for a numeric uid and `crc32(uid) % 2^n` otherwise. A repack writes `<name>_R001.des`
 * (then R002 …) beside `<name>.des`: the highest revision whose sidecar exists is the live shard.
 */
import { crc32 } from 'node:zlib';

export interface ShardName {
  /** The name without revision and extension: `20261123_0A_0001`. */
  base: string;
  /** 0 for the original shard, N for `_R00N`. */
  revision: number;
  /** The hex shard index, when the name follows the DES pattern. */
  shardIndex?: number;
}

const REVISION = /^(.*)_R(\d{3,})$/;
const DES_PATTERN = /^\d{8}_([0-9A-Fa-f]+)_\d+$/;

/** Parses a shard's file name (the last key segment, with `.des`). */
export function parseShardName(fileName: string): ShardName {
  const stem = fileName.replace(/\.des$/, '');
  const revision = REVISION.exec(stem);
  const base = revision ? revision[1]! : stem;
  const index = DES_PATTERN.exec(base);
  return { base, revision: revision ? Number(revision[2]) : 0, ...(index && { shardIndex: parseInt(index[1]!, 16) }) };
}

/** `<base>_R00N.des`. */
export const revisionName = (base: string, revision: number): string => `${base}_R${String(revision).padStart(3, '0')}.des`;

/**
 * The shard indexes a uid may live in, given the largest index seen in the archive (which tells the
 * writer's n: indexes run from 0 to 2^n − 1). A numeric uid may have been placed either way, so both
 * candidates are returned, the numeric one first.
 */
export function candidateShardIndexes(uid: string, maxIndexSeen: number): number[] {
  const buckets = 2 ** Math.max(0, Math.ceil(Math.log2(maxIndexSeen + 1)));
  const candidates: number[] = [];
  if (/^\d+$/.test(uid)) candidates.push(Number(BigInt(uid) % BigInt(buckets)));
  const hashed = crc32(Buffer.from(uid)) % buckets;
  if (!candidates.includes(hashed)) candidates.push(hashed);
  return candidates;
}
