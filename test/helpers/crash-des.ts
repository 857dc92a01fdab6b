/**
 * The DES repack crash campaign: an archive whose every shard has a quarter of its entries tombstoned
 * (a big file among them), repacked with grace 0 so that each run also deletes what earlier runs
 * replaced. What must hold after any kill: every entry that was not tombstoned reads its exact bytes,
 * no tombstoned entry reads again, verify finds no problem, and only unfinished repack output is left
 * over — which the final clean run deletes.
 */
import { randomBytes } from 'node:crypto';
import { seededRandom } from '../../core/demo/sample-data';
import { archiveEntries, readEntry } from '../../core/formats/des/archive';
import { listArchive } from '../../core/formats/des/listing';
import { repackArchive } from '../../core/ops/des-repack';
import { tombstoneEntry } from '../../core/ops/des-tombstone';
import { verifyArchive } from '../../core/ops/verify/des-archive';
import { LocalStore } from '../../core/storage/local';
import { openLocation } from '../../core/storage/location';
import { objectKeys } from './crash-checks';
import type { CrashScenario } from './crash-harness';
import { sha256, shardOf, writeArchive, type TestEntry } from './des-writer';

const SHARDS = 8;
const ENTRIES = 480;

async function tombstonedArchive(dir: string): Promise<void> {
  const rand = seededRandom(5);
  const shards = new Map<string, TestEntry[]>();
  for (let uid = 0; uid < ENTRIES; uid++) {
    const bytes = uid % 97 === 0 ? randomBytes(20_000) : Buffer.from(`entry ${uid} ${Math.floor(rand() * 1e9)} `.repeat(40));
    const entry: TestEntry = { uid: String(uid), bytes, codec: (['zstd', 'lz4', 'none'] as const)[uid % 3], bigFile: uid % 97 === 0 };
    shards.set(shardOf(uid, SHARDS), [...(shards.get(shardOf(uid, SHARDS)) ?? []), entry]);
  }
  await writeArchive(dir, [...shards].map(([name, entries]) => ({ name, entries })));
  const store = new LocalStore(dir);
  for (let uid = 0; uid < ENTRIES; uid++) if (uid % 4 === 1 || uid === 97) await tombstoneEntry(store, { uid: String(uid), reason: 'crash test' });
}

/** `uid sha256` of every entry a reader gets (tombstoned ones excluded). */
async function readableEntries(location: string): Promise<string[]> {
  const store = openLocation(location);
  const listing = await listArchive(store);
  const entries = (await archiveEntries(store, { listing })).filter((e) => !e.tombstoned);
  const rows: string[] = [];
  for (const e of entries) rows.push(`${e.uid} ${sha256((await readEntry(store, e.uid, { listing })).bytes)}`);
  return rows.sort();
}

async function archiveSound(location: string): Promise<void> {
  const store = openLocation(location);
  const report = await verifyArchive(store);
  if (report.problems.length) throw new Error(`verify found ${report.problems.length} problems: ${report.problems.slice(0, 3).map((p) => `${p.kind} ${p.object}: ${p.detail}`).join('; ')}`);
  // Everything on disk is a live or replaced shard, a sidecar, a big file or an orphan verify lists.
  const listing = await listArchive(store);
  const known = new Set([...listing.shards, ...listing.retired].flatMap((s) => [s.shard.key, ...(s.sidecar ? [s.sidecar.key] : [])]));
  const orphans = new Set(listing.uncommitted.map((o) => o.key));
  const unknown = (await objectKeys(location)).filter((key) => !known.has(key) && !orphans.has(key) && !key.startsWith('_bigFiles/') && !key.includes('.lakebench-tmp-'));
  if (unknown.length) throw new Error(`objects that are neither shards, sidecars, big files nor listed orphans: ${unknown.slice(0, 3).join(', ')}`);
}

/** Repack finished with grace 0: only live shards, their sidecars and the big files they reference are left. */
async function onlyLiveLeft(location: string): Promise<void> {
  const store = openLocation(location);
  await repackArchive(store, { graceMs: 0 });
  const listing = await listArchive(store);
  if (listing.retired.length || listing.uncommitted.length) throw new Error(`left after a clean run: ${[...listing.retired.map((s) => s.name), ...listing.uncommitted.map((o) => o.key)].join(', ')}`);
  const live = await archiveEntries(store, { listing });
  const onDisk = (await objectKeys(location)).filter((key) => key.startsWith('_bigFiles/'));
  if (onDisk.length !== live.filter((e) => e.codec === 'bigfile').length) throw new Error(`big files on disk ${onDisk.length}, referenced ${live.filter((e) => e.codec === 'bigfile').length}`);
  if (live.some((e) => e.tombstoned)) throw new Error('a tombstoned entry survived a completed repack');
  await archiveSound(location);
}

export const desRepackScenario: CrashScenario = {
  name: 'des-repack',
  build: tombstonedArchive,
  args: (dir) => ['des', 'repack', dir, '--grace', '0'],
  table: (dir) => dir,
  rows: readableEntries,
  // A killed run leaves shards to repack, or replaced shards to delete, to the next run.
  exhausted: () => false,
  // Each commit is a new revision sidecar: their sum over live shards grows with every commit.
  version: async (location) => (await listArchive(openLocation(location))).shards.reduce((n, s) => n + s.revision, 0),
  check: archiveSound,
  cleanup: onlyLiveLeft,
};
