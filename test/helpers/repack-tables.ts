/**
 * Tables and checks for the repack tests: a small table with history (imports, a delete, a checkpoint),
 * a search of every object under a table for a marker (raw bytes, and every Parquet file through DuckDB,
 * since compression hides raw bytes), and the readable versions of a table.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeCheckpoint } from '../../core/formats/delta/checkpoint-write';
import { earliestReadableVersion, latestListedVersion, listLog } from '../../core/formats/delta/log-listing';
import { DeltaTable } from '../../core/formats/delta/table';
import { deleteWhere } from '../../core/ops/delete';
import { importFiles } from '../../core/ops/import';
import type { ObjectStore } from '../../core/storage/types';

/**
 * Version 0..4 of a table `id, p, note`: three imports (the marker row in the second), a checkpoint at
 * version 2, a delete of a row beside the marker (so an older, removed file holds the marker and its
 * tombstone's stats name it), and one more import. Returns the marker and the ids of every row.
 */
export async function tableWithHistory(
  store: ObjectStore,
  inputDir: string,
  partitionBy?: string[],
): Promise<{ marker: string; ids: number[] }> {
  const marker = `zz-erase-me-${Math.random().toString(36).slice(2)}`;
  const csv = async (name: string, rows: string[]) => {
    const file = path.join(inputDir, name);
    await writeFile(file, ['id,p,note', ...rows].join('\n') + '\n');
    return file;
  };
  await importFiles(store, { partitionBy, inputs: [await csv('1.csv', ['1,a,one', '2,b,two'])] });
  await importFiles(store, { partitionBy, inputs: [await csv('2.csv', ['3,a,three', `4,a,${marker}`, '5,b,five'])] });
  await importFiles(store, { partitionBy, inputs: [await csv('3.csv', ['6,b,six'])] });
  await writeCheckpoint(store, await (await DeltaTable.open(store)).snapshot());
  await deleteWhere(store, 'id = 3');
  await importFiles(store, { partitionBy, inputs: [await csv('4.csv', ['7,a,seven'])] });
  return { marker, ids: [1, 2, 4, 5, 6, 7] };
}

/** Every object under the store whose raw bytes, or (for Parquet) whose rows, contain `marker`. */
export async function objectsContaining(store: ObjectStore, marker: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-test-marker-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const hits: string[] = [];
  try {
    let n = 0;
    for await (const info of store.listAll('')) {
      const bytes = await store.get(info.key);
      if (Buffer.from(bytes).includes(marker)) {
        hits.push(info.key);
      } else if (info.key.endsWith('.parquet')) {
        const local = path.join(dir, `${n++}.parquet`);
        await writeFile(local, bytes);
        const reader = await connection.runAndReadAll(
          `SELECT count(*) AS n FROM read_parquet('${local}', hive_partitioning = false) t
            WHERE contains(CAST(t AS VARCHAR), '${marker}')`,
        );
        if (Number(reader.getRowObjectsJS()[0]!.n) > 0) hits.push(info.key);
      }
    }
    return hits;
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The versions the log can still build, oldest first. */
export async function readableVersions(store: ObjectStore): Promise<number[]> {
  const listing = await listLog(store);
  const oldest = earliestReadableVersion(listing);
  const latest = latestListedVersion(listing);
  if (oldest === undefined || latest === undefined) return [];
  return Array.from({ length: latest - oldest + 1 }, (_, i) => oldest + i);
}

/** Every object key under the store. */
export async function allKeys(store: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.listAll('')) keys.push(info.key);
  return keys;
}
