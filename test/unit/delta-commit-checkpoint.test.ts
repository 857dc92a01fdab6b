import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AddFile, RemoveFile, StructType } from '../../core/formats/delta/actions';
import { checkpointParquet, writeCheckpoint } from '../../core/formats/delta/checkpoint-write';
import { commit } from '../../core/formats/delta/commit';
import { newTableActions } from '../../core/formats/delta/create';
import { DeltaTable, type Snapshot } from '../../core/formats/delta/table';
import { LocalStore } from '../../core/storage/local';
import { FIXTURES } from '../helpers/fixtures';
const SCHEMA: StructType = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'p', type: 'string', nullable: true, metadata: {} },
  ],
};
const pad = (v: number) => String(v).padStart(20, '0');

let dir: string;
let duck: DuckDBInstance;
let sql: DuckDBConnection;

beforeAll(async () => {
  duck = await DuckDBInstance.create(':memory:');
  sql = await duck.connect();
});
afterAll(() => {
  sql.closeSync();
  duck.closeSync();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-delta-checkpoint-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function query(text: string): Promise<Record<string, unknown>[]> {
  return (await sql.runAndReadAll(text)).getRowObjectsJson() as Record<string, unknown>[];
}

const quoted = (file: string) => `'${file.replaceAll("'", "''")}'`;

/**
 * `column.path → "TYPE REPETITION CONVERTED_TYPE"` for every leaf of a Parquet file's schema. A map's
 * repeated group is named `key_value` by Spark and `entries` by Arrow; readers take it by position.
 */
async function leafColumns(file: string): Promise<[string, string][]> {
  const nodes = await query(`SELECT name, type, repetition_type, converted_type, num_children FROM parquet_schema(${quoted(file)})`);
  const leaves: [string, string][] = [];
  let next = 1; // nodes[0] is the root
  const walk = (prefix: string): void => {
    const node = nodes[next++];
    const name = prefix + (node.name === 'key_value' ? 'entries' : String(node.name));
    const children = Number(node.num_children ?? 0);
    if (children === 0) leaves.push([name, `${node.type} ${node.repetition_type} ${node.converted_type}`]);
    for (let i = 0; i < children; i++) walk(`${name}.`);
  };
  const topLevel = Number(nodes[0].num_children);
  for (let i = 0; i < topLevel; i++) walk('');
  return leaves;
}

/** Versions 0..10: appends over two partitions (one with a null value), a delete, a txn. */
async function tenCommitTable(store: LocalStore): Promise<void> {
  await commit(store, {
    actions: newTableActions({ schema: SCHEMA, partitionColumns: ['p'], configuration: { 'delta.appendOnly': 'false' } }),
    readVersion: -1,
    operation: 'CREATE TABLE',
    isBlindAppend: false,
  });
  for (let v = 1; v <= 9; v++) {
    const add: AddFile = {
      path: `p=${v % 3 === 0 ? '__HIVE_DEFAULT_PARTITION__' : `v${v % 2}`}/part-${v}.parquet`,
      partitionValues: { p: v % 3 === 0 ? null : `v${v % 2}` },
      size: 1000 + v,
      modificationTime: 1_700_000_000_000 + v,
      dataChange: true,
      stats: JSON.stringify({ numRecords: v, minValues: { id: v }, maxValues: { id: v * 10 }, nullCount: { id: 0 } }),
      ...(v === 4 ? { tags: { origin: 'test' } } : {}),
    };
    await commit(store, {
      actions: [{ add }, ...(v === 5 ? [{ txn: { appId: 'stream-1', version: 7, lastUpdated: 1_700_000_000_000 } }] : [])],
      readVersion: v - 1,
      operation: 'WRITE',
      isBlindAppend: true,
    });
  }
  const removed: RemoveFile = {
    path: 'p=v0/part-2.parquet',
    deletionTimestamp: Date.now(),
    dataChange: true,
    extendedFileMetadata: true,
    partitionValues: { p: 'v0' },
    size: 1002,
  };
  const { version } = await commit(store, {
    actions: [{ remove: removed }],
    readVersion: 9,
    operation: 'DELETE',
    isBlindAppend: false,
    readFiles: [removed.path],
    readPartitions: [{ p: 'v0' }],
  });
  expect(version).toBe(10);
}

/** What a snapshot says about the table, in a form two reads of the same state agree on. */
function tableState(snapshot: Snapshot) {
  const byPath = <T extends { path: string; dataChange: boolean }>(items: Iterable<T>) =>
    [...items].map((item) => ({ ...item, dataChange: false })).sort((a, b) => a.path.localeCompare(b.path));
  return {
    version: snapshot.version,
    protocol: snapshot.protocol,
    metadata: snapshot.metadata,
    files: byPath(snapshot.files),
    tombstones: byPath(snapshot.tombstones),
    txns: snapshot.txns,
  };
}

describe('checkpoints', () => {
  it('commit writes a checkpoint at version 10 that reads back as the JSON replay', async () => {
    const store = new LocalStore(dir);
    await tenCommitTable(store);
    const log = await readdir(path.join(dir, '_delta_log'));
    expect(log).toContain(`${pad(10)}.checkpoint.parquet`);
    const hint = JSON.parse(await readFile(path.join(dir, '_delta_log', '_last_checkpoint'), 'utf8'));
    // protocol + metaData + 1 txn + 8 live adds + 1 tombstone
    expect(hint).toMatchObject({ version: 10, size: 12, numOfAddFiles: 8 });

    // Without the checkpoint: JSON replay. Without commits 0–9: only the checkpoint can say anything.
    const jsonOnly = path.join(dir, 'json-only');
    const checkpointOnly = path.join(dir, 'checkpoint-only');
    await cp(path.join(dir, '_delta_log'), path.join(jsonOnly, '_delta_log'), { recursive: true });
    await cp(path.join(dir, '_delta_log'), path.join(checkpointOnly, '_delta_log'), { recursive: true });
    await rm(path.join(jsonOnly, '_delta_log', `${pad(10)}.checkpoint.parquet`));
    await rm(path.join(jsonOnly, '_delta_log', '_last_checkpoint'));
    for (let v = 0; v < 10; v++) await rm(path.join(checkpointOnly, '_delta_log', `${pad(v)}.json`));

    const replayed = tableState(await (await DeltaTable.open(new LocalStore(jsonOnly))).snapshot());
    const fromCheckpoint = tableState(await (await DeltaTable.open(new LocalStore(checkpointOnly))).snapshot());
    expect(replayed.files).toHaveLength(8);
    expect(replayed.tombstones.map((t) => t.path)).toEqual(['p=v0/part-2.parquet']);
    expect(Object.keys(replayed.txns)).toEqual(['stream-1']);
    expect(fromCheckpoint).toEqual(replayed);
  });

  it('a checkpoint that cannot be written does not fail the commit', async () => {
    // A folder where `_last_checkpoint` goes makes the checkpoint step fail on a real file system.
    await mkdir(path.join(dir, '_delta_log', '_last_checkpoint'), { recursive: true });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await tenCommitTable(new LocalStore(dir));
      expect(logged).toHaveBeenCalledOnce();
      expect(String(logged.mock.calls[0][0])).toMatch(/checkpoint .* version 10/);
    } finally {
      logged.mockRestore();
    }
    expect((await (await DeltaTable.open(new LocalStore(dir))).snapshot()).version).toBe(10);
  });

  it('the checkpoint is plain Parquet that DuckDB reads, with the column types Spark and delta-rs write', async () => {
    const store = new LocalStore(dir);
    await tenCommitTable(store);
    const file = quoted(path.join(dir, '_delta_log', `${pad(10)}.checkpoint.parquet`));

    const adds = await query(
      `SELECT add.path AS path, add.partitionValues['p'] AS p, add.size AS size, add.dataChange AS dc, add.tags['origin'] AS origin
       FROM read_parquet(${file}) WHERE add IS NOT NULL ORDER BY add.path`,
    );
    expect(adds).toHaveLength(8);
    expect(adds[0]).toEqual({ path: 'p=__HIVE_DEFAULT_PARTITION__/part-3.parquet', p: null, size: '1003', dc: false, origin: null });
    expect(adds.find((a) => a.path === 'p=v0/part-4.parquet')?.origin).toBe('test');
    const [counts] = await query(
      `SELECT count(protocol) AS protocols, count(metaData) AS metas, count(txn) AS txns, count(remove) AS removes,
              max(metaData.partitionColumns) AS partitionColumns, max(txn.version) AS txnVersion
       FROM read_parquet(${file})`,
    );
    expect(counts).toEqual({ protocols: '1', metas: '1', txns: '1', removes: '1', partitionColumns: ['p'], txnVersion: '7' });

    // Every leaf column of a delta-rs checkpoint exists in ours with the same physical type,
    // repetition and annotation (cdc, which holds no live action, aside).
    const theirs = await leafColumns(path.join(FIXTURES, 'delta-rs/simple_table_with_checkpoint/_delta_log', `${pad(10)}.checkpoint.parquet`));
    const ours = new Map(await leafColumns(path.join(dir, '_delta_log', `${pad(10)}.checkpoint.parquet`)));
    const differing = theirs.filter(([column, shape]) => !column.startsWith('cdc.') && ours.get(column) !== shape);
    expect(differing).toEqual([]);
    expect(theirs.length).toBeGreaterThan(30);
  });

  it('rewrites a delta-rs checkpoint equivalently (our checkpoint of their table reads as theirs)', async () => {
    const table = path.join(dir, 'table');
    await cp(path.join(FIXTURES, 'delta-rs/simple_table_with_checkpoint'), table, { recursive: true });
    const theirsState = tableState(await (await DeltaTable.open(new LocalStore(table))).snapshot({ version: 10 }));

    await rm(path.join(table, '_delta_log', `${pad(10)}.checkpoint.parquet`));
    await rm(path.join(table, '_delta_log', '_last_checkpoint'));
    const store = new LocalStore(table);
    await writeCheckpoint(store, await (await DeltaTable.open(store)).snapshot({ version: 10 }));
    for (let v = 0; v < 10; v++) await rm(path.join(table, '_delta_log', `${pad(v)}.json`));
    const oursState = tableState(await (await DeltaTable.open(new LocalStore(table))).snapshot({ version: 10 }));
    expect(oursState.files).toHaveLength(11);
    expect(oursState).toEqual(theirsState);
  });

  it('keeps only tombstones younger than delta.deletedFileRetentionDuration', async () => {
    const day = 86_400_000;
    const removedDaysAgo = (days: number): RemoveFile => ({ path: `gone-${days}d.parquet`, deletionTimestamp: Date.now() - days * day, dataChange: true });
    const tombstones = [removedDaysAgo(1), removedDaysAgo(8), removedDaysAgo(20)];
    const [protocolAction, metaDataAction] = newTableActions({ schema: SCHEMA, partitionColumns: [] });
    const snapshotWith = (configuration: Record<string, string>): Snapshot => ({
      tableUrl: dir,
      version: 3,
      timestamp: Date.now(),
      protocol: (protocolAction as { protocol: Snapshot['protocol'] }).protocol,
      metadata: { ...(metaDataAction as { metaData: Snapshot['metadata'] }).metaData, configuration },
      schema: SCHEMA,
      partitionColumns: [],
      columnMapping: 'none',
      files: [],
      tombstones,
      txns: {},
      domainMetadata: [],
    });
    const keptPaths = async (configuration: Record<string, string>) => {
      const table = await mkdtemp(path.join(dir, 't-'));
      await writeCheckpoint(new LocalStore(table), snapshotWith(configuration));
      const file = quoted(path.join(table, '_delta_log', `${pad(3)}.checkpoint.parquet`));
      return (await query(`SELECT remove.path AS path FROM read_parquet(${file}) WHERE remove IS NOT NULL ORDER BY 1`)).map((r) => r.path);
    };
    expect(await keptPaths({})).toEqual(['gone-1d.parquet']); // default: 1 week
    expect(await keptPaths({ 'delta.deletedFileRetentionDuration': 'interval 30 days' })).toEqual(['gone-1d.parquet', 'gone-20d.parquet', 'gone-8d.parquet']);
    expect(await keptPaths({ 'delta.deletedFileRetentionDuration': 'interval 2 weeks' })).toEqual(['gone-1d.parquet', 'gone-8d.parquet']);
  });

  it('encodes 50,000 adds that DuckDB reads back exactly', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => ({
      add: {
        path: `k=${i % 7}/part-${i}-é.parquet`,
        partitionValues: { k: String(i % 7) },
        size: 4096 + i,
        modificationTime: 1_700_000_000_000 + i,
        dataChange: false,
        stats: `{"numRecords":${i}}`,
      },
    }));
    const file = path.join(dir, 'big.checkpoint.parquet');
    await writeFile(file, checkpointParquet(rows));
    const [summary] = await query(
      `SELECT count(*) AS n, sum(add.size) AS bytes, count(DISTINCT add.partitionValues['k']) AS parts,
              max(add.path) FILTER (WHERE add.size = 4096 + 49999) AS last
       FROM read_parquet(${quoted(file)})`,
    );
    expect(summary).toEqual({ n: '50000', bytes: String(50_000 * 4096 + (49_999 * 50_000) / 2), parts: '7', last: 'k=5/part-49999-é.parquet' });
  });
});
