/**
 * `tsx scripts/bench-des.ts`: fetching one entry from a DES archive on S3, printed as `BENCH <name> <value> <unit>`.
 *
 *   des_get_cold_ms         a get with nothing cached: list, the shard's sidecar, the payload (median of 15 uids)
 *   des_get_cold_requests   requests that took (goal ≤ 4)
 *   des_get_warm_ms         a get with the listing held and the sidecar cached (the app's archive view)
 *   des_get_warm_requests   requests that took (goal 1)
 *   des_get_warm_ratio      warm get ÷ one plain range GET of the same payload, measured alternately
 *
 * The archive: 1 GB in 200 shards of 50 entries of 100 kB (uid % 256 names the shard, as DES does), with
 * sidecars, on the loopback S3 server the tests use.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { forgetCachedIndexes, readEntry } from '../core/formats/des/archive';
import { listArchive } from '../core/formats/des/listing';
import { S3Store } from '../core/storage/s3';
import { writeShard, shardOf } from '../test/helpers/des-writer';
import { startS3Server } from '../test/helpers/s3server';
import { uploadFolder } from '../test/helpers/upload-folder';
import { median } from './bench-report';

const SHARDS = 200;
const BUCKETS = 256;
const ENTRIES_PER_SHARD = 50;
const ENTRY_BYTES = 100_000;
const SAMPLES = 15;

const pool = randomBytes(ENTRY_BYTES * 4);
/** Entry bytes differ per uid but cost no random generation each. */
const bytesOf = (uid: number) => pool.subarray((uid * 7919) % (ENTRY_BYTES * 3), ((uid * 7919) % (ENTRY_BYTES * 3)) + ENTRY_BYTES);
const uidOf = (shard: number, k: number) => k * BUCKETS + shard;

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-des-'));
const server = await startS3Server();
try {
  const local = path.join(work, 'archive');
  await mkdir(local);
  for (let shard = 0; shard < SHARDS; shard++) {
    const entries = Array.from({ length: ENTRIES_PER_SHARD }, (_, k) => ({ uid: String(uidOf(shard, k)), bytes: bytesOf(uidOf(shard, k)) }));
    const name = shardOf(shard, BUCKETS);
    const written = await writeShard(name, entries);
    await writeFile(path.join(local, `${name}.des`), written.shard);
    await writeFile(path.join(local, `${name}.meta`), written.sidecar);
  }
  await server.createBucket('des');
  const store = new S3Store({ client: server.client, bucket: 'des', prefix: 'archive', urlScheme: 's3', endpoint: server.endpoint });
  await uploadFolder(local, store);
  console.error(`bench-des: ${SHARDS} shards, ${((SHARDS * ENTRIES_PER_SHARD * ENTRY_BYTES) / 1e9).toFixed(2)} GB on loopback S3`);

  const timed = async (run: () => Promise<unknown>) => {
    server.requests.length = 0;
    const start = performance.now();
    await run();
    return { ms: performance.now() - start, requests: server.requests.length };
  };
  const check = (bytes: Uint8Array, uid: number) => {
    if (!Buffer.from(bytes).equals(bytesOf(uid))) throw new Error(`entry ${uid} read wrong bytes`);
  };
  const cold: { ms: number; requests: number }[] = [];
  const warm: { ms: number; requests: number }[] = [];
  const raw: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const shard = (i * 37) % SHARDS;
    const uid = uidOf(shard, (i * 13) % ENTRIES_PER_SHARD);
    forgetCachedIndexes();
    cold.push(await timed(async () => check((await readEntry(store, String(uid))).bytes, uid)));
    const listing = await listArchive(store);
    await readEntry(store, String(uid), { listing });
    warm.push(await timed(async () => check((await readEntry(store, String(uid), { listing })).bytes, uid)));
    const offset = 8 + ((uid - shard) / BUCKETS) * ENTRY_BYTES;
    raw.push((await timed(() => store.get(`${shardOf(shard, BUCKETS)}.des`, { offset, length: ENTRY_BYTES }))).ms);
  }
  const worst = (samples: { requests: number }[]) => Math.max(...samples.map((s) => s.requests));
  console.log(`BENCH des_get_cold_ms ${median(cold.map((s) => s.ms)).toFixed(1)} ms`);
  console.log(`BENCH des_get_cold_requests ${worst(cold)} requests`);
  console.log(`BENCH des_get_warm_ms ${median(warm.map((s) => s.ms)).toFixed(1)} ms`);
  console.log(`BENCH des_get_warm_requests ${worst(warm)} requests`);
  console.log(`BENCH des_get_warm_ratio ${(median(warm.map((s) => s.ms)) / median(raw)).toFixed(2)} x`);
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
