/**
 * `des repack`: rewrites a DES shard without its tombstoned and corrupt entries as `<base>_R00N.des`,
 * crash-safe in the design.md sense:
 *  1. the new shard is written under its fresh revision name (no reader picks a revision without sidecar);
 *  2. its sidecar, written with put-if-absent only after the shard exists and while the old sidecar is
 *     unchanged, is the commit: from then on readers pick the new revision (listing.ts), before it the
 *     old one — never neither;
 *  3. the old shard stays for a grace period (readers that listed before the swap still find it); its
 *     deadline is recorded in the new sidecar (`lakebench_supersedes`), and a later run deletes it — with
 *     the big files only it referenced — sidecar first, so a crash in between leaves a retired shard, not
 *     a sidecar without its shard. Output of a repack killed before its commit is deleted the same way.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakebenchError } from '../errors';
import { bigFileKey, readCachedSidecar, readShardIndex } from '../formats/des/archive';
import { decodePayload, encodePayload } from '../formats/des/codecs';
import type { CodecName, DesEntry } from '../formats/des/format';
import { listArchive, namesShard, sidecarKeysOf, type ArchiveListing, type ArchiveShard } from '../formats/des/listing';
import { parseShardName, revisionName } from '../formats/des/names';
import { buildSidecar, sidecarEntryOf, sidecarStats, tombstoneOf, writeSidecar } from '../formats/des/sidecar';
import { ShardWriter } from '../formats/des/writer';
import type { ObjectInfo, ObjectStore } from '../storage/types';
import { MAINTENANCE_DEFAULTS } from './maintenance/defaults';
import type { OpOptions, OpProgress } from './maintenance/operations';
import { checkCancelled } from './table-references';
import { inspectShard, type ShardInspection } from './verify/des-shard';


export interface DesRepackOptions extends OpOptions {
  /** Only this shard (by file name), whatever its deletion ratio. */
  shard?: string;
  /** Shards whose share of tombstoned entries is at least this are repacked (default 0.2). */
  minDeletionRatio?: number;
  /** Re-encode compressed payloads with zstd at this level (every shard is then a candidate). */
  recompressLevel?: number;
  /** How long a replaced shard stays for readers that listed before the swap (default 48 h). */
  graceMs?: number;
  dryRun?: boolean;
  now?: Date;
}

export interface RepackedShard {
  shard: string;
  into: string;
  entries: number;
  tombstonedDropped: string[];
  corruptDropped: string[];
  bytesBefore: number;
  bytesAfter: number;
}

export interface DesRepackResult {
  dryRun: boolean;
  repacked: RepackedShard[];
  /** Shards left alone, with why. */
  skipped: { shard: string; reason: string }[];
  /** Objects deleted: replaced shards past their grace period, their big files, unfinished repack output. */
  deleted: string[];
}

export async function repackArchive(store: ObjectStore, options: DesRepackOptions = {}): Promise<DesRepackResult> {
  const now = options.now ?? new Date();
  const graceMs = options.graceMs ?? MAINTENANCE_DEFAULTS.desGraceMs;
  const progress: OpProgress = { phase: 'list', done: 0, total: 0, bytes: 0 };
  const step = (phase: string, total = progress.total) => {
    Object.assign(progress, { phase, total, done: phase === progress.phase ? progress.done : 0 });
    options.onProgress?.({ ...progress });
  };
  step('list');
  const listing = await listArchive(store);
  const result: DesRepackResult = { dryRun: !!options.dryRun, repacked: [], skipped: [], deleted: [] };
  if (!options.dryRun) result.deleted = await deleteExpired(store, listing, now, graceMs, step, progress);

  const chosen: ArchiveShard[] = [];
  for (const shard of listing.shards) {
    if (options.shard && !namesShard(shard, options.shard)) continue;
    const why = await reasonToSkip(store, shard, options);
    if (why) result.skipped.push({ shard: shard.name, reason: why });
    else chosen.push(shard);
  }
  if (options.shard && chosen.length === 0 && result.skipped.length === 0) throw new LakebenchError('NOT_FOUND', `no live shard named ${options.shard}`, { object: store.url });

  step('repack', chosen.length);
  for (const shard of chosen) {
    checkCancelled(options.signal, store);
    const repacked = await repackShard(store, shard, listing, options, now, graceMs, step);
    if (typeof repacked === 'string') result.skipped.push({ shard: shard.name, reason: repacked });
    else result.repacked.push(repacked);
    progress.done++;
    step('repack');
  }
  return result;
}

async function reasonToSkip(store: ObjectStore, shard: ArchiveShard, options: DesRepackOptions): Promise<string | undefined> {
  if (options.shard || options.recompressLevel !== undefined) return undefined;
  const min = options.minDeletionRatio ?? MAINTENANCE_DEFAULTS.desMinDeletionRatio;
  if (!shard.sidecar) return 'no sidecar, so no tombstones';
  const ratio = sidecarStats(await readCachedSidecar(store, shard.sidecar)).deletion_ratio;
  return ratio < min ? `deletion ratio ${ratio.toFixed(2)} below ${min}` : undefined;
}

type Step = (phase: string, total?: number) => void;

async function repackShard(
  store: ObjectStore,
  shard: ArchiveShard,
  listing: ArchiveListing,
  options: DesRepackOptions,
  now: Date,
  graceMs: number,
  step: Step,
): Promise<RepackedShard | string> {
  const inspection = await inspectShard(store, shard);
  if (!inspection.index) return `the shard's structure is broken (${inspection.problems.map((p) => p.detail).join('; ')}): nothing can be copied out of it`;
  const tombstoned = inspection.index.entries.filter((e) => tombstoneOf(inspection.sidecar, e.uid)).map((e) => e.uid);
  const keep = inspection.index.entries.filter((e) => !inspection.corrupt.has(e.uid) && !tombstoned.includes(e.uid));
  const into = revisionName(shard.base, nextRevision(shard, listing));
  const folder = shard.shard.key.slice(0, shard.shard.key.length - shard.name.length);
  const planned: RepackedShard = {
    shard: shard.name,
    into,
    entries: keep.length,
    tombstonedDropped: tombstoned,
    corruptDropped: [...inspection.corrupt].filter((uid) => !tombstoned.includes(uid)),
    bytesBefore: shard.shard.size,
    bytesAfter: 0,
  };
  if (options.dryRun) return planned;

  step('write');
  const scratch = await mkdtemp(join(tmpdir(), 'lakebench-des-repack-'));
  try {
    const file = join(scratch, into);
    const written = await writeShardFile(file, inspection, keep, options.recompressLevel);
    checkCancelled(options.signal, store);
    await store.putFile(`${folder}${into}`, file);
    planned.bytesAfter = written.size;

    step('commit');
    const sidecar = buildSidecar({
      shardFile: into,
      shardSize: written.size,
      entries: written.entries.map((entry) => {
        const old = inspection.sidecar && sidecarEntryOf(inspection.sidecar, entry.uid);
        return { entry, facts: { createdAt: old?.created_at, checksum: inspection.checksums.get(entry.uid) } };
      }),
      now,
      supersedes: [
        { shard_file: shard.name, retired_at: now.toISOString(), delete_after: new Date(now.getTime() + graceMs).toISOString() },
        ...(inspection.sidecar?.lakebench_supersedes ?? []).filter((old) => listing.retired.some((r) => r.base === shard.base && r.name === old.shard_file)),
      ],
    });
    // The commit holds only if nobody tombstoned (or repacked) since the listing: their change would be lost.
    const sidecarNow = shard.sidecar ? await store.head(shard.sidecar.key) : await firstSidecar(store, shard.shard.key);
    if (sidecarNow?.etag !== shard.sidecar?.etag) {
      throw new LakebenchError('CONFLICT', `the sidecar of ${shard.name} changed during the repack (a tombstone was added?); run it again`, { object: store.urlOf(shard.shard.key) });
    }
    const committed = await writeSidecar(store, `${folder}${into.replace(/\.des$/, '.meta')}`, sidecar);
    if (!committed) throw new LakebenchError('CONFLICT', `another repack committed ${into} first`, { object: store.urlOf(`${folder}${into}`) });
    step('committed');
    return planned;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const firstSidecar = async (store: ObjectStore, shardKey: string): Promise<ObjectInfo | undefined> => {
  for (const key of sidecarKeysOf(shardKey)) {
    const info = await store.head(key);
    if (info) return info;
  }
  return undefined;
};

/** One past the highest revision of this base present in any state. */
function nextRevision(shard: ArchiveShard, listing: ArchiveListing): number {
  const same = [...listing.shards, ...listing.retired].filter((s) => s.base === shard.base).map((s) => s.revision);
  const leftovers = listing.uncommitted.map((o) => parseShardName(o.key.split('/').pop()!)).filter((n) => n.base === shard.base).map((n) => n.revision);
  return Math.max(0, ...same, ...leftovers) + 1;
}

/** Copies the kept payloads as stored, or re-encoded with zstd at `level` when they were compressed. */
async function writeShardFile(file: string, inspection: ShardInspection, keep: DesEntry[], level?: number): Promise<{ size: number; entries: DesEntry[] }> {
  const handle = await open(file, 'w');
  try {
    const writer = new ShardWriter(async (chunk) => void (await handle.write(chunk)), inspection.index!.version === 1 && !keep.some((e) => e.isBigFile) ? 1 : 2);
    for (const entry of keep) {
      if (entry.isBigFile) {
        writer.addBigFile({ uid: entry.uid, bigFileHash: entry.bigFileHash!, bigFileSize: entry.bigFileSize!, meta: entry.meta });
        continue;
      }
      const stored = inspection.bytes.subarray(entry.offset, entry.offset + entry.length);
      let codec: CodecName = entry.codec;
      let payload = stored;
      if (level !== undefined && codec !== 'none') {
        payload = await encodePayload('zstd', await decodePayload(codec, stored, entry.uncompressedSize, entry.uid), level);
        codec = 'zstd';
      }
      await writer.addInline({ uid: entry.uid, codec, payload, uncompressedSize: entry.uncompressedSize, meta: entry.meta });
    }
    const written = await writer.finish();
    await handle.sync();
    return written;
  } finally {
    await handle.close();
  }
}

/**
 * Deletes replaced shards whose grace period is over (their sidecar first), with the big files no live
 * shard references, and the output of unfinished repacks older than the grace period.
 */
async function deleteExpired(store: ObjectStore, listing: ArchiveListing, now: Date, graceMs: number, step: Step, progress: OpProgress): Promise<string[]> {
  const due: ArchiveShard[] = [];
  for (const retired of listing.retired) if ((await deleteAfter(store, retired, listing, graceMs)) <= now.getTime()) due.push(retired);
  const leftovers = listing.uncommitted.filter((o) => o.lastModified.getTime() + graceMs <= now.getTime());
  if (due.length === 0 && leftovers.length === 0) return [];
  step('delete', due.length + leftovers.length);
  const liveBigFiles = new Set<string>();
  if (due.length) for (const shard of listing.shards) for (const e of (await readShardIndex(store, shard.shard)).entries) if (e.isBigFile) liveBigFiles.add(e.bigFileHash!);
  const deleted: string[] = [];
  const remove = async (key: string) => {
    await store.delete(key);
    deleted.push(store.urlOf(key));
  };
  for (const shard of due) {
    const index = await readShardIndex(store, shard.shard).catch(() => undefined);
    for (const e of index?.entries ?? []) if (e.isBigFile && !liveBigFiles.has(e.bigFileHash!) && (await store.head(bigFileKey(shard.shard.key, e.bigFileHash!)))) await remove(bigFileKey(shard.shard.key, e.bigFileHash!));
    if (shard.sidecar) await remove(shard.sidecar.key);
    await remove(shard.shard.key);
    progress.done++;
    step('delete');
  }
  for (const leftover of leftovers) {
    await remove(leftover.key);
    progress.done++;
    step('delete');
  }
  return deleted;
}

/**
 * When a replaced shard may go: the deadline the live revision's sidecar records for it, or (a sidecar
 * some other tool wrote) the grace period from when the live revision appeared.
 */
async function deleteAfter(store: ObjectStore, retired: ArchiveShard, listing: ArchiveListing, graceMs: number): Promise<number> {
  const live = listing.shards.find((s) => s.base === retired.base && s.shard.key.slice(0, -s.name.length) === retired.shard.key.slice(0, -retired.name.length));
  if (!live?.sidecar) return Infinity;
  const recorded = (await readCachedSidecar(store, live.sidecar)).lakebench_supersedes?.find((r) => r.shard_file === retired.name);
  return recorded ? Date.parse(recorded.delete_after) : live.sidecar.lastModified.getTime() + graceMs;
}
