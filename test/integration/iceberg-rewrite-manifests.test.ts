/**
 * rewrite-manifests on an Iceberg table written by fast appends (one small manifest per commit): the data
 * manifests are merged by partition into few, entries keep their snapshot ids and sequence numbers, the
 * delete manifest is kept, and the rows read by icebird and the engine are those of before.
 */
import path from 'node:path';
import { icebergRead } from 'icebird';
import { expect, it } from 'vitest';
import { partitionValue } from '../../core/formats/iceberg/manifests';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { rewriteManifests } from '../../core/ops/iceberg-rewrite-manifests';
import { IcebergSource } from '../../core/sql/iceberg-source';
import { LocalStore } from '../../core/storage/local';
import { runCli } from '../helpers/cli-process';
import { icebergTestBed } from '../helpers/iceberg-test-bed';
import { IcebergTestWriter } from '../helpers/iceberg-writer';


const bed = icebergTestBed('iceberg-manifests');

/** 12 fast appends over three partitions, then a position delete. */
async function writeTable(name: string) {
  const location = `${bed.url}/${name}`;
  const tableDir = path.join(bed.dir, name);
  const writer = new IcebergTestWriter(tableDir, bed.conn, {
    fields: [
      { id: 1, name: 'id', type: 'long' },
      { id: 2, name: 'kind', type: 'string' },
    ],
    partitionFields: [{ sourceId: 2, fieldId: 1000, name: 'kind', transform: 'identity', avroType: 'string' }],
    location,
    appendManifests: true,
    firstSnapshotId: 1000n,
  });
  for (let i = 0; i < 12; i++) {
    const kind = ['a', 'b', 'c'][i % 3]!;
    await writer.commit({ add: [{ sql: `SELECT (range + ${i * 10})::BIGINT AS id, '${kind}' AS kind FROM range(10)`, partition: { kind } }] });
  }
  const first = writer.files()[0]!.path;
  await writer.commit({ operation: 'delete', positionDeletes: [{ partition: { kind: 'a' }, referencedDataFile: first, rows: [{ path: first, pos: 3 }] }] });
  return { tableDir, location };
}

let views = 0;
async function engineRows(table: IcebergTable): Promise<string[]> {
  const name = `v${views++}`;
  await new IcebergSource(name, table).prepare(bed.conn, `SELECT * FROM ${name}`, undefined);
  return (await bed.conn.runAndReadAll(`SELECT id, kind FROM ${name} ORDER BY id`)).getRows().map((r) => `${r[0]} ${r[1]}`);
}

/** Every live entry: path → snapshot id and sequence numbers. */
async function entries(table: IcebergTable): Promise<Map<string, string>> {
  const files = await table.files(table.snapshot());
  return new Map(files.map((f) => [f.path, `${f.snapshotId}/${f.dataSequenceNumber}/${f.fileSequenceNumber}/${f.content}`]));
}

it('merges 12 data manifests into one; entries, the delete manifest and the rows stay', async () => {
  const { tableDir, location } = await writeTable('merge');
  const store = new LocalStore(tableDir);
  const before = await IcebergTable.open(store);
  const rows = await engineRows(before);
  const beforeEntries = await entries(before);
  const manifests = await before.manifests(before.snapshot()!);
  expect(manifests.filter((m) => m.content === 'data')).toHaveLength(12);

  const planned = await rewriteManifests(store, undefined, { dryRun: true });
  expect(planned.plan).toEqual([{ specId: 0, manifests: 12, entries: 12, manifestsAfter: 1 }]);
  expect((await IcebergTable.open(store)).metadataKey).toBe(before.metadataKey);

  const result = await rewriteManifests(store, undefined);
  expect(result).toMatchObject({ manifestsRemoved: 12, manifestsAdded: 1 });
  const after = await IcebergTable.open(store);
  const now = await after.manifests(after.snapshot()!);
  expect(now.filter((m) => m.content === 'data')).toHaveLength(1);
  expect(now.filter((m) => m.content === 'deletes').map((m) => m.path)).toEqual(manifests.filter((m) => m.content === 'deletes').map((m) => m.path));
  expect(await entries(after)).toEqual(beforeEntries);
  expect(after.snapshot()!).toMatchObject({ operation: 'replace', parentId: before.snapshot()!.id });
  expect(after.snapshot()!.summary['total-records']).toBe(before.snapshot()!.summary['total-records']);
  expect(await engineRows(after)).toEqual(rows);
  const theirs = ((await icebergRead({ tableUrl: location })) as { id: bigint; kind: string }[]).map((r) => `${r.id} ${r.kind}`);
  expect(theirs.sort()).toEqual([...rows].sort());
  // Nothing left to merge.
  expect((await rewriteManifests(store, undefined)).plan).toEqual([]);
});

it('a small target: one manifest per partition, each summary covering one value', async () => {
  const { tableDir } = await writeTable('small');
  const store = new LocalStore(tableDir);
  const before = await IcebergTable.open(store);
  const lengths = (await before.manifests(before.snapshot()!)).filter((m) => m.content === 'data').map((m) => m.length);
  // About four entries' worth of bytes per manifest.
  const target = Math.floor((lengths.reduce((a, b) => a + b, 0) / 12) * 4.5);
  const result = await rewriteManifests(store, undefined, { targetSize: target });
  expect(result.manifestsAdded).toBe(3);
  const after = await IcebergTable.open(store);
  const spec = after.specs.get(0)!;
  for (const manifest of (await after.manifests(after.snapshot()!)).filter((m) => m.content === 'data')) {
    const values = new Set((await after.manifestEntries(manifest)).map((e) => String(partitionValue(e, spec, 0))));
    expect(values.size).toBe(1);
    expect(manifest.existingFilesCount).toBe(4);
  }
  expect(await engineRows(after)).toEqual(await engineRows(before));
});

it('from the CLI, logged in the maintenance log', async () => {
  const { tableDir } = await writeTable('cli');
  const home = { LAKEBENCH_HOME: path.join(bed.dir, 'home') };
  const run = await runCli(['rewrite-manifests', tableDir], home);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/committed snapshot \d+: 12 data manifests replaced by 1/);
  expect((await runCli(['log', tableDir, '--json'], home)).stdout).toContain('"operation": "rewrite-manifests"');
});
