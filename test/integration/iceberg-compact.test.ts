/**
 * Iceberg compaction (rewrite_data_files, bin-pack) end to end: small files per partition merged, position
 * deletes, equality deletes and deletion vectors applied while rewriting and the delete files dropped; the
 * rows read back by icebird (an independent reader) and by the engine equal the rows before; every
 * fixture compacted in a temp copy keeps its rows; and the spec's conflict rules for `replace` with a
 * writer committing between the rewrite and the swap.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { icebergRead } from 'icebird';
import { describe, expect, it } from 'vitest';
import { defaultStoreOpener } from '../../core/formats/iceberg/catalog/table-location';
import type { CommitTarget } from '../../core/formats/iceberg/commit';
import { FileSystemTarget, SqlCatalogTarget } from '../../core/formats/iceberg/commit-targets';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { compactIcebergTable } from '../../core/ops/iceberg-compact';
import { IcebergSource } from '../../core/sql/iceberg-source';
import { LocalStore } from '../../core/storage/local';
import { runCli } from '../helpers/cli-process';
import { fixture } from '../helpers/fixtures';
import { appendRows, POSITION_DELETE_IDS } from '../helpers/iceberg-appender';
import { writeSqlCatalog } from '../helpers/iceberg-catalogs';
import { icebergTestBed } from '../helpers/iceberg-test-bed';
import { IcebergTestWriter } from '../helpers/iceberg-writer';


const bed = icebergTestBed('iceberg-compact');

const FIELDS = [
  { id: 1, name: 'id', type: 'long' },
  { id: 2, name: 'kind', type: 'string' },
];
const IDS = { id: 1, kind: 2 };
const BY_KIND = [{ sourceId: 2, fieldId: 1000, name: 'kind', transform: 'identity', avroType: 'string' as const }];
const BIG = 1 << 30;

let views = 0;
/** Every row the engine reads at the table's current snapshot, as sorted JSON texts (a multiset). */
async function engineRows(table: IcebergTable): Promise<string[]> {
  const name = `v${views++}`;
  await new IcebergSource(name, table).prepare(bed.conn, `SELECT * FROM ${name}`, undefined);
  return (await bed.conn.runAndReadAll(`SELECT * FROM ${name}`)).getRowObjectsJson().map((r) => JSON.stringify(r)).sort();
}

/** The same through icebird, reading the table over HTTP. */
async function icebirdRows(location: string): Promise<string[]> {
  const rows = (await icebergRead({ tableUrl: location })) as Record<string, unknown>[];
  return rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? String(v) : v])))).sort();
}

/** 6 small files in two partitions, then a position delete, an equality delete and (v3) a deletion vector. */
async function writeDeletedTable(name: string, formatVersion: 2 | 3) {
  const location = `${bed.url}/${name}`;
  const tableDir = path.join(bed.dir, name);
  const writer = new IcebergTestWriter(tableDir, bed.conn, { fields: FIELDS, partitionFields: BY_KIND, location, formatVersion, firstSnapshotId: 1000n });
  for (const [i, kind] of ['a', 'a', 'a', 'b', 'b', 'b'].entries()) {
    await writer.commit({ add: [{ sql: `SELECT (range + ${i * 10})::BIGINT AS id, '${kind}' AS kind FROM range(10)`, partition: { kind } }] });
  }
  const [a0, , , b0, b1] = writer.files().map((f) => f.path);
  await writer.commit({ operation: 'delete', positionDeletes: [{ partition: { kind: 'a' }, referencedDataFile: a0, rows: [1, 2].map((pos) => ({ path: a0!, pos })) }] });
  await writer.commit({ operation: 'delete', equalityDeletes: [{ sql: `SELECT 35::BIGINT AS id`, equalityIds: [1], partition: { kind: 'b' } }] });
  if (formatVersion === 3) await writer.commit({ operation: 'delete', deletionVectors: [{ dataFile: b1!, positions: [0, 9], partition: { kind: 'b' } }] });
  return { tableDir, location, writer, b0: b0! };
}

describe('compacting a table with deletes', () => {
  for (const formatVersion of [2, 3] as const) {
    it(`v${formatVersion}: one file per partition, the deletes applied and dropped; icebird and the engine read the same rows as before`, async () => {
      const { tableDir, location } = await writeDeletedTable(`deletes-v${formatVersion}`, formatVersion);
      const store = new LocalStore(tableDir);
      const before = await engineRows(await IcebergTable.open(store));
      expect(before).toHaveLength(60 - 2 - 1 - (formatVersion === 3 ? 2 : 0));

      const result = await compactIcebergTable(new FileSystemTarget(store), { targetSize: BIG, minFiles: 2 });
      expect(result).toMatchObject({ filesRemoved: 6, filesAdded: 2, deleteFilesRemoved: formatVersion === 3 ? 3 : 2 });
      expect(result.plan.map((p) => p.partition.kind).sort()).toEqual(['a', 'b']);

      const after = await IcebergTable.open(store);
      const files = await after.files(after.snapshot());
      expect(files.map((f) => f.content)).toEqual([0, 0]);
      // The new files carry counts and id bounds: scans prune by them as by the writer's.
      for (const file of files) {
        expect(file.valueCounts?.get(1)).toBe(file.recordCount);
        expect(file.nullValueCounts?.get(1)).toBe(0);
        expect(file.lowerBounds?.has(1) && file.upperBounds?.has(1)).toBe(true);
      }
      const point = await after.planScan(after.snapshot(), { op: 'eq', fieldId: 1, value: 42n });
      expect(point.tasks.map((t) => t.file.partition.kind)).toEqual(['b']);
      expect(after.snapshot()!.operation).toBe('replace');
      expect(after.snapshot()!.summary['total-delete-files']).toBe('0');
      expect(await engineRows(after)).toEqual(before);
      expect(await icebirdRows(location)).toEqual(before);
    });
  }

  it('a dry run plans and changes nothing; a table of big files has nothing to do', async () => {
    const { tableDir } = await writeDeletedTable('dry', 2);
    const target = new FileSystemTarget(new LocalStore(tableDir));
    const key = (await target.load()).table.metadataKey;
    const planned = await compactIcebergTable(target, { targetSize: BIG, minFiles: 2, dryRun: true });
    expect(planned.plan.map((p) => [p.partition.kind, p.files, p.outputFiles, p.deleteFiles])).toEqual([
      ['a', 3, 1, 1],
      ['b', 3, 1, 1],
    ]);
    expect(planned.snapshotId).toBeUndefined();
    expect((await target.load()).table.metadataKey).toBe(key);
    // Under a 1-byte target only the files some delete applies to qualify (a0, and every b file under the
    // equality delete), each rewritten alone.
    const alone = await compactIcebergTable(target, { targetSize: 1, minFiles: 2 });
    expect([alone.filesRemoved, alone.filesAdded]).toEqual([4, 4]);
    expect(await compactIcebergTable(target, { targetSize: 1, minFiles: 2 })).toMatchObject({ filesRemoved: 0, plan: [] });
  });
});

describe('every fixture compacted in a temp copy keeps its rows', () => {
  const FIXTURES = ['java/bunnies', 'spark/bunnies', 'spark/rename_column', 'athena/example'];
  for (const name of FIXTURES) {
    it(name, async () => {
      const copy = path.join(bed.dir, 'fixtures', name);
      await cp(fixture('iceberg', name), copy, { recursive: true });
      const store = new LocalStore(copy);
      const opened = await IcebergTable.open(store);
      let target: CommitTarget = new FileSystemTarget(store);
      if (!/\/v\d+\.metadata\.json$/.test(`/${opened.metadataKey}`)) {
        // Catalog-named metadata (Athena): committed through a SQL catalog row pointing at it.
        const catalog = path.join(bed.dir, `${name.replace('/', '-')}.db`);
        writeSqlCatalog(catalog, [{ catalog: 'c', namespace: 'db', table: 't', metadataLocation: `${copy}/${opened.metadataKey}` }]);
        target = new SqlCatalogTarget({ path: catalog, catalogName: 'c', namespace: ['db'], name: 't', openStore: defaultStoreOpener() });
      }
      const before = await engineRows(opened);
      const result = await compactIcebergTable(target, { targetSize: BIG, minFiles: 1, all: true });
      const after = (await target.load()).table;
      expect(result.filesRemoved).toBeGreaterThan(0);
      expect(after.metadata.currentSnapshotId).toBe(result.snapshotId);
      expect(await engineRows(after)).toEqual(before);
    });
  }
});

describe('a writer committing between the rewrite and the swap', () => {
  it('an append: the compaction is rebuilt on the fresh state and keeps the appended rows', async () => {
    const { tableDir } = await writeDeletedTable('race-append', 2);
    const store = new LocalStore(tableDir);
    const target = new FileSystemTarget(store);
    const before = await engineRows(await IcebergTable.open(store));
    const result = await compactIcebergTable(target, {
      targetSize: BIG,
      minFiles: 2,
      beforeCommit: () => appendRows(new FileSystemTarget(store), bed.conn, { sql: `SELECT 999::BIGINT AS id, 'a' AS kind`, fieldIds: IDS, partition: { kind: 'a' } }).then(() => undefined),
    });
    expect(result.filesRemoved).toBe(6);
    const rows = await engineRows(await IcebergTable.open(store));
    expect(rows).toEqual([...before, JSON.stringify({ id: '999', kind: 'a' })].sort());
  });

  it('an equality delete: it still applies to the new files (they keep the data sequence number they were read at)', async () => {
    const { tableDir } = await writeDeletedTable('race-eq', 2);
    const store = new LocalStore(tableDir);
    const before = await engineRows(await IcebergTable.open(store));
    await compactIcebergTable(new FileSystemTarget(store), {
      targetSize: BIG,
      minFiles: 2,
      beforeCommit: async () => {
        await appendRows(new FileSystemTarget(store), bed.conn, { sql: `SELECT 44::BIGINT AS id`, fieldIds: { id: 1 }, content: 2, equalityIds: [1], partition: { kind: 'b' } });
      },
    });
    const rows = await engineRows(await IcebergTable.open(store));
    expect(rows).toEqual(before.filter((r) => r !== JSON.stringify({ id: '44', kind: 'b' })));
    expect(rows).toHaveLength(before.length - 1);
  });

  it('a position delete on a rewritten file: CONFLICT, nothing committed, the delete stays applied', async () => {
    const { tableDir, b0 } = await writeDeletedTable('race-pos', 2);
    const store = new LocalStore(tableDir);
    const before = await engineRows(await IcebergTable.open(store));
    let key = '';
    await expect(
      compactIcebergTable(new FileSystemTarget(store), {
        targetSize: BIG,
        minFiles: 2,
        beforeCommit: async () => {
          await appendRows(new FileSystemTarget(store), bed.conn, {
            sql: `SELECT '${b0}' AS file_path, 0::BIGINT AS pos`,
            fieldIds: POSITION_DELETE_IDS,
            content: 1,
            partition: { kind: 'b' },
          });
          key = (await IcebergTable.open(store)).metadataKey;
        },
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const table = await IcebergTable.open(store);
    expect(table.metadataKey).toBe(key);
    expect(await engineRows(table)).toEqual(before.filter((r) => r !== JSON.stringify({ id: '30', kind: 'b' })));
  });
});

describe('lakebench compact on Iceberg tables (the CLI)', () => {
  const home = () => ({ LAKEBENCH_HOME: path.join(bed.dir, 'cli-home') });

  it('a folder table: plans, commits a replace snapshot, reports it, and the maintenance log records it', async () => {
    const { tableDir } = await writeDeletedTable('cli-folder', 2);
    const before = await engineRows(await IcebergTable.open(new LocalStore(tableDir)));
    const planned = await runCli(['compact', tableDir, '--min-files', '2', '--dry-run'], home());
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/kind=a\s+│?\s*3/);
    const run = await runCli(['compact', tableDir, '--min-files', '2', '--json'], home());
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { snapshotId: string; filesRemoved: number; deleteFilesRemoved: number };
    expect(result).toMatchObject({ filesRemoved: 6, deleteFilesRemoved: 2 });
    const after = await IcebergTable.open(new LocalStore(tableDir));
    expect(after.metadata.currentSnapshotId).toBe(result.snapshotId);
    expect(await engineRows(after)).toEqual(before);
    const log = await runCli(['log', tableDir, '--json'], home());
    expect(log.stdout).toContain('"operation": "compact"');
  });

  it('a SQL catalog table: committed through the catalog row', async () => {
    const { tableDir, metadataFile } = await (async () => {
      const name = 'cli-sql';
      const tableDirectory = path.join(bed.dir, name);
      const writer = new IcebergTestWriter(tableDirectory, bed.conn, { fields: FIELDS, catalogNames: true, firstSnapshotId: 1000n });
      for (let i = 0; i < 3; i++) await writer.commit({ add: [{ sql: `SELECT (range + ${i * 10})::BIGINT AS id, 'x' AS kind FROM range(10)` }] });
      return { tableDir: tableDirectory, metadataFile: path.join(tableDirectory, writer.lastMetadataKey) };
    })();
    const catalogFile = path.join(bed.dir, 'cli-catalog.db');
    writeSqlCatalog(catalogFile, [{ catalog: 'prod', namespace: 'db', table: 'events', metadataLocation: metadataFile }]);
    const run = await runCli(['compact', 'prod.db.events', `--catalog=prod=sqlite://${catalogFile}`, '--min-files', '2'], home());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/committed snapshot \d+: 3 files .* replaced by 1/);
    const target = new SqlCatalogTarget({ path: catalogFile, catalogName: 'prod', namespace: ['db'], name: 'events', openStore: defaultStoreOpener() });
    const state = await target.load();
    expect(state.metadataLocation).not.toBe(metadataFile);
    expect((await state.table.files(state.table.snapshot())).length).toBe(1);
    expect((await engineRows(state.table)).length).toBe(30);
    // The folder is the catalog's: the CLI refuses to commit through it.
    expect((await runCli(['compact', tableDir, '--min-files', '2'], home())).stderr).toContain('named by a catalog');
  });
});
