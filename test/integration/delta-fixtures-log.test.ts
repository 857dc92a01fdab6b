/**
 * The log reader over tables written by Spark and delta-rs (test/fixtures): at every version,
 * the live files, their record counts and partition values must match what the fixtures document
 * (README, dat's expected/ folders) and what the data files themselves hold. Row contents are
 * checked by the SQL tests.
 */
import { cp, mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { commitKey, versionPrefix } from '../../core/formats/delta/log-files';
import { decodedPath } from '../../core/formats/delta/replay';
import { DeltaTable, type Snapshot } from '../../core/formats/delta/table';
import { LocalStore } from '../../core/storage/local';
import { FIXTURES } from '../helpers/fixtures';
const DELTA_RS = path.join(FIXTURES, 'delta-rs');
const DAT = path.join(FIXTURES, 'dat');

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A writable copy of a fixture table (fixtures are read-only). */
async function copyOf(table: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-delta-log-'));
  tempDirs.push(dir);
  await cp(table, dir, { recursive: true });
  return dir;
}

const logFile = (dir: string, version: number, suffix = 'json') => path.join(dir, '_delta_log', `${versionPrefix(version)}.${suffix}`);

async function parquetRows(file: string): Promise<ReturnType<typeof tableFromIPC>> {
  return tableFromIPC(readParquet(await readFile(file)).intoIPCStream());
}

/** Rows per live file, read from the data files; also checks each file's stats.numRecords against it. */
async function liveRowCounts(dir: string, snapshot: Snapshot): Promise<number[]> {
  return Promise.all(
    snapshot.files.map(async (file) => {
      const rows = (await parquetRows(path.join(dir, decodedPath(file.path)))).numRows;
      if (file.stats) expect(JSON.parse(file.stats).numRecords, file.path).toBe(rows);
      return rows;
    }),
  );
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('delta-rs fixtures', () => {
  /** Row counts per version, from the lists in fixtures/README.md. */
  const ROWS_PER_VERSION: Record<string, number[]> = {
    simple_table: [5, 20, 5, 5, 3],
    'delta-0.8.0': [5, 4],
    'delta-0.2.0': [3, 6, 3, 6],
  };

  it.each(Object.entries(ROWS_PER_VERSION))('%s: live rows at every version match the README', async (name, rows) => {
    const dir = path.join(DELTA_RS, name);
    const table = await DeltaTable.open(new LocalStore(dir));
    expect(await table.latestVersion()).toBe(rows.length - 1);
    for (let version = 0; version < rows.length; version++) {
      const snapshot = await table.snapshot({ version });
      expect(snapshot.version).toBe(version);
      expect(sum(await liveRowCounts(dir, snapshot)), `${name} v${version}`).toBe(rows[version]);
    }
  });

  it('simple_table ignores the uncommitted _delta_log/.tmp/ leftover', async () => {
    const table = await DeltaTable.open(new LocalStore(path.join(DELTA_RS, 'simple_table')));
    expect(await table.latestVersion()).toBe(4);
    expect((await table.snapshot()).version).toBe(4);
  });

  it('delta-0.8.0: the DELETE leaves 2 live files and a tombstone with its deletionTimestamp', async () => {
    const snapshot = await (await DeltaTable.open(new LocalStore(path.join(DELTA_RS, 'delta-0.8.0')))).snapshot();
    expect(snapshot.files).toHaveLength(2);
    expect(snapshot.tombstones).toHaveLength(1);
    expect(snapshot.tombstones[0].deletionTimestamp).toBeGreaterThan(0);
    expect(snapshot.files.map((f) => f.path)).not.toContain(snapshot.tombstones[0].path);
  });

  it('delta-0.2.0: the checkpoint at v3 carries the streaming txn', async () => {
    const snapshot = await (await DeltaTable.open(new LocalStore(path.join(DELTA_RS, 'delta-0.2.0')))).snapshot();
    expect(snapshot.version).toBe(3);
    expect(Object.values(snapshot.txns).map((t) => t.version)).toEqual([0]);
    const before = await (await DeltaTable.open(new LocalStore(path.join(DELTA_RS, 'delta-0.2.0')))).snapshot({ version: 2 });
    expect(before.txns).toEqual({});
  });

  it('simple_table_with_checkpoint: 11 rows at v10, one more file per version', async () => {
    const dir = path.join(DELTA_RS, 'simple_table_with_checkpoint');
    const table = await DeltaTable.open(new LocalStore(dir));
    const latest = await table.snapshot();
    expect(latest.version).toBe(10);
    expect(sum(await liveRowCounts(dir, latest))).toBe(11);
    for (let version = 0; version <= 10; version++) {
      expect((await table.snapshot({ version })).files).toHaveLength(version + 1);
    }
  });

  it.each([
    ['delta-0.8.0-partitioned', 7],
    ['delta-0.8.0-null-partition', 2],
  ])('%s: partition values come from the log and agree with the hive folders', async (name, rows) => {
    const dir = path.join(DELTA_RS, name);
    const snapshot = await (await DeltaTable.open(new LocalStore(dir))).snapshot();
    expect(sum(await liveRowCounts(dir, snapshot))).toBe(rows);
    for (const file of snapshot.files) {
      const folders = decodedPath(file.path).split('/').slice(0, -1);
      const fromFolders = Object.fromEntries(
        folders.map((f) => f.split('=')).map(([k, v]) => [k, v === '__HIVE_DEFAULT_PARTITION__' ? null : v]),
      );
      expect(file.partitionValues).toEqual(fromFolders);
      expect(Object.keys(file.partitionValues).sort()).toEqual([...snapshot.partitionColumns].sort());
    }
  });
});

describe('dat acceptance cases', async () => {
  const cases = (await readdir(DAT)).sort();
  const expectations = (
    await Promise.all(
      cases.map(async (name) =>
        (await readdir(path.join(DAT, name, 'expected'))).map((expected) => ({ name, expected })),
      ),
    )
  ).flat();

  it.each(expectations)('$name $expected: version, protocol, properties, record counts and partition values', async ({ name, expected }) => {
    const tableDir = path.join(DAT, name, 'delta');
    const expectedDir = path.join(DAT, name, 'expected', expected);
    const meta = JSON.parse(await readFile(path.join(expectedDir, 'table_version_metadata.json'), 'utf8'));
    const table = await DeltaTable.open(new LocalStore(tableDir));
    const snapshot = await table.snapshot(expected === 'latest' ? {} : { version: meta.version });

    expect(snapshot.version).toBe(meta.version);
    expect(snapshot.protocol.minReaderVersion).toBe(meta.min_reader_version);
    expect(snapshot.protocol.minWriterVersion).toBe(meta.min_writer_version);
    expect(snapshot.metadata.configuration ?? {}).toEqual(meta.properties);

    const contentDir = path.join(expectedDir, 'table_content.parquet');
    const contents = await Promise.all(
      (await readdir(contentDir)).filter((f) => f.endsWith('.parquet')).map((f) => parquetRows(path.join(contentDir, f))),
    );
    const rowCounts = await liveRowCounts(tableDir, snapshot);
    expect(sum(rowCounts)).toBe(sum(contents.map((t) => t.numRows)));

    // Each partition value, weighted by its file's rows, against the expected rows' column.
    for (const column of snapshot.partitionColumns) {
      const fromLog = snapshot.files.flatMap((f, i) => Array<string | null>(rowCounts[i]).fill(f.partitionValues[column] || null));
      const fromExpected = contents.flatMap((t) => t.getChild(column)!.toArray() as (string | null)[]);
      expect(fromLog.sort(), column).toEqual(fromExpected.sort());
    }
  });
});

describe('log edge cases', () => {
  const WITH_CHECKPOINT = path.join(DELTA_RS, 'simple_table_with_checkpoint');
  const paths = (s: Snapshot) => s.files.map((f) => f.path).sort();

  it('reads a table without _last_checkpoint, or with a stale or unreadable one', async () => {
    const reference = await (await DeltaTable.open(new LocalStore(WITH_CHECKPOINT))).snapshot();
    const dir = await copyOf(WITH_CHECKPOINT);
    const hint = path.join(dir, '_delta_log', '_last_checkpoint');
    // Commits 0..9 cleaned up: only the checkpoint can give version 10, so each case must find it.
    for (let v = 0; v < 10; v++) await unlink(logFile(dir, v));
    for (const content of [undefined, '{"version":3,"size":1}', '{"version":99,"size":1}', 'garbage{']) {
      if (content === undefined) await unlink(hint);
      else await writeFile(hint, content);
      const snapshot = await (await DeltaTable.open(new LocalStore(dir))).snapshot();
      expect(snapshot.version, `_last_checkpoint ${content}`).toBe(10);
      expect(paths(snapshot)).toEqual(paths(reference));
    }
  });

  it('after log cleanup, versions before the checkpoint are NOT_FOUND, naming the available range', async () => {
    const dir = await copyOf(WITH_CHECKPOINT);
    for (let v = 0; v < 10; v++) await unlink(logFile(dir, v));
    const table = await DeltaTable.open(new LocalStore(dir));
    await expect(table.snapshot({ version: 5 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/version 5.*10\.\.10/),
    });
    await expect(table.snapshot({ version: 11 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('version 11') });
  });

  it('uses the newest stale-hinted checkpoint when _last_checkpoint names an older version', async () => {
    const dir = await copyOf(WITH_CHECKPOINT);
    // A second checkpoint (a copy of v10's state) at v10 is the newest; the hint names v5, which has none.
    await writeFile(path.join(dir, '_delta_log', '_last_checkpoint'), '{"version":5,"size":3}');
    for (let v = 0; v < 10; v++) await unlink(logFile(dir, v));
    expect((await (await DeltaTable.open(new LocalStore(dir))).snapshot()).files).toHaveLength(11);
  });

  it('skips a multi-part checkpoint with a missing part and reads a complete one', async () => {
    const dir = await copyOf(WITH_CHECKPOINT);
    const classic = logFile(dir, 10, 'checkpoint.parquet');
    const part = (i: number, n: number) => logFile(dir, 10, `checkpoint.${String(i).padStart(10, '0')}.${String(n).padStart(10, '0')}.parquet`);
    // An incomplete 3-part checkpoint whose only part is garbage: reading it would fail.
    await writeFile(part(1, 3), 'not parquet');
    await unlink(classic);
    expect((await (await DeltaTable.open(new LocalStore(dir))).snapshot()).files).toHaveLength(11);

    // A complete 2-part checkpoint (both parts hold v10's state) is the only way to v10 once commits are gone.
    const checkpointBytes = await readFile(path.join(WITH_CHECKPOINT, '_delta_log', `${versionPrefix(10)}.checkpoint.parquet`));
    await writeFile(part(1, 2), checkpointBytes);
    await writeFile(part(2, 2), checkpointBytes);
    for (let v = 0; v <= 10; v++) await unlink(logFile(dir, v));
    const snapshot = await (await DeltaTable.open(new LocalStore(dir))).snapshot();
    expect(snapshot.version).toBe(10);
    expect(snapshot.files).toHaveLength(11);
  });

  it('a truncated commit file is CORRUPT, naming the file; earlier versions still read', async () => {
    const dir = await copyOf(path.join(DELTA_RS, 'simple_table'));
    const file = logFile(dir, 3);
    await truncate(file, Math.floor((await readFile(file)).length / 2));
    const store = new LocalStore(dir);
    const table = await DeltaTable.open(store);
    await expect(table.snapshot()).rejects.toMatchObject({ code: 'CORRUPT', object: store.urlOf(commitKey(3)) });
    expect((await table.snapshot({ version: 2 })).version).toBe(2);
  });

  it('a missing commit between versions is CORRUPT, naming the missing version', async () => {
    const dir = await copyOf(path.join(DELTA_RS, 'simple_table'));
    await unlink(logFile(dir, 2));
    const table = await DeltaTable.open(new LocalStore(dir));
    await expect(table.snapshot()).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('version 2') });
    expect((await table.snapshot({ version: 1 })).version).toBe(1);
  });

  it('a folder without a log is NOT_A_TABLE, naming the location', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-not-a-table-'));
    tempDirs.push(dir);
    await writeFile(path.join(dir, 'data.parquet'), 'x');
    const store = new LocalStore(dir);
    expect(await DeltaTable.exists(store)).toBe(false);
    await expect(DeltaTable.open(store)).rejects.toMatchObject({ code: 'NOT_A_TABLE', object: store.url });
    expect(await DeltaTable.exists(new LocalStore(path.join(DELTA_RS, 'simple_table')))).toBe(true);
  });
});

describe('history and time travel', () => {
  const dir = path.join(DELTA_RS, 'simple_table');

  it('lists commits newest first with their commitInfo', async () => {
    const history = await (await DeltaTable.open(new LocalStore(dir))).history();
    expect(history.map((c) => c.version)).toEqual([4, 3, 2, 1, 0]);
    for (const commit of history) {
      const firstLine = (await readFile(logFile(dir, commit.version), 'utf8')).split('\n')[0];
      const info = JSON.parse(firstLine).commitInfo;
      expect(commit.operation).toBe(info.operation);
      expect(commit.timestamp).toBe(info.timestamp);
    }
  });

  it('finds the latest version committed at or before a time', async () => {
    const table = await DeltaTable.open(new LocalStore(dir));
    const history = await table.history();
    for (const commit of history) {
      expect((await table.snapshot({ asOf: new Date(commit.timestamp) })).version).toBe(commit.version);
      expect((await table.snapshot({ asOf: new Date(commit.timestamp + 1) })).version).toBe(commit.version);
      expect((await table.snapshot({ version: commit.version })).timestamp).toBe(commit.timestamp);
    }
    const first = history.at(-1)!;
    await expect(table.snapshot({ asOf: new Date(first.timestamp - 1) })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a negative version, or a version and a time together', async () => {
    const table = await DeltaTable.open(new LocalStore(dir));
    await expect(table.snapshot({ version: -1 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(table.snapshot({ version: 1, asOf: new Date() })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('gives a checkpoint version the timestamp of its commit', async () => {
    const table = await DeltaTable.open(new LocalStore(path.join(DELTA_RS, 'simple_table_with_checkpoint')));
    const [latest] = await table.history();
    expect((await table.snapshot()).timestamp).toBe(latest.timestamp);
  });
});
