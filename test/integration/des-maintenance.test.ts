/** DES archives: verify (every problem named by shard and uid), tombstone (guarded sidecar writes), repack (revisions, swap, grace). */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveEntries, readEntry } from '../../core/formats/des/archive';
import { listArchive } from '../../core/formats/des/listing';
import { isLakebenchError } from '../../core/errors';
import { repackArchive } from '../../core/ops/des-repack';
import { tombstoneEntry } from '../../core/ops/des-tombstone';
import { verifyArchive } from '../../core/ops/verify/des-archive';
import { verifyLocation } from '../../core/ops/verify/verify';
import { LocalStore } from '../../core/storage/local';
import { S3Store } from '../../core/storage/s3';
import { sha256, shardOf, writeArchive, type TestEntry } from '../helpers/des-writer';
import { startS3Server } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';

const text = (s: string) => new TextEncoder().encode(s);
const BUCKETS = 4;
const CODECS = ['zstd', 'lz4', 'none'] as const;

/** 40 entries over 4 shards (uid % 4), every codec, one big file; content is a function of the uid. */
const contentOf = (uid: number) => text(`entry ${uid} `.repeat(20 + (uid % 7)));
const bigFile = randomBytes(40_000);
function archiveShards(): { name: string; entries: TestEntry[] }[] {
  const shards = new Map<string, TestEntry[]>();
  for (let uid = 100; uid < 140; uid++) {
    const entry: TestEntry = uid === 101 ? { uid: String(uid), bytes: bigFile, bigFile: true } : { uid: String(uid), bytes: contentOf(uid), codec: CODECS[uid % 3], meta: { n: uid } };
    const name = shardOf(uid, BUCKETS);
    shards.set(name, [...(shards.get(name) ?? []), entry]);
  }
  return [...shards].map(([name, entries]) => ({ name, entries }));
}

let dir: string;
let store: LocalStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-des-maint-'));
  await writeArchive(dir, archiveShards());
  store = new LocalStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const shardFile = (uid: number) => path.join(dir, `${shardOf(uid, BUCKETS)}.des`);
const sidecarFile = (uid: number) => path.join(dir, `${shardOf(uid, BUCKETS)}.meta`);
const problemsOf = async () => (await verifyLocation(store)).problems.map((p) => [p.kind, p.object.replace(`${dir}/`, '')]);

/** Offset and length of an inline entry, from the sidecar. */
async function located(uid: number): Promise<{ offset: number; length: number }> {
  const sidecar = JSON.parse(await readFile(sidecarFile(uid), 'utf8')) as { index: Record<string, { uid: string; offset: number; length: number }> };
  return Object.values(sidecar.index).find((e) => e.uid === String(uid))!;
}
async function flipByte(file: string, at: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[at] ^= 0xff;
  await writeFile(file, bytes);
}

describe('verify on a DES archive', () => {
  it('passes a sound archive, counting shards and entries', async () => {
    const report = await verifyLocation(store);
    expect(report.problems).toEqual([]);
    expect(report.checked).toMatchObject({ files: 4, entries: 40 });
    expect(report.corruption_rate).toBe(0);
  });

  it('names shard and uid of each corruption: payload, checksum, big file, structure, sidecar disagreements', async () => {
    const zstdUid = 102; // 102 % 3 = 0 → zstd
    const rawUid = 104; // 104 % 3 = 2 → stored as is
    const z = await located(zstdUid);
    await flipByte(shardFile(zstdUid), z.offset + Math.floor(z.length / 2));
    const r = await located(rawUid);
    await flipByte(shardFile(rawUid), r.offset + 3);
    await unlink(path.join(dir, '_bigFiles', sha256(bigFile)));
    // Shard 3: the footer cut off. Shard of 103 … is shard 3 (103 % 4).
    const cut = await readFile(shardFile(103));
    await writeFile(shardFile(103), cut.subarray(0, cut.length - 5));
    // A sidecar that lost an entry and records another size; a lonely sidecar; a shard without one.
    const sidecar = JSON.parse(await readFile(sidecarFile(100), 'utf8')) as { index: Record<string, { uid: string }>; shard_size: number };
    const key = Object.keys(sidecar.index).find((k) => sidecar.index[k]!.uid === '108')!;
    delete sidecar.index[key];
    await writeFile(sidecarFile(100), JSON.stringify(sidecar));
    await writeFile(path.join(dir, '20261120_09_0001.meta'), '{"version":1,"index":{},"tombstones":{}}');

    const problems = await problemsOf();
    const shard = (uid: number) => `${shardOf(uid, BUCKETS)}.des`;
    // A flipped byte in a zstd frame without content checksum may still decode, to other bytes.
    expect(problems.filter(([, object]) => object === `${shard(zstdUid)}#${zstdUid}`).map(([kind]) => kind)).toEqual([expect.stringMatching(/^(decode-error|checksum-mismatch)$/)]);
    expect(problems).toEqual(expect.arrayContaining([
      ['checksum-mismatch', `${shard(rawUid)}#${rawUid}`],
      ['missing-file', `${shard(101)}#101`],
      ['bad-magic', shard(103)],
      ['sidecar-mismatch', `${shard(108)}#108`],
      ['lonely-sidecar', '20261120_09_0001.meta'],
    ]));
    // The sidecar edit, and the cut shard against its sidecar's size, are the only disagreements.
    expect(problems.filter(([kind]) => kind === 'sidecar-mismatch').sort()).toEqual([['sidecar-mismatch', `${shard(108)}#108`], ['sidecar-mismatch', shard(103)]]);
    const report = await verifyArchive(store);
    expect(report.corruption_rate).toBe(1); // every shard has one: 0 (sidecar), 1 (big file), 2 (raw), 3 (footer) — 102 is shard 2 too
    expect(report.problems.every((p) => p.detail.includes('shard '))).toBe(true);
  });

  it('reports a shard without a sidecar, and index bounds outside the data area', async () => {
    await unlink(sidecarFile(100));
    const bytes = await readFile(shardFile(101));
    // The index's first entry offset (after u32 count, u16 len + uid, u8 flags): point it past the end.
    const indexSize = Number(bytes.readBigUInt64LE(bytes.length - 8));
    const indexStart = bytes.length - 12 - indexSize;
    const uidLength = bytes.readUInt16LE(indexStart + 4);
    const firstIsBig = bytes[indexStart + 6 + uidLength] === 1;
    expect(firstIsBig).toBe(true); // 101 is the big file: the second entry is inline
    const problems = await problemsOf();
    expect(problems).toContainEqual(['missing-sidecar', `${shardOf(100, BUCKETS)}.des`]);
    const second = indexStart + 6 + uidLength + 1 + 2 + 64 + 8 + 4 + 0; // flags, hash len, hash, size, meta_len (no meta)
    const secondUidLength = bytes.readUInt16LE(second);
    bytes.writeBigUInt64LE(BigInt(bytes.length * 2), second + 2 + secondUidLength + 1);
    await writeFile(shardFile(101), bytes);
    expect(await problemsOf()).toContainEqual(['bad-index', `${shardOf(101, BUCKETS)}.des`]);
  });
});

describe('des tombstone', () => {
  it('adds the tombstone with reason and ticket; a get then refuses the uid; a second call writes nothing', async () => {
    const result = await tombstoneEntry(store, { uid: '110', reason: 'GDPR erasure', ticket: 'T-42', deletedBy: 'dpo' });
    expect(result).toMatchObject({ uid: '110', shard: `${shardOf(110, BUCKETS)}.des`, already: false });
    const sidecar = JSON.parse(await readFile(sidecarFile(110), 'utf8')) as { tombstones: Record<string, unknown>; stats: { deleted_files: number } };
    expect(Object.values(sidecar.tombstones)).toEqual([expect.objectContaining({ uid: '110', reason: 'GDPR erasure', ticket_id: 'T-42', deleted_by: 'dpo' })]);
    expect(sidecar.stats.deleted_files).toBe(1);
    const refused = await readEntry(store, '110').catch((e: unknown) => e);
    expect(isLakebenchError(refused, 'NOT_FOUND') && refused.message).toContain('tombstoned (GDPR erasure)');
    expect((await tombstoneEntry(store, { uid: '110', reason: 'again' })).already).toBe(true);
    const missing = await tombstoneEntry(store, { uid: '999', reason: 'x' }).catch((e: unknown) => e);
    expect(isLakebenchError(missing, 'NOT_FOUND')).toBe(true);
  });

  it('loses no tombstone when many writers tombstone entries of one shard at once (local lock + ETag guard)', async () => {
    const uids = [100, 104, 108, 112, 116, 120, 124, 128].map(String); // all in shard 0
    await Promise.all(uids.map((uid) => tombstoneEntry(store, { uid, reason: `r${uid}` })));
    const entries = await archiveEntries(store);
    expect(entries.filter((e) => e.tombstoned).map((e) => e.uid).sort()).toEqual(uids);
  });

  it('rebuilds the sidecar of a shard that has none, without checksums', async () => {
    await unlink(sidecarFile(101));
    await tombstoneEntry(store, { uid: '105', reason: 'x' });
    const sidecar = JSON.parse(await readFile(sidecarFile(101), 'utf8')) as { index: Record<string, { checksum?: string }>; tombstones: object };
    expect(Object.keys(sidecar.index)).toHaveLength(10);
    expect(Object.values(sidecar.index).every((e) => e.checksum === undefined)).toBe(true);
    expect(Object.keys(sidecar.tombstones)).toHaveLength(1);
    expect((await verifyArchive(store)).problems).toEqual([]);
  });
});

describe('des repack', () => {
  it('rewrites shards over the deletion ratio as _R001 without tombstoned and corrupt entries; readers switch; the old shard goes after the grace period', async () => {
    for (const uid of ['100', '104', '108']) await tombstoneEntry(store, { uid, reason: 'x' }); // 3 of 10 in shard 0
    await tombstoneEntry(store, { uid: '101', reason: 'big file erased' }); // 1 of 10 in shard 1: below 0.2
    const plan = await repackArchive(store, { dryRun: true });
    expect(plan.repacked.map((r) => [r.shard, r.into, r.entries])).toEqual([[`${shardOf(100, BUCKETS)}.des`, `${shardOf(100, BUCKETS)}_R001.des`, 7]]);
    expect(await readdir(dir)).not.toContain(`${shardOf(100, BUCKETS)}_R001.des`);

    const before = await readdir(dir);
    const now = new Date('2026-11-23T12:00:00Z');
    const done = await repackArchive(store, { now });
    expect(done.repacked[0]).toMatchObject({ entries: 7, tombstonedDropped: ['100', '104', '108'], corruptDropped: [] });
    expect(done.skipped.map((s) => s.reason)).toEqual(expect.arrayContaining([expect.stringContaining('below 0.2')]));
    const listing = await listArchive(store);
    expect(listing.shards.map((s) => s.name)).toContain(`${shardOf(100, BUCKETS)}_R001.des`);
    expect(listing.retired.map((s) => s.name)).toEqual([`${shardOf(100, BUCKETS)}.des`]);
    // Every kept entry reads the same bytes from the new shard; the tombstoned ones are gone, even with --include-deleted.
    for (let uid = 112; uid < 140; uid += 4) expect(Buffer.from((await readEntry(store, String(uid))).bytes).equals(contentOf(uid))).toBe(true);
    expect((await readEntry(store, '112')).shard).toBe(`${shardOf(100, BUCKETS)}_R001.des`);
    const gone = await readEntry(store, '104', { includeDeleted: true }).catch((e: unknown) => e);
    expect(isLakebenchError(gone, 'NOT_FOUND')).toBe(true);
    expect((await verifyArchive(store)).problems).toEqual([]);

    // Within the grace period the old shard stays; after it a run deletes it (sidecar and shard).
    await repackArchive(store, { now: new Date(now.getTime() + 3600_000) });
    expect(await readdir(dir)).toEqual(expect.arrayContaining(before));
    const later = await repackArchive(store, { now: new Date(now.getTime() + 49 * 3600_000) });
    expect(later.deleted.map((d) => path.basename(d)).sort()).toEqual([`${shardOf(100, BUCKETS)}.des`, `${shardOf(100, BUCKETS)}.meta`]);
    expect((await verifyArchive(store)).problems).toEqual([]);
  });

  it('drops corrupt entries of a named shard, re-encodes with --recompress, and numbers the next revision R002', async () => {
    const z = await located(102);
    await flipByte(shardFile(102), z.offset + Math.floor(z.length / 2));
    const first = await repackArchive(store, { shard: shardOf(102, BUCKETS) }); // the name without .des names it too
    expect(first.repacked[0]).toMatchObject({ into: `${shardOf(102, BUCKETS)}_R001.des`, corruptDropped: ['102'], entries: 9 });
    expect((await verifyArchive(store)).problems).toEqual([]);
    const second = await repackArchive(store, { shard: `${shardOf(102, BUCKETS)}_R001.des`, recompressLevel: 19, graceMs: 0 });
    expect(second.repacked[0]!.into).toBe(`${shardOf(102, BUCKETS)}_R002.des`);
    const entries = await archiveEntries(store, { shard: `${shardOf(102, BUCKETS)}_R002.des` });
    expect(entries.filter((e) => e.codec !== 'none').every((e) => e.codec === 'zstd')).toBe(true);
    for (const e of entries) expect(Buffer.from((await readEntry(store, e.uid)).bytes).equals(contentOf(Number(e.uid)))).toBe(true);
    // R001 was replaced with grace 0, the original with the default 48 h, which R002's sidecar carries forward.
    const cleaned = await repackArchive(store, { minDeletionRatio: 1 });
    expect(cleaned.deleted.map((d) => path.basename(d)).sort()).toEqual([`${shardOf(102, BUCKETS)}_R001.des`, `${shardOf(102, BUCKETS)}_R001.meta`]);
    const twoDaysOn = await repackArchive(store, { minDeletionRatio: 1, now: new Date(Date.now() + 49 * 3600_000) });
    expect(twoDaysOn.deleted.map((d) => path.basename(d)).sort()).toEqual([`${shardOf(102, BUCKETS)}.des`, `${shardOf(102, BUCKETS)}.meta`]);
  });

  it('deletes a tombstoned big file only with the shard that held it, after the grace period', async () => {
    await tombstoneEntry(store, { uid: '101', reason: 'erase' });
    await repackArchive(store, { shard: `${shardOf(101, BUCKETS)}.des`, graceMs: 0 });
    expect(await readdir(path.join(dir, '_bigFiles'))).toEqual([sha256(bigFile)]);
    const cleaned = await repackArchive(store, { graceMs: 0 });
    expect(cleaned.deleted.map((d) => path.basename(d))).toContain(sha256(bigFile));
    expect(await readdir(path.join(dir, '_bigFiles'))).toEqual([]);
  });

  it('refuses to commit when the sidecar changed during the run (a tombstone would be lost)', async () => {
    for (const uid of ['100', '104', '108']) await tombstoneEntry(store, { uid, reason: 'x' });
    let tombstoned = false;
    const error = await repackArchive(store, {
      onProgress: (p) => {
        if (p.phase === 'write' && !tombstoned) {
          tombstoned = true;
          void tombstoneEntry(store, { uid: '112', reason: 'late' });
        }
      },
    }).catch((e: unknown) => e);
    // Either the tombstone landed before the commit check (CONFLICT) or after the swap (then it was re-applied to R001).
    if (isLakebenchError(error, 'CONFLICT')) expect((await listArchive(store)).shards.every((s) => s.revision === 0)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await archiveEntries(store)).find((e) => e.uid === '112')?.tombstoned).toBe(true);
  });
});

describe('DES on S3', () => {
  it('gets an entry cold in 3 requests (list, sidecar, payload) and warm in 1; tombstones with If-Match; verifies', async () => {
    const server = await startS3Server();
    try {
      await server.createBucket('des');
      const s3 = new S3Store({ client: server.client, bucket: 'des', prefix: 'archive', urlScheme: 's3', endpoint: server.endpoint });
      await uploadFolder(dir, s3);
      server.requests.length = 0;
      expect(Buffer.from((await readEntry(s3, '117')).bytes).equals(contentOf(117))).toBe(true);
      expect(server.requests.map((r) => r.method)).toHaveLength(3);
      const listing = await listArchive(s3);
      server.requests.length = 0;
      expect(Buffer.from((await readEntry(s3, '117', { listing })).bytes).equals(contentOf(117))).toBe(true);
      expect(server.requests).toHaveLength(1);

      await tombstoneEntry(s3, { uid: '117', reason: 'erase' });
      const refused = await readEntry(s3, '117').catch((e: unknown) => e);
      expect(isLakebenchError(refused, 'NOT_FOUND')).toBe(true);
      const sidecarKey = `${shardOf(117, BUCKETS)}.meta`;
      const info = await s3.head(sidecarKey);
      expect(await s3.putIfMatch(sidecarKey, '{}', 'not-the-etag')).toBe(false);
      expect(await s3.putIfMatch(sidecarKey, await s3.get(sidecarKey), info!.etag!)).toBe(true);
      expect((await verifyArchive(s3)).problems).toEqual([]);
      const repacked = await repackArchive(s3, { shard: `${shardOf(117, BUCKETS)}.des` });
      expect(repacked.repacked[0]!.tombstonedDropped).toEqual(['117']);
      expect(Buffer.from((await readEntry(s3, '121')).bytes).equals(contentOf(121))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('loses no tombstone to concurrent writers where the server enforces If-Match', async () => {
    const server = await startS3Server({ conditionalWrites: true });
    try {
      await server.createBucket('des');
      const s3 = new S3Store({ client: server.client, bucket: 'des', prefix: 'archive', urlScheme: 's3', endpoint: server.endpoint });
      await uploadFolder(dir, s3);
      const uids = [100, 104, 108, 112, 116, 120].map(String); // one shard
      server.requests.length = 0;
      await Promise.all(uids.map((uid) => tombstoneEntry(s3, { uid, reason: `r${uid}` })));
      expect((await archiveEntries(s3)).filter((e) => e.tombstoned).map((e) => e.uid).sort()).toEqual(uids);
      const puts = server.requests.filter((r) => r.method === 'PUT').length;
      console.log(`concurrent tombstones: ${puts} guarded writes for ${uids.length} tombstones (the rest refused and retried)`);
    } finally {
      await server.stop();
    }
  });
});
