/**
 * What must hold for a Delta table after any crash (design.md, crash-safety rule 4): verify finds
 * no problem, and every object on disk that the log does not reference (live files, tombstones, log
 * entries) is reported by the orphan finder — which never names a live file or log entry. After a
 * vacuum with retention 0, only the log and the live files are left. Tables are named by location: a
 * local folder, or `s3://…` (opened with the AWS_* variables of this process, as the CLI opens it).
 */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseLogFileName } from '../../core/formats/delta/log-files';
import { decodedPath } from '../../core/formats/delta/replay';
import { DeltaTable, type Snapshot } from '../../core/formats/delta/table';
import type { AddFile, RemoveFile } from '../../core/formats/delta/actions';
import { findOrphans } from '../../core/ops/orphans';
import { dvFileKeyOf } from '../../core/ops/table-references';
import { vacuumTable } from '../../core/ops/vacuum';
import { verifyLocation } from '../../core/ops/verify/verify';
import { openLocation } from '../../core/storage/location';

/** The table's latest version, or -1 when `location` holds no table (yet). */
export async function tableVersion(location: string): Promise<number> {
  const store = openLocation(location);
  return (await DeltaTable.exists(store)) ? (await DeltaTable.open(store)).latestVersion() : -1;
}

/** Every object under `location` as a key, temporary files of interrupted local writes included. */
export async function objectKeys(location: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of openLocation(location).listAll('', { includeTemporary: true })) keys.push(info.key);
  return keys;
}

/** Every file under `dir` as a `/`-separated key, hidden and temporary files included. */
export async function filesOnDisk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

interface TableObjects {
  snapshot: Snapshot;
  live: Set<string>;
  /** Commits, checkpoints and `_last_checkpoint`. */
  log: Set<string>;
  tombstones: Set<string>;
  onDisk: string[];
}

async function tableObjects(location: string): Promise<TableObjects> {
  const store = openLocation(location);
  const snapshot = await (await DeltaTable.open(store)).snapshot();
  const onDisk = await objectKeys(location);
  return {
    snapshot,
    // Live and tombstoned files with the files of their deletion vectors.
    live: new Set(snapshot.files.flatMap((f) => withDvFile(f, store.url))),
    log: new Set(onDisk.filter((key) => key.startsWith('_delta_log/') && parseLogFileName(key).kind !== 'other')),
    tombstones: new Set(snapshot.tombstones.flatMap((f) => withDvFile(f, store.url))),
    onDisk,
  };
}

function withDvFile(file: AddFile | RemoveFile, tableUrl: string): string[] {
  const dvFile = dvFileKeyOf(file, tableUrl);
  return [decodedPath(file.path), ...(dvFile ? [dvFile] : [])];
}

const sample = (keys: string[]): string => keys.slice(0, 5).join(', ') + (keys.length > 5 ? ` … (${keys.length})` : '');

/** Throws naming what broke: a verify problem, an unreported leftover, or an orphan that is not one. */
export async function checkTable(location: string): Promise<void> {
  if ((await tableVersion(location)) < 0) return; // nothing committed yet: no table to check
  const store = openLocation(location);
  const report = await verifyLocation(store, {});
  if (report.problems.length) {
    throw new Error(`verify found ${report.problems.length} problems: ${report.problems.slice(0, 3).map((p) => `${p.kind} ${p.object}: ${p.detail}`).join('; ')}`);
  }
  const objects = await tableObjects(location);
  const orphans = new Set((await findOrphans(store, { olderThanMs: 0 })).orphans.map((o) => o.key));
  const wrongOrphans = [...orphans].filter((key) => objects.live.has(key) || objects.log.has(key));
  if (wrongOrphans.length) throw new Error(`orphans include live files or log entries: ${sample(wrongOrphans)}`);
  const referenced = (key: string) => objects.live.has(key) || objects.log.has(key) || objects.tombstones.has(key);
  const unreported = objects.onDisk.filter((key) => !referenced(key) && !orphans.has(key));
  if (unreported.length) throw new Error(`leftovers the orphan report misses: ${sample(unreported)}`);
}

/**
 * Vacuums with retention 0 (forced) and checks that only the log and the live files remain, that no
 * orphan is reported any more and that verify is still clean.
 */
export async function finalVacuum(location: string): Promise<void> {
  const store = openLocation(location);
  await vacuumTable(store, { retentionMs: 0, force: true });
  const objects = await tableObjects(location);
  const left = objects.onDisk.filter((key) => !objects.live.has(key) && !objects.log.has(key));
  if (left.length) throw new Error(`vacuum left objects that are neither live nor log: ${sample(left)}`);
  const missing = [...objects.live].filter((key) => !objects.onDisk.includes(key));
  if (missing.length) throw new Error(`live files missing after vacuum: ${sample(missing)}`);
  await checkTable(location);
}

/** Throws unless `actual` holds the same rows as `expected`, as multisets; names a few missing and extra rows. */
export function compareRows(expected: string[], actual: string[]): void {
  const missing = multisetMinus(expected, actual);
  const extra = multisetMinus(actual, expected);
  if (missing.length || extra.length) {
    throw new Error(
      `rows differ: ${missing.length} missing, ${extra.length} extra (expected ${expected.length}, found ${actual.length})\n` +
        `missing: ${missing.slice(0, 3).join(' ')}\nextra: ${extra.slice(0, 3).join(' ')}`,
    );
  }
}

function multisetMinus(a: string[], b: string[]): string[] {
  const counts = new Map<string, number>();
  for (const row of b) counts.set(row, (counts.get(row) ?? 0) + 1);
  return a.filter((row) => {
    const n = counts.get(row) ?? 0;
    if (n > 0) counts.set(row, n - 1);
    return n === 0;
  });
}

/** Rows as sorted JSON strings with sorted keys, comparable as multisets whatever the column order. */
export function canonicalRows(rows: Record<string, unknown>[]): string[] {
  return rows.map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1))))).sort();
}
