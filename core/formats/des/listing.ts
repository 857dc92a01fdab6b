/**
 * Which shards of a DES archive are live. A repack writes `<base>_R00N.des` and then its sidecar; the
 * sidecar is the commit, so the live shard of a base is its highest revision that has a sidecar (or the
 * original, which may lack one). Lower revisions still present are retired (kept for readers that
 * listed before the swap, deleted after the grace period); higher revisions without a sidecar are the
 * leftovers of a repack that did not finish.
 */
import type { ObjectInfo, ObjectStore } from '../../storage/types';
import { BIG_FILES_DIR } from './format';
import { parseShardName, type ShardName } from './names';

export interface ArchiveShard extends ShardName {
  shard: ObjectInfo;
  sidecar?: ObjectInfo;
  /** The shard's file name (last key segment). */
  name: string;
}

export interface ArchiveListing {
  /** One live shard per base name. */
  shards: ArchiveShard[];
  /** Shards a committed repack replaced that are still present. */
  retired: ArchiveShard[];
  /** Repacked shards whose sidecar was never written (an unfinished repack). */
  uncommitted: ObjectInfo[];
  /** Sidecars whose shard is not there. */
  lonelySidecars: ObjectInfo[];
  /** Largest shard index in the names (tells the writer's 2^n), or undefined when names do not follow the pattern. */
  maxShardIndex?: number;
}

const shardName = (key: string): string => key.split('/').pop()!;
/** Whether a user's `--shard` names this shard: its file name with or without `.des`, or its key. */
export const namesShard = (shard: ArchiveShard, given: string): boolean => shard.name === given || shard.name === `${given}.des` || shard.shard.key === given;
const folderOf = (key: string): string => (key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : '');
/** Both sidecar spellings writers use: `<stem>.meta` and `<name>.des.meta`. */
export const sidecarKeysOf = (shardKey: string): string[] => [shardKey.replace(/\.des$/, '.meta'), `${shardKey}.meta`];

export async function listArchive(store: ObjectStore): Promise<ArchiveListing> {
  const objects = new Map<string, ObjectInfo>();
  for await (const info of store.listAll('')) if (!info.key.startsWith(BIG_FILES_DIR) && /\.(des|meta)$/.test(info.key)) objects.set(info.key, info);
  const byBase = new Map<string, ArchiveShard[]>();
  const paired = new Set<string>();
  for (const [key, info] of objects) {
    if (!key.endsWith('.des')) continue;
    const sidecarKey = sidecarKeysOf(key).find((k) => objects.has(k));
    if (sidecarKey) paired.add(sidecarKey);
    const name = shardName(key);
    const shard: ArchiveShard = { ...parseShardName(name), name, shard: info, sidecar: sidecarKey ? objects.get(sidecarKey) : undefined };
    const group = `${folderOf(key)}${shard.base}`;
    byBase.set(group, [...(byBase.get(group) ?? []), shard]);
  }
  const listing: ArchiveListing = { shards: [], retired: [], uncommitted: [], lonelySidecars: [] };
  for (const revisions of byBase.values()) {
    revisions.sort((a, b) => b.revision - a.revision);
    const live = revisions.find((s) => s.revision === 0 || s.sidecar);
    for (const s of revisions) {
      if (s === live) listing.shards.push(s);
      else if (live && s.revision < live.revision) listing.retired.push(s);
      else listing.uncommitted.push(s.shard);
    }
  }
  listing.lonelySidecars = [...objects.values()].filter((o) => o.key.endsWith('.meta') && !paired.has(o.key));
  const indexes = listing.shards.map((s) => s.shardIndex);
  if (indexes.length > 0 && indexes.every((i) => i !== undefined)) listing.maxShardIndex = Math.max(...(indexes as number[]));
  listing.shards.sort((a, b) => (a.shard.key < b.shard.key ? -1 : 1));
  return listing;
}
