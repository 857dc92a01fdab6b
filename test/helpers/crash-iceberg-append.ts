/**
 * The Iceberg append crash campaign: `lakebench promote` from a staging Iceberg table into a trusted
 * Iceberg table (identity-partitioned, two snapshots of history), killed at random moments. What must
 * hold after any kill: the trusted table's rows are those before the promote or those after it (never a
 * part of the staging rows), the rows at every snapshot of its history are unchanged, verify finds no
 * problem, and every object no metadata file references is one an append writes — an orphan.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { openLocation } from '../../core/storage/location';
import type { CrashScenario } from './crash-harness';
import { rowsAtSnapshots, SNAPSHOT_OUTPUT, soundTable } from './crash-iceberg';
import { IcebergTestWriter } from './iceberg-writer';

const FIELDS = [
  { id: 1, name: 'id', type: 'long' },
  { id: 2, name: 'kind', type: 'string' },
  { id: 3, name: 'note', type: 'string' },
];

/** Snapshot ids of the trusted table's history, read when the fixture is built (the campaign builds once). */
let history: string[] = [];

const staging = (dir: string) => join(dir, 'staging');
const trusted = (dir: string) => join(dir, 'trusted');

async function build(dir: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const target = new IcebergTestWriter(trusted(dir), conn, {
      fields: FIELDS,
      partitionFields: [{ sourceId: 2, fieldId: 1000, name: 'kind', transform: 'identity', avroType: 'string' }],
    });
    for (const kind of ['a', 'b']) {
      await target.commit({ add: [{ sql: `SELECT range::BIGINT AS id, '${kind}' AS kind, 'old' AS note FROM range(20)`, partition: { kind } }] });
    }
    history = (await IcebergTable.open(openLocation(trusted(dir)))).metadata.snapshots.map((s) => s.id);
    // 3,000 staging rows over three kinds, one of them new to the trusted table.
    const source = new IcebergTestWriter(staging(dir), conn, { fields: FIELDS });
    await source.commit({ add: [{ sql: `SELECT (range + 1000)::BIGINT AS id, ['a', 'b', 'c'][range % 3 + 1] AS kind, repeat('y', 100) || range AS note FROM range(3000)` }] });
    await writeFile(join(dir, 'rules.yaml'), '- { name: id_not_null, check_type: not_null, column_name: id }\n');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const sound = soundTable([/^data\/[0-9a-f-]+-appended\.parquet$/, ...SNAPSHOT_OUTPUT]);

export const icebergAppendScenario: CrashScenario = {
  name: 'iceberg-promote-append',
  build,
  args: (dir) => ['promote', staging(dir), trusted(dir), '--rules', join(dir, 'rules.yaml')],
  table: trusted,
  rows: (dir) => rowsAtSnapshots(trusted(dir), history),
  // Committed: the staging rows join the current snapshot; every snapshot of the history reads as before.
  rowsIfCommitted: async (dir) => [
    ...(await rowsAtSnapshots(trusted(dir), history)),
    ...(await rowsAtSnapshots(staging(dir), [])),
  ],
  // A committed append is done; promoting again would append the rows again.
  exhausted: (run) => run.committed || !run.killed,
  async finished(dir) {
    const table = await IcebergTable.open(openLocation(trusted(dir)));
    const snapshot = table.snapshot();
    if (table.metadata.snapshots.length !== history.length + 1 || snapshot?.operation !== 'append') {
      throw new Error(`a completed promote left ${table.metadata.snapshots.length} snapshots, the last one ${snapshot?.operation ?? 'none'}`);
    }
  },
  version: async (dir) => (await IcebergTable.open(openLocation(trusted(dir)))).metadata.snapshots.length,
  check: (dir) => sound(trusted(dir)),
  cleanup: (dir) => sound(trusted(dir)),
};
