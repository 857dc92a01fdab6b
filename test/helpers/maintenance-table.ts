/** Small Delta tables for the cleanup tests (orphans, vacuum, expire, checkpoint), built with the real import op. */
import { readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { commit } from '../../core/formats/delta/commit';
import { decodedPath } from '../../core/formats/delta/replay';
import { DeltaTable } from '../../core/formats/delta/table';
import { importFiles } from '../../core/ops/import';
import type { ObjectStore } from '../../core/storage/types';
import { queryTable } from './delta-rows';

export const DAY = 24 * 3600_000;

let inputCount = 0;

/** Appends CSV rows (one commit) through a temp input file in `scratch`; returns the new version. */
export async function appendCsv(store: ObjectStore, scratch: string, csv: string): Promise<number> {
  const file = path.join(scratch, `input-${++inputCount}.csv`);
  await writeFile(file, csv);
  return (await importFiles(store, { inputs: [file] })).version;
}

/** The table's rows as `id` values in order (every test table has an `id` column). */
export async function ids(store: ObjectStore, version?: number): Promise<number[]> {
  return (await queryTable(store, 'SELECT id FROM t ORDER BY id', version)).map((r) => Number(r.id));
}

/** Every file under `dir` as a `/`-separated key, hidden ones included. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** Sets a file's modification time (how the tests age objects and commits). */
export async function setModified(file: string, epochMs: number): Promise<void> {
  await utimes(file, new Date(epochMs), new Date(epochMs));
}

/** Sets table properties with a metaData commit (what `ALTER TABLE … SET TBLPROPERTIES` writes). */
export async function setTableProperties(store: ObjectStore, properties: Record<string, string>): Promise<number> {
  const snapshot = await (await DeltaTable.open(store)).snapshot();
  const configuration = { ...snapshot.metadata.configuration, ...properties };
  const { version } = await commit(store, {
    actions: [{ metaData: { ...snapshot.metadata, configuration } }],
    readVersion: snapshot.version,
    operation: 'SET TBLPROPERTIES',
    operationParameters: { properties },
    isBlindAppend: false,
  });
  return version;
}

/** Keys (decoded paths) of the table's live files at the latest version, sorted. */
export async function liveKeys(store: ObjectStore): Promise<string[]> {
  return (await (await DeltaTable.open(store)).snapshot()).files.map((f) => decodedPath(f.path)).sort();
}
