/**
 * The Iceberg compact crash campaign: a partitioned v2 table of 24 small files over six snapshots, with
 * a position delete and an equality delete, compacted by the CLI while it is killed at random moments.
 * What must hold after any kill: the rows at the current snapshot and at every snapshot of the original
 * history are the same multisets as before, verify finds no problem, and every object no metadata
 * file references is one a compaction writes (a rewritten data file, a manifest, a manifest list) —
 * an orphan for the orphan report, never a half-visible change.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { verifyIcebergTable } from '../../core/ops/verify/iceberg-table';
import { IcebergSource } from '../../core/sql/iceberg-source';
import { FileCache } from '../../core/storage/cache';
import { openLocation } from '../../core/storage/location';
import { canonicalRows, objectKeys } from './crash-checks';
import type { CrashScenario } from './crash-harness';
import { IcebergTestWriter } from './iceberg-writer';

/** Snapshot ids of the fixture's history, read when it is built (the campaign builds once). */
let history: string[] = [];

async function deletedTable(dir: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const writer = new IcebergTestWriter(dir, conn, {
      fields: [
        { id: 1, name: 'id', type: 'long' },
        { id: 2, name: 'kind', type: 'string' },
        { id: 3, name: 'note', type: 'string' },
      ],
      partitionFields: [{ sourceId: 2, fieldId: 1000, name: 'kind', transform: 'identity', avroType: 'string' }],
      location: 's3://recorded/elsewhere/events',
    });
    for (let batch = 0; batch < 4; batch++) {
      const add = ['a', 'b', 'c'].flatMap((kind, k) =>
        [0, 1].map((part) => ({
          sql: `SELECT (range + ${batch * 1000 + k * 100 + part * 50})::BIGINT AS id, '${kind}' AS kind, repeat('x', 200) || range AS note FROM range(40)`,
          partition: { kind },
        })),
      );
      await writer.commit({ add });
    }
    const first = writer.files()[0]!;
    await writer.commit({ operation: 'delete', positionDeletes: [{ partition: first.partition, referencedDataFile: first.path, rows: [0, 5, 9].map((pos) => ({ path: first.path, pos })) }] });
    await writer.commit({ operation: 'delete', equalityDeletes: [{ sql: `SELECT 1101::BIGINT AS id`, equalityIds: [1], partition: { kind: 'b' } }] });
    history = (await IcebergTable.open(openLocation(dir))).metadata.snapshots.map((s) => s.id);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** `current <row>` at the current snapshot, and `<snapshot id> <row>` at every snapshot of `history` (the original one). */
export async function rowsAtSnapshots(location: string, history: readonly string[]): Promise<string[]> {
  const table = await IcebergTable.open(openLocation(location));
  const scratch = await mkdtemp(join(tmpdir(), 'lakebench-crash-iceberg-'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const cache = new FileCache(join(scratch, 'cache'), Number.POSITIVE_INFINITY);
    const rows: string[] = [];
    for (const at of [undefined, ...history]) {
      const name = `t_${at ?? 'current'}`;
      await new IcebergSource(name, table, at === undefined ? { kind: 'current' } : { kind: 'id', id: at }, cache).prepare(conn, `SELECT * FROM ${name}`, undefined);
      const read = (await conn.runAndReadAll(`SELECT * FROM ${name}`)).getRowObjectsJson();
      rows.push(...canonicalRows(read).map((row) => `${at ?? 'current'} ${row}`));
    }
    return rows;
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The check that verify is clean and every object is referenced by the table's metadata or is `output` of the operation (an orphan). */
export const soundTable = (output: readonly RegExp[]) => async (location: string): Promise<void> => {
  const store = openLocation(location);
  const report = await verifyIcebergTable(store, { deep: true });
  if (report.problems.length) throw new Error(`verify found ${report.problems.length} problems: ${report.problems.slice(0, 3).map((p) => `${p.kind} ${p.object}: ${p.detail}`).join('; ')}`);
  const table = await IcebergTable.open(store);
  const referenced = new Set([table.metadataKey, 'metadata/version-hint.text', ...table.metadata.metadataLog.map((e) => table.paths.keyOf(e.metadataFile))]);
  for (const snapshot of table.metadata.snapshots) {
    if (snapshot.manifestList) referenced.add(table.paths.keyOf(snapshot.manifestList));
    for (const manifest of await table.manifests(snapshot)) {
      referenced.add(table.paths.keyOf(manifest.path));
      for (const entry of await table.manifestEntries(manifest)) referenced.add(table.paths.keyOf(entry.path));
    }
  }
  const stray = (await objectKeys(location)).filter((key) => !referenced.has(key) && !output.some((pattern) => pattern.test(key)));
  if (stray.length) throw new Error(`objects neither referenced nor the operation's output: ${stray.slice(0, 3).join(', ')}`);
};

/** What a snapshot writes besides its data files: manifests, a manifest list, and temp names of uploads cut short. */
export const SNAPSHOT_OUTPUT = [/^metadata\/[0-9a-f-]+-m0\.avro$/, /^metadata\/snap-\d+-1-[0-9a-f-]+\.avro$/, /\.lakebench-tmp-/];
const tableSound = soundTable([/^data\/[0-9a-f-]+-compacted\.parquet$/, ...SNAPSHOT_OUTPUT]);

export const icebergCompactScenario: CrashScenario = {
  name: 'iceberg-compact',
  build: deletedTable,
  args: (dir) => ['compact', dir, '--min-files', '2'],
  table: (dir) => dir,
  rows: (dir) => rowsAtSnapshots(dir, history),
  // One committed compaction leaves every partition in one file without deletes: nothing more to do.
  exhausted: (run) => run.committed || !run.killed,
  async finished(location) {
    const table = await IcebergTable.open(openLocation(location));
    const files = await table.files(table.snapshot());
    if (files.length !== 3 || files.some((f) => f.content !== 0)) throw new Error(`a completed compaction left ${files.length} files (${files.filter((f) => f.content !== 0).length} delete files)`);
  },
  // Every commit adds a snapshot.
  version: async (location) => (await IcebergTable.open(openLocation(location))).metadata.snapshots.length,
  check: tableSound,
  cleanup: tableSound,
};
