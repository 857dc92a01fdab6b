/**
 * Plans are cheap: a dry run reads metadata and footers, never the data it would rewrite. Counted through
 * a recording wrapper over a real store on the loopback S3 server (test/helpers/counting-store.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listArchive } from '../../core/formats/des/listing';
import { DRY_RUN_ESTIMATE, repackArchive } from '../../core/ops/des-repack';
import { tombstoneEntry } from '../../core/ops/des-tombstone';
import { S3Store } from '../../core/storage/s3';
import { countingStore } from '../helpers/counting-store';
import { intoShards, shardOf, writeArchive, type TestEntry } from '../helpers/des-writer';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket('lake');
});
afterAll(async () => {
  await server?.stop();
});

describe('des repack --dry-run', () => {
  it('plans every shard from its index and sidecar: range reads only, no payload and no big file read', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-cheap-plan-des-'));
    try {
      const entries = Array.from({ length: 40 }, (_, i): TestEntry =>
        i === 1 ? { uid: '101', bytes: randomBytes(40_000), bigFile: true } : { uid: String(100 + i), bytes: randomBytes(2_000), codec: 'zstd' },
      );
      await writeArchive(dir, intoShards(entries, 4));
      const s3 = new S3Store({ client: server.client, bucket: 'lake', prefix: 'des', urlScheme: 's3', endpoint: server.endpoint });
      await uploadFolder(dir, s3);
      for (const uid of ['100', '104', '101']) await tombstoneEntry(s3, { uid, reason: 'erase' });

      const { store, reads } = countingStore(s3);
      const plan = await repackArchive(store, { dryRun: true, recompressLevel: 3 });
      expect(plan.estimate).toBe(DRY_RUN_ESTIMATE);
      expect(plan.repacked.map((r) => [r.shard, r.entries, r.tombstonedDropped.sort()]).sort()).toEqual([
        [`${shardOf(100, 4)}.des`, 8, ['100', '104']],
        [`${shardOf(101, 4)}.des`, 9, ['101']],
        [`${shardOf(102, 4)}.des`, 10, []],
        [`${shardOf(103, 4)}.des`, 10, []],
      ]);
      const shardReads = reads.filter((r) => r.key.endsWith('.des'));
      expect(shardReads.length).toBeGreaterThan(0);
      expect(shardReads.filter((r) => r.range === undefined)).toEqual([]);
      for (const { shard } of (await listArchive(s3)).shards) {
        const bytesRead = shardReads.filter((r) => r.key === shard.key).reduce((n, r) => n + r.range!.length, 0);
        expect(bytesRead).toBeLessThan(shard.size / 4);
      }
      expect(reads.filter((r) => r.key.includes('_bigFiles/'))).toEqual([]);
      // Nothing was written: the shards are still revision 0 only.
      expect((await listArchive(s3)).shards.every((s) => s.revision === 0)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
