/**
 * Iceberg cleanup crash campaigns. vacuum (remove_orphan_files) on a table of many small commits with
 * hundreds of old orphans of every kind around it; expire (expire_snapshots) on a table of old commits
 * with an overwrite among them. What must hold after any kill: the rows at the current and at every
 * snapshot the run keeps are the same multiset, verify finds no problem, and every object on disk is
 * either reached by the current metadata's snapshots, or reported as an orphan, or (expire) reached only
 * through removed snapshots, which the next expire run deletes — never an orphan the metadata reaches.
 * After the final clean run, one more expire and a vacuum with retention 0, only what the metadata
 * reaches is left.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { copyFile, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../core/demo/sample-data';
import { currentMetadataKey, metadataVersionOf } from '../../core/formats/iceberg/metadata-files';
import { reachableFiles } from '../../core/formats/iceberg/reachable';
import { findIcebergOrphans } from '../../core/ops/iceberg-orphans';
import { vacuumIcebergTable } from '../../core/ops/iceberg-vacuum';
import { expireIceberg } from '../../core/ops/iceberg-expire';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { verifyIcebergTable } from '../../core/ops/verify/iceberg-table';
import { openLocation } from '../../core/storage/location';
import type { ObjectStore } from '../../core/storage/types';
import { filesOnDisk, objectKeys } from './crash-checks';
import type { CrashScenario } from './crash-harness';
import { rowsBySnapshot } from './iceberg-rows';
import { IcebergTestWriter } from './iceberg-writer';

const DAY = 24 * 3600_000;

/** `appends` small commits of `rows` rows each over 4 kinds (one data file per commit). */
export async function smallCommitsTable(dir: string, appends: number, rows: number, { fastAppends = true, overwriteAt = -1 } = {}): Promise<IcebergTestWriter> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const w = new IcebergTestWriter(dir, conn, {
      fields: [
        { id: 1, name: 'id', type: 'long' },
        { id: 2, name: 'kind', type: 'string' },
        { id: 3, name: 'amount', type: 'double' },
      ],
      appendManifests: fastAppends,
    });
    const rand = seededRandom(appends);
    for (let i = 0; i < appends; i++) {
      const seed = Math.floor(rand() * 1000);
      const add = [{ sql: `SELECT range AS id, chr(97 + (range % 4)::INTEGER) AS kind, ((range * ${seed}) % 10007) / 100.0 AS amount FROM range(${i * rows}, ${(i + 1) * rows})` }];
      // The overwrite removes the first half of the files: only older snapshots reach them then.
      const remove = i === overwriteAt ? w.files().slice(0, Math.ceil(i / 2)).map((f) => f.path) : undefined;
      await w.commit({ add, ...(remove && { operation: 'overwrite', remove }) });
    }
    return w;
  } finally {
    conn.closeSync();
  }
}

/** Orphans of every kind, all old: copies of data files, lost manifests and metadata, temp leftovers. */
async function withOrphans(dir: string, count: number): Promise<void> {
  const data = (await filesOnDisk(dir)).filter((key) => key.startsWith('data/'));
  const manifests = (await filesOnDisk(dir)).filter((key) => key.endsWith('-m0.avro'));
  await mkdir(join(dir, 'data', 'kind=lost'), { recursive: true });
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0) await copyFile(join(dir, manifests[i % manifests.length]!), join(dir, 'metadata', `lost-${i}-m0.avro`));
    else if (i % 10 === 1) await writeFile(join(dir, 'data', `.lakebench-tmp-${i}`), 'partial');
    else await copyFile(join(dir, data[i % data.length]!), join(dir, 'data', 'kind=lost', `lost-${i}.parquet`));
  }
  await writeFile(join(dir, 'metadata', 'v0.metadata.json'), '{"lost": true}');
  const when = new Date(Date.now() - 30 * DAY);
  for (const key of await filesOnDisk(dir)) await utimes(join(dir, key), when, when);
}

/** `snapshot row` for every row of every retained snapshot (and of the current state). */
async function snapshotRows(location: string): Promise<string[]> {
  const rows: string[] = [];
  for (const [snapshot, list] of await rowsBySnapshot(openLocation(location))) for (const row of list) rows.push(`${snapshot} ${row}`);
  return rows.sort();
}

const sample = (keys: string[]): string => keys.slice(0, 5).join(', ') + (keys.length > 5 ? ` … (${keys.length})` : '');

/** Throws naming the first problems verify finds. */
async function verifyClean(store: ObjectStore): Promise<void> {
  const report = await verifyIcebergTable(store);
  if (report.problems.length) {
    throw new Error(`verify found ${report.problems.length} problems: ${report.problems.slice(0, 3).map((p) => `${p.kind} ${p.object}: ${p.detail}`).join('; ')}`);
  }
}

/** Verify is clean; every object is kept by the metadata or listed as an orphan, never both. */
export async function icebergTableSound(location: string): Promise<void> {
  const store = openLocation(location);
  await verifyClean(store);
  const kept = (await reachableFiles(store)).retainedKeys;
  const orphans = new Set((await findIcebergOrphans(store, { olderThanMs: 0 })).orphans.map((o) => o.key));
  const both = [...orphans].filter((key) => kept.has(key));
  if (both.length) throw new Error(`orphans the metadata keeps: ${sample(both)}`);
  const unreported = (await objectKeys(location)).filter((key) => !kept.has(key) && !orphans.has(key));
  if (unreported.length) throw new Error(`leftovers the orphan report misses: ${sample(unreported)}`);
}

/** Vacuums with retention 0 (forced): only what the metadata reaches is left, and it is all there. */
async function onlyReachableLeft(location: string): Promise<void> {
  const store = openLocation(location);
  await vacuumIcebergTable(store, { retentionMs: 0, force: true });
  const kept = (await reachableFiles(store)).retainedKeys;
  const onDisk = await objectKeys(location);
  const left = onDisk.filter((key) => !kept.has(key));
  if (left.length) throw new Error(`vacuum left objects the metadata does not keep: ${sample(left)}`);
  await icebergTableSound(location);
}

/** The current metadata file's number: it grows with every commit. */
async function metadataNumber(location: string): Promise<number> {
  return metadataVersionOf(await currentMetadataKey(openLocation(location))) ?? -1;
}

export const icebergVacuumScenario: CrashScenario = {
  name: 'iceberg-vacuum',
  build: async (dir) => {
    await smallCommitsTable(dir, 12, 50);
    await withOrphans(dir, 400);
  },
  args: (dir) => ['vacuum', dir, '--retention', '0', '--force'],
  table: (dir) => dir,
  rows: snapshotRows,
  version: metadataNumber,
  check: icebergTableSound,
  cleanup: onlyReachableLeft,
  // A killed vacuum left some of its deletes to the next run.
  exhausted: () => false,
};

/** Snapshots an expire run keeps whatever it does: the newest this many. */
const EXPIRE_KEEPS = 3;

/** `snapshot row` for every row of the current state and of the newest snapshots (those expire keeps). */
async function keptRows(location: string): Promise<string[]> {
  const store = openLocation(location);
  const newest = [...(await IcebergTable.open(store)).metadata.snapshots].sort((a, b) => b.timestampMs - a.timestampMs).slice(0, EXPIRE_KEEPS);
  const keep = new Set(['current', ...newest.map((s) => s.id)]);
  const rows: string[] = [];
  for (const [snapshot, list] of await rowsBySnapshot(store)) if (keep.has(snapshot)) for (const row of list) rows.push(`${snapshot} ${row}`);
  return rows.sort();
}

/** One more expire (what a kill left after the commit), then vacuum with retention 0: only what is kept is left. */
async function afterExpire(location: string): Promise<void> {
  const store = openLocation(location);
  await expireIceberg(store, undefined, { retainLast: EXPIRE_KEEPS });
  await onlyReachableLeft(location);
}

export const icebergExpireScenario: CrashScenario = {
  name: 'iceberg-expire',
  // Written in 2026-01 (the test writer's clock): every snapshot is older than 5 days.
  build: async (dir) => {
    await smallCommitsTable(dir, 14, 40, { fastAppends: false, overwriteAt: 8 });
  },
  args: (dir) => ['expire', dir, '--retain-last', String(EXPIRE_KEEPS)],
  table: (dir) => dir,
  rows: keptRows,
  version: metadataNumber,
  // What a kill after the commit left (files of the expired snapshots) is listed as orphans too.
  check: icebergTableSound,
  cleanup: afterExpire,
  // A run killed after its commit leaves its deletes to the next run.
  exhausted: () => false,
};
