/**
 * The DuckDB-held file index of a big Delta table (issue 17) against the JS snapshot reader, on a
 * generated table of 20,000 files and 2,000 commits (a 4-part checkpoint at 1,900 and 99 commits after
 * it): the same live files, pages that add up to them, partition sums, and a pruned query's answer.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../core/api/api';
import { DeltaTable } from '../../core/formats/delta/table';
import { createDeltaView } from '../../core/sql/delta-source';
import { DeltaFileIndex } from '../../core/sql/delta-file-index';
import { LocalStore } from '../../core/storage/local';
import { type BigTableShape, checkpointVersionOf, dayOf, filesOfDay, ROWS_PER_FILE, writeBigDeltaTable } from '../helpers/big-delta-table';

const SHAPE: BigTableShape = { files: 20_000, commits: 2_000, checkpointInterval: 100, days: 1_000, partRows: 5_000, dataDays: [41] };

let dir: string;
let store: LocalStore;
const indexes: DeltaFileIndex[] = [];

async function indexAt(version?: number): Promise<DeltaFileIndex> {
  const index = await DeltaFileIndex.open(await DeltaTable.open(store), { version });
  indexes.push(index);
  return index;
}

async function allPages(index: DeltaFileIndex, size: number): Promise<string[]> {
  const paths: string[] = [];
  for (let offset = 0; offset < index.fileCount; offset += size) {
    const page = await index.files(offset, size);
    expect(page.total).toBe(index.fileCount);
    expect(page.rows.length).toBe(Math.min(size, index.fileCount - offset));
    paths.push(...page.rows.map((f) => f.path));
  }
  return paths;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-file-index-'));
  await writeBigDeltaTable(dir, SHAPE);
  store = new LocalStore(dir);
}, 300_000);

afterAll(async () => {
  for (const index of indexes) index.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Delta file index', () => {
  it('holds the live files the snapshot reader finds, from a multi-part checkpoint and the commits after it', async () => {
    expect(checkpointVersionOf(SHAPE)).toBe(1_900);
    const index = await indexAt();
    const snapshot = await (await DeltaTable.open(store)).snapshot();
    expect(index.version).toBe(1_999);
    expect(index.fileCount).toBe(SHAPE.files);
    expect(index.partitionColumns).toEqual(['day']);
    const paged = await allPages(index, 7_000);
    expect(new Set(paged).size).toBe(SHAPE.files);
    expect([...paged].sort()).toEqual(snapshot.files.map((f) => f.path).sort());
    const first = (await index.files(0, 1)).rows[0];
    expect(first).toEqual(snapshot.files.find((f) => f.path === first.path));
  });

  it('reads an older version: the checkpoint before it and the commits up to it', async () => {
    const index = await indexAt(1_850);
    expect(index.fileCount).toBe(1_851 * 10);
    const snapshot = await (await DeltaTable.open(store)).snapshot({ version: 1_850 });
    expect((await allPages(index, 10_000)).sort()).toEqual(snapshot.files.map((f) => f.path).sort());
  });

  it('sums files, bytes and rows per partition, a page at a time', async () => {
    const index = await indexAt();
    const page = await index.partitions(3, 2);
    expect(page.total).toBe(SHAPE.days);
    expect(page.rows.map((p) => p.partitionValues)).toEqual([{ day: dayOf(SHAPE, 3) }, { day: dayOf(SHAPE, 4) }]);
    expect(page.rows.map((p) => p.files)).toEqual([filesOfDay(SHAPE, 3), filesOfDay(SHAPE, 4)]);
    expect(page.rows[0].rows).toBe(filesOfDay(SHAPE, 3) * ROWS_PER_FILE);
    const snapshot = await (await DeltaTable.open(store)).snapshot();
    const bytes = snapshot.files.filter((f) => f.partitionValues.day === dayOf(SHAPE, 3)).reduce((sum, f) => sum + f.size, 0);
    expect(page.rows[0].bytes).toBe(bytes);
  });

  it('plans a partition-pruned query: only the files of the day, and the query over them gives the day’s rows', async () => {
    const index = await indexAt();
    const day = dayOf(SHAPE, 41);
    const sql = `SELECT count(*) AS n FROM big WHERE day = DATE '${day}' AND id >= 0`;
    const files = (await index.prunedFiles(sql, 'big'))!;
    expect(files.length).toBe(filesOfDay(SHAPE, 41));
    expect(new Set(files.map((f) => f.partitionValues.day))).toEqual(new Set([day]));
    expect(await index.prunedFiles(`SELECT count(*) FROM big WHERE id = 1`, 'big')).toBeUndefined();
    expect(await index.prunedFiles(`SELECT count(*) FROM big WHERE day > DATE '2030-01-01'`, 'big')).toEqual([]);

    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const viewFiles = files.map((add) => ({ path: store.localPath(add.path)!, add }));
      await createDeltaView(connection, 'big', index, viewFiles);
      const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n, count(DISTINCT day)::INTEGER AS days FROM big WHERE day = DATE '${day}'`);
      expect(reader.getRowObjectsJS()).toEqual([{ n: files.length * ROWS_PER_FILE, days: 1 }]);
    } finally {
      connection.closeSync();
    }
  });

  it('answers the API a page of files and of partitions, with their totals, as the unpaged answer has them', async () => {
    const api = createApi();
    const page = await api.files({ location: dir, offset: 12_345, limit: 50 });
    expect(page.total).toBe(SHAPE.files);
    expect(page.version).toBe('1999');
    const all = await api.files({ location: dir });
    expect(all.total).toBeUndefined();
    // Pages follow the index's own order (DuckDB reads the checkpoint parts in parallel): each file is the unpaged answer's.
    const byPath = new Map(all.files.map((f) => [f.path, f]));
    expect(page.files).toHaveLength(50);
    for (const file of page.files) expect(file).toEqual(byPath.get(file.path));
    expect(page.liveRows).toBe(all.liveRows);

    const partitions = await api.partitions({ location: dir, offset: 990, limit: 20 });
    expect(partitions.total).toBe(SHAPE.days);
    const { partitions: every } = await api.partitions({ location: dir });
    expect(partitions.partitions).toEqual(every.slice(990).map(({ compactable: _, ...p }) => p));
    await expect(api.files({ location: dir, offset: 5 })).rejects.toThrow(/offset needs a limit/);
    await expect(api.partitions({ location: dir, limit: 0 })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('pages the answers of formats that list everything at once (a Parquet folder)', async () => {
    const api = createApi();
    const folder = path.join(dir, 'day=2024-02-11');
    const all = await api.files({ location: folder });
    const page = await api.files({ location: folder, offset: 3, limit: 4 });
    expect(page.total).toBe(filesOfDay(SHAPE, 41));
    expect(page.files).toEqual(all.files.slice(3, 7));
  });

  it('applies a commit after the checkpoint that removes a checkpoint file and re-adds another with new stats', async () => {
    const removed = 'day=2024-01-06/part-0000005.parquet';
    const readded = 'day=2024-01-07/part-0000006.parquet';
    const stats = JSON.stringify({ numRecords: 2 });
    const actions = [
      { commitInfo: { timestamp: Date.now(), operation: 'DELETE' } },
      { remove: { path: removed, deletionTimestamp: Date.now(), dataChange: true } },
      { remove: { path: readded, deletionTimestamp: Date.now(), dataChange: true } },
      { add: { path: readded, partitionValues: { day: '2024-01-07' }, size: 7, modificationTime: Date.now(), dataChange: true, stats } },
    ];
    await writeFile(path.join(dir, '_delta_log', `${String(SHAPE.commits).padStart(20, '0')}.json`), actions.map((a) => JSON.stringify(a)).join('\n'));
    const index = await indexAt();
    expect(index.version).toBe(SHAPE.commits);
    expect(index.fileCount).toBe(SHAPE.files - 1);
    const paths = await allPages(index, 20_000);
    expect(paths).not.toContain(removed);
    expect(paths.filter((p) => p === readded)).toHaveLength(1);
    const day7 = (await index.partitions(6, 1)).rows[0];
    expect(day7).toEqual({ partitionValues: { day: '2024-01-07' }, files: filesOfDay(SHAPE, 6), bytes: expect.any(Number), rows: (filesOfDay(SHAPE, 6) - 1) * ROWS_PER_FILE + 2 });
  });
});
