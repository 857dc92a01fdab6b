/** repack on a local table: purge (with and without erasure), recompress, dry run, conflicts, bad options. */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { commit } from '../../core/formats/delta/commit';
import { commitKey } from '../../core/formats/delta/log-files';
import { parseCommit } from '../../core/formats/delta/parse';
import { DeltaTable } from '../../core/formats/delta/table';
import { deleteWhere } from '../../core/ops/delete';
import { importFiles } from '../../core/ops/import';
import { repackTable } from '../../core/ops/repack';
import { removeOf } from '../../core/ops/table-changes';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';
import { failure } from '../helpers/failure';
import { ids } from '../helpers/maintenance-table';
import { allKeys, objectsContaining, readableVersions, tableWithHistory } from '../helpers/repack-tables';

let dir: string;
let store: LocalStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-repack-'));
  store = new LocalStore(path.join(dir, 'table'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const markerRows = async (marker: string, version?: number) =>
  Number((await queryTable(store, `SELECT count(*) AS n FROM t WHERE note = '${marker}'`, version))[0]!.n);

describe('repack --purge-where … --purge', () => {
  it('leaves no retained version and no object under the table holding the marker', async () => {
    const { marker, ids: allIds } = await tableWithHistory(store, dir);
    expect(await objectsContaining(store, marker)).not.toEqual([]); // the check can fail
    const before = (await DeltaTable.open(store)).latestVersion();

    const result = await repackTable(store, { purgeWhere: `note = '${marker}'`, purge: true });

    expect(result.version).toBe((await before) + 1);
    expect(result).toMatchObject({ rowsPurged: 1, filesRewritten: 1, filesAdded: 1 });
    // The live file and the older one the delete removed (both held the row), and the log before the new version.
    const dataFiles = result.purgedObjects.filter((o) => !o.includes('/_delta_log/'));
    expect(dataFiles).toHaveLength(2);
    expect(result.purgedObjects.length).toBeGreaterThan(2 + 5);
    expect(await ids(store)).toEqual(allIds.filter((id) => id !== 4));
    const versions = await readableVersions(store);
    expect(versions).toEqual([result.version]);
    for (const version of versions) expect(await markerRows(marker, version)).toBe(0);
    expect(await objectsContaining(store, marker)).toEqual([]);

    const commit = parseCommit(await store.get(commitKey(result.version!)), 'commit');
    const info = commit.find((a) => 'commitInfo' in a)!;
    expect(info).toMatchObject({ commitInfo: { operation: 'REPACK', operationParameters: { purge: 'true' } } });
  });

  it('a second run finds nothing to do and still leaves the table clean', async () => {
    const { marker } = await tableWithHistory(store, dir);
    await repackTable(store, { purgeWhere: `note = '${marker}'`, purge: true });
    const again = await repackTable(store, { purgeWhere: `note = '${marker}'`, purge: true });
    expect(again).toMatchObject({ version: undefined, rowsPurged: 0, filesRewritten: 0 });
    expect(await objectsContaining(store, marker)).toEqual([]);
  });
});

describe('repack --purge-where without --purge', () => {
  it('removes the rows from the latest version only; older versions still read them', async () => {
    const { marker } = await tableWithHistory(store, dir);
    const result = await repackTable(store, { purgeWhere: `note = '${marker}'` });
    expect(result).toMatchObject({ rowsPurged: 1, filesRewritten: 1, filesAdded: 1, purgedObjects: [] });
    expect(await markerRows(marker)).toBe(0);
    expect(await markerRows(marker, result.version! - 1)).toBe(1);
    const commit = parseCommit(await store.get(commitKey(result.version!)), 'commit');
    const removes = commit.flatMap((a) => ('remove' in a ? [a.remove] : []));
    expect(removes.map((r) => r.dataChange)).toEqual([true]);
  });

  it('dry run reports the plan and changes nothing', async () => {
    const { marker } = await tableWithHistory(store, dir);
    const keys = await allKeys(store);
    const result = await repackTable(store, { purgeWhere: `note = '${marker}'`, purge: true, dryRun: true });
    expect(result).toMatchObject({ version: undefined, dryRun: true, rowsPurged: 1, filesRewritten: 1, filesAdded: 1 });
    expect(result.purgedObjects).toHaveLength(2);
    expect(await allKeys(store)).toEqual(keys);
  });

  it('refuses a predicate that cannot be evaluated, naming it', async () => {
    await tableWithHistory(store, dir);
    const error = await failure(repackTable(store, { purgeWhere: 'no_such_column = 1' }));
    expect(isLakebenchError(error, 'USAGE')).toBe(true);
    expect((error as Error).message).toContain('no_such_column');
  });
});

describe('repack --recompress', () => {
  it('rewrites every live file as zstd with the same rows, without a data change', async () => {
    const { ids: allIds } = await tableWithHistory(store, dir);
    await replaceWithSnappyCopy();
    const rowsBefore = await queryTable(store, 'SELECT * FROM t ORDER BY id');
    const filesBefore = (await (await DeltaTable.open(store)).snapshot()).files.map((f) => f.path);

    const result = await repackTable(store, { recompressLevel: 19 });

    expect(result.filesRewritten).toBe(filesBefore.length);
    expect(await queryTable(store, 'SELECT * FROM t ORDER BY id')).toEqual(rowsBefore);
    expect(await ids(store)).toEqual(allIds);
    const snapshot = await (await DeltaTable.open(store)).snapshot();
    expect(snapshot.files.some((f) => filesBefore.includes(f.path))).toBe(false);
    const commit = parseCommit(await store.get(commitKey(result.version!)), 'commit');
    const dataChanges = commit.flatMap((a) => ('add' in a ? [a.add.dataChange] : 'remove' in a ? [a.remove.dataChange] : []));
    expect(dataChanges.length).toBe(filesBefore.length + snapshot.files.length);
    expect(new Set(dataChanges)).toEqual(new Set([false]));
    expect(await compressions(localFiles(snapshot.files))).toEqual(['ZSTD']);
  });

  it('fails with CONFLICT when a concurrent delete removes a file it rewrites, and commits nothing', async () => {
    await tableWithHistory(store, dir);
    const error = await failure(
      repackTable(store, {
        recompressLevel: 3,
        beforeCommit: async () => void (await deleteWhere(store, 'id = 6')),
      }),
    );
    expect(isLakebenchError(error, 'CONFLICT')).toBe(true);
    const latest = await (await DeltaTable.open(store)).snapshot();
    expect(latest.metadata).toBeDefined();
    expect(await ids(store)).toEqual([1, 2, 4, 5, 7]);
  });

  it('lands on top of a concurrent append (it rewrote no file the append touched)', async () => {
    await tableWithHistory(store, dir);
    const input = path.join(dir, 'more.csv');
    await writeFile(input, 'id,p,note\n8,b,eight\n');
    const result = await repackTable(store, {
      recompressLevel: 3,
      beforeCommit: async () => void (await importFiles(store, { inputs: [input] })),
    });
    expect(result.version).toBe(6);
    expect(await ids(store)).toEqual([1, 2, 4, 5, 6, 7, 8]);
  });
});

describe('repack cancelled', () => {
  it('stops before the commit when the signal fires, leaving the table as it was', async () => {
    await tableWithHistory(store, dir);
    const before = await (await DeltaTable.open(store)).latestVersion();
    const abort = new AbortController();
    const error = await failure(
      repackTable(store, {
        recompressLevel: 3,
        signal: abort.signal,
        onProgress: (p) => p.phase === 'recompress' && p.done === 1 && abort.abort(),
      }),
    );
    expect(isLakebenchError(error, 'CANCELLED')).toBe(true);
    expect(await (await DeltaTable.open(store)).latestVersion()).toBe(before);
  });
});

describe('repack options', () => {
  it('refuses to run without an operation, and --purge without --purge-where', async () => {
    await tableWithHistory(store, dir);
    for (const options of [{}, { purge: true }, { purgeWhere: '  ' }, { recompressLevel: 30 }]) {
      expect(isLakebenchError(await failure(repackTable(store, options)), 'USAGE')).toBe(true);
    }
  });
});

const localFiles = (files: { path: string }[]) => files.map((f) => store.localPath(decodeURIComponent(f.path))!);

/** Replaces the first live file by a Snappy copy of it (same rows), so that recompression has something to change. */
async function replaceWithSnappyCopy(): Promise<void> {
  const snapshot = await (await DeltaTable.open(store)).snapshot();
  const file = snapshot.files[0]!;
  const key = 'part-snappy-copy.parquet';
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(
    `COPY (SELECT * FROM read_parquet('${localFiles([file])[0]}')) TO '${store.localPath(key)}' (FORMAT parquet, COMPRESSION snappy)`,
  );
  connection.closeSync();
  instance.closeSync();
  const { size } = await stat(store.localPath(key)!);
  await commit(store, {
    actions: [removeOf(file, Date.now()), { add: { ...file, path: key, size } }],
    readVersion: snapshot.version,
    operation: 'WRITE',
    isBlindAppend: false,
  });
  expect(await compressions(localFiles((await (await DeltaTable.open(store)).snapshot()).files))).toEqual(['SNAPPY', 'ZSTD']);
}

async function compressions(files: string[]): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = files.map((f) => `'${f}'`).join(', ');
    const reader = await connection.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata([${list}]) ORDER BY 1`);
    return reader.getRowObjectsJS().map((r) => String(r.compression));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
