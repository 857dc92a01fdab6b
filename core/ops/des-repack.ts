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
import { ShardFormatError, type CodecName, type DesEntry } from '../formats/des/format';
import { listArchive, namesShard, sidecarKeysOf, type ArchiveListing, type ArchiveShard } from '../formats/des/listing';
import { parseShardName, revisionName } from '../formats/des/names';
import { buildSidecar, sidecarEntryOf, sidecarStats, tombstoneOf, writeSidecar, type Sidecar } from '../formats/des/sidecar';
import { ShardWriter } from '../formats/des/writer';
import type { ObjectInfo, ObjectStore } from '../storage/types';
import { deleteInBatches, type FailedDelete } from './batch-delete';
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
  /** On a dry run: what the plan could not know without reading the shards' payloads. */
  estimate?: string;
  /** Objects the store refused to delete, each with its reason (their shards stay for a later run). */
  failed?: FailedDelete[];
}

/** A plan reads indexes and sidecars only: tombstones are known, corrupt entries and output sizes are not. */
export const DRY_RUN_ESTIMATE = 'planned from shard indexes and sidecars: corrupt entries, dropped too, are found only when a run reads each shard';

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
  const result: DesRepackResult = { dryRun: !!options.dryRun, repacked: [], skipped: [], deleted: [], ...(options.dryRun && { estimate: DRY_RUN_ESTIMATE }) };
  if (!options.dryRun) {
    const expired = await deleteExpired(store, listing, now, graceMs, step, progress, options);
    result.deleted = expired.deleted;
    if (expired.failed.length > 0) result.failed = expired.failed;
  }

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
  const into = revisionName(shard.base, nextRevision(shard, listing));
  if (options.dryRun) return plannedFromIndex(store, shard, into);
  const inspection = await inspectShard(store, shard);
  if (!inspection.index) return brokenStructure(inspection.problems.map((p) => p.detail).join('; '));
  const planned = repackedShard(shard, into, inspection.index.entries, inspection.sidecar, inspection.corrupt);
  const keep = inspection.index.entries.filter((e) => !inspection.corrupt.has(e.uid) && !planned.tombstonedDropped.includes(e.uid));
  const folder = shard.shard.key.slice(0, shard.shard.key.length - shard.name.length);

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

const brokenStructure = (why: string) => `the shard's structure is broken (${why}): nothing can be copied out of it`;

/** What repacking `shard` into `into` drops and keeps, before anything is written (bytesAfter 0). */
function repackedShard(shard: ArchiveShard, into: string, entries: readonly DesEntry[], sidecar: Sidecar | undefined, corrupt: ReadonlySet<string>): RepackedShard {
  const tombstoned = entries.filter((e) => tombstoneOf(sidecar, e.uid)).map((e) => e.uid);
  return {
    shard: shard.name,
    into,
    entries: entries.filter((e) => !corrupt.has(e.uid) && !tombstoned.includes(e.uid)).length,
    tombstonedDropped: tombstoned,
    corruptDropped: [...corrupt].filter((uid) => !tombstoned.includes(uid)),
    bytesBefore: shard.shard.size,
    bytesAfter: 0,
  };
}

/**
 * A dry run's entry from the shard's index and sidecar alone (a few range reads, no payload), so a plan
 * stays cheap however big the archive: corrupt entries show only when a run reads the shard (DRY_RUN_ESTIMATE).
 */
async function plannedFromIndex(store: ObjectStore, shard: ArchiveShard, into: string): Promise<RepackedShard | string> {
  try {
    const index = await readShardIndex(store, shard.shard);
    const sidecar = shard.sidecar ? await readCachedSidecar(store, shard.sidecar) : undefined;
    return repackedShard(shard, into, index.entries, sidecar, new Set());
  } catch (e) {
    if (e instanceof ShardFormatError) return brokenStructure(e.message);
    throw e;
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
 * Deletes replaced shards whose grace period is over, with the big files no live shard references, and
 * the output of unfinished repacks older than the grace period — in batches, in three rounds: big files,
 * then sidecars, then shards, so a crash between rounds leaves a retired shard, never a sidecar without
 * its shard. A shard whose big file or sidecar was refused stays whole for a later run.
 */
async function deleteExpired(store: ObjectStore, listing: ArchiveListing, now: Date, graceMs: number, step: Step, progress: OpProgress, options: OpOptions): Promise<ExpiredDeletes> {
  const due: ArchiveShard[] = [];
  for (const retired of listing.retired) if ((await deleteAfter(store, retired, listing, graceMs)) <= now.getTime()) due.push(retired);
  const leftovers = listing.uncommitted.filter((o) => o.lastModified.getTime() + graceMs <= now.getTime());
  if (due.length === 0 && leftovers.length === 0) return { deleted: [], failed: [] };
  const bigFiles = await bigFilesOnlyOf(store, due, listing);
  step('delete', new Set([...bigFiles.values()].flat()).size + due.length + due.filter((s) => s.sidecar).length + leftovers.length);
  const failed: FailedDelete[] = [];
  const deleted: string[] = [];
  /** Deletes `keys` (once each), answering the URLs refused. */
  const round = async (keys: string[]): Promise<Set<string>> => {
    const unique = [...new Set(keys)];
    const refused = await deleteInBatches(store, unique.map((key) => ({ key })), progress, options);
    failed.push(...refused);
    const refusedUrls = new Set(refused.map((f) => f.object));
    deleted.push(...unique.map((key) => store.urlOf(key)).filter((url) => !refusedUrls.has(url)));
    return refusedUrls;
  };
  const whole = (refused: Set<string>, keysOf: (shard: ArchiveShard) => string[]) => (shard: ArchiveShard) => !keysOf(shard).some((key) => refused.has(store.urlOf(key)));
  const refusedBig = await round([...bigFiles.values()].flat());
  const withBigFilesGone = due.filter(whole(refusedBig, (shard) => bigFiles.get(shard) ?? []));
  const sidecarKeys = (shard: ArchiveShard) => (shard.sidecar ? [shard.sidecar.key] : []);
  const refusedSidecars = await round(withBigFilesGone.flatMap(sidecarKeys));
  await round([...withBigFilesGone.filter(whole(refusedSidecars, sidecarKeys)).map((shard) => shard.shard.key), ...leftovers.map((o) => o.key)]);
  return { deleted, failed };
}

interface ExpiredDeletes {
  /** URLs deleted. */
  deleted: string[];
  failed: FailedDelete[];
}

/** Per shard, the keys of the big files it references that no live shard does and that exist. */
async function bigFilesOnlyOf(store: ObjectStore, due: ArchiveShard[], listing: ArchiveListing): Promise<Map<ArchiveShard, string[]>> {
  const liveBigFiles = new Set<string>();
  if (due.length) for (const shard of listing.shards) for (const e of (await readShardIndex(store, shard.shard)).entries) if (e.isBigFile) liveBigFiles.add(e.bigFileHash!);
  const only = new Map<ArchiveShard, string[]>();
  for (const shard of due) {
    const index = await readShardIndex(store, shard.shard).catch(() => undefined);
    const keys: string[] = [];
    for (const e of index?.entries ?? []) {
      const key = e.isBigFile && !liveBigFiles.has(e.bigFileHash!) ? bigFileKey(shard.shard.key, e.bigFileHash!) : undefined;
      if (key && (await store.head(key))) keys.push(key);
    }
    only.set(shard, keys);
  }
  return only;
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
