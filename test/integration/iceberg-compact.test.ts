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

describe('compact --where', () => {
  it('rewrites only the files whose partition or column bounds might match; rows kept', async () => {
    const { tableDir, location } = await writeDeletedTable('where-bounds', 2);
    const store = new LocalStore(tableDir);
    const opened = await IcebergTable.open(store);
    const before = await engineRows(opened);
    const [a0, a1] = (await opened.files(opened.snapshot())).filter((f) => f.content === 0).map((f) => f.path);
    // id < 20 (a data column): a0 (ids 0–9) and a1 (10–19) by their bounds; a2 and every b file are left.
    const result = await compactIcebergTable(new FileSystemTarget(store), { targetSize: BIG, minFiles: 2, where: 'id < 20' });
    expect(result.plan.map((p) => [p.partition.kind, p.files])).toEqual([['a', 2]]);
    expect(result).toMatchObject({ filesRemoved: 2, filesAdded: 1, deleteFilesRemoved: 1 });
    const after = await IcebergTable.open(store);
    const live = (await after.files(after.snapshot())).map((f) => f.path);
    expect(live).not.toContain(a0);
    expect(live).not.toContain(a1);
    expect(live.filter((p) => p.endsWith('-compacted.parquet'))).toHaveLength(1);
    expect(await engineRows(after)).toEqual(before);
    expect(await icebirdRows(location)).toEqual(before);

    // On the partition column: only b's files.
    const byKind = await compactIcebergTable(new FileSystemTarget(store), { targetSize: BIG, minFiles: 2, where: "kind = 'b'" });
    expect(byKind.plan.map((p) => [p.partition.kind, p.files])).toEqual([['b', 3]]);
    expect(await engineRows(await IcebergTable.open(store))).toEqual(before);
  });

  it('keeps a delete file that still applies to a file left out', async () => {
    const name = 'where-global-delete';
    const tableDir = path.join(bed.dir, name);
    const writer = new IcebergTestWriter(tableDir, bed.conn, { fields: FIELDS, partitionFields: BY_KIND, location: `${bed.url}/${name}`, firstSnapshotId: 1000n });
    for (const [i, kind] of ['a', 'a', 'b', 'b'].entries()) {
      await writer.commit({ add: [{ sql: `SELECT (range + ${i * 10})::BIGINT AS id, '${kind}' AS kind FROM range(10)`, partition: { kind } }] });
    }
    // A global equality delete (unpartitioned spec): it applies to a's files and b's.
    await writer.commit({ operation: 'delete', equalityDeletes: [{ sql: `SELECT * FROM (VALUES (5::BIGINT), (25::BIGINT)) t(id)`, equalityIds: [1], unpartitioned: true }] });
    const store = new LocalStore(tableDir);
    const before = await engineRows(await IcebergTable.open(store));
    expect(before).toHaveLength(38);
    const result = await compactIcebergTable(new FileSystemTarget(store), { targetSize: BIG, minFiles: 2, where: "kind = 'a'" });
    expect(result).toMatchObject({ filesRemoved: 2, deleteFilesRemoved: 0 });
    const after = await IcebergTable.open(store);
    expect((await after.files(after.snapshot())).filter((f) => f.content === 2)).toHaveLength(1);
    expect(await engineRows(after)).toEqual(before);
  });

  it('refuses, naming the problem, a predicate on no column of the table, one that does not parse, and one no file can be left out by', async () => {
    const { tableDir } = await writeDeletedTable('where-refused', 2);
    const target = new FileSystemTarget(new LocalStore(tableDir));
    const key = (await target.load()).table.metadataKey;
    const compact = (where: string) => compactIcebergTable(target, { targetSize: BIG, minFiles: 2, where });
    await expect(compact('colour = 1')).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/"colour" is not a column of the table \(id, kind\)/) });
    await expect(compact('kind =')).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/not a valid predicate/) });
    await expect(compact("kind = 'a'; DROP TABLE x")).rejects.toMatchObject({ code: 'USAGE' });
    await expect(compact('length(kind) = 1')).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/no part of it compares a column with constants/) });
    await expect(compact("id = 'x'")).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/cannot be evaluated/) });
    expect((await target.load()).table.metadataKey).toBe(key);
  });
});

describe('files of an older partition spec', () => {
  // Spec 0: unpartitioned; spec 1 (current): identity(kind), truncate[10](id).
  const EVOLVED = [
    { sourceId: 2, fieldId: 1000, name: 'kind', transform: 'identity', avroType: 'string' as const },
    { sourceId: 1, fieldId: 1001, name: 'id_trunc', transform: 'truncate[10]', avroType: 'long' as const },
  ];
  async function writeEvolvedTable(name: string) {
    const location = `${bed.url}/${name}`;
    const tableDir = path.join(bed.dir, name);
    const writer = new IcebergTestWriter(tableDir, bed.conn, { fields: FIELDS, location, firstSnapshotId: 1000n });
    // 30 rows in spec 0, kinds alternating, in three files; then two small files in spec 1's (a, 100).
    for (let i = 0; i < 3; i++) {
      await writer.commit({ add: [{ sql: `SELECT (range + ${i * 10})::BIGINT AS id, CASE WHEN range % 2 = 0 THEN 'a' ELSE 'b' END AS kind FROM range(10)` }] });
    }
    await writer.commit({ partitionFields: EVOLVED, add: [{ sql: `SELECT (range + 100)::BIGINT AS id, 'a' AS kind FROM range(5)`, partition: { kind: 'a', id_trunc: 100 } }] });
    await writer.commit({ add: [{ sql: `SELECT (range + 105)::BIGINT AS id, 'a' AS kind FROM range(5)`, partition: { kind: 'a', id_trunc: 100 } }] });
    return { store: new LocalStore(tableDir), tableDir, location };
  }

  /** Each new file's rows, read straight from its Parquet file: the partition tuple they make, computed here by SQL. */
  async function tuplesInFile(tableDir: string, recorded: string, location: string): Promise<string[]> {
    const local = path.join(tableDir, recorded.slice(location.length + 1));
    const rows = await bed.conn.runAndReadAll(`SELECT DISTINCT kind, (id - id % 10)::BIGINT AS t FROM read_parquet('${local}') ORDER BY ALL`);
    return rows.getRows().map(([kind, t]) => `${kind}/${t}`);
  }

  it('are rewritten into the current spec, split by its partitions; rows kept (engine and icebird); scans prune by the new tuples', async () => {
    const { store, tableDir, location } = await writeEvolvedTable('evolved');
    const before = await engineRows(await IcebergTable.open(store));
    expect(before).toHaveLength(40);
    const result = await compactIcebergTable(new FileSystemTarget(store), { targetSize: BIG, minFiles: 2 });
    expect(result.plan.map((p) => [p.specId, p.files]).sort()).toEqual([
      [0, 3],
      [1, 2],
    ]);
    // Spec 0's 30 rows make six partitions of spec 1; spec 1's two files make one.
    expect([result.filesRemoved, result.filesAdded]).toEqual([5, 7]);

    const after = await IcebergTable.open(store);
    const files = await after.files(after.snapshot());
    expect(files.map((f) => f.specId)).toEqual(files.map(() => 1));
    const recordedTuples = files.map((f) => `${String(f.partition.kind)}/${String(f.partition.id_trunc)}`).sort();
    expect(recordedTuples).toEqual(['a/0', 'a/10', 'a/100', 'a/20', 'b/0', 'b/10', 'b/20']);
    for (const file of files) {
      expect(await tuplesInFile(tableDir, file.path, location)).toEqual([`${String(file.partition.kind)}/${String(file.partition.id_trunc)}`]);
    }
    // id = 29: only (a, 20) and (b, 20) can hold it by partition, and (a, 20)'s ids end at 28.
    const point = await after.planScan(after.snapshot(), { op: 'eq', fieldId: 1, value: 29n });
    expect(point.tasks.map((t) => `${String(t.file.partition.kind)}/${String(t.file.partition.id_trunc)}`)).toEqual(['b/20']);
    expect(await engineRows(after)).toEqual(before);
    expect(await icebirdRows(location)).toEqual(before);
  });

  it('are rewritten whatever their size (a file alone in its bin included); files of the current spec above the target are left', async () => {
    const { store } = await writeEvolvedTable('evolved-big');
    const before = await engineRows(await IcebergTable.open(store));
    const planned = await compactIcebergTable(new FileSystemTarget(store), { targetSize: 1, minFiles: 10, dryRun: true });
    expect(planned.plan.map((p) => [p.specId, p.files, p.outputFiles])).toEqual([[0, 3, 3]]);
    const result = await compactIcebergTable(new FileSystemTarget(store), { targetSize: 1, minFiles: 10 });
    expect(result.filesRemoved).toBe(3);
    const after = await IcebergTable.open(store);
    expect((await after.files(after.snapshot())).filter((f) => f.specId === 0)).toEqual([]);
    expect(await engineRows(after)).toEqual(before);
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

  it('a folder table: plans, honours --scratch-limit, commits a replace snapshot, reports it, and the maintenance log records it', async () => {
    const { tableDir } = await writeDeletedTable('cli-folder', 2);
    const before = await engineRows(await IcebergTable.open(new LocalStore(tableDir)));
    const planned = await runCli(['compact', tableDir, '--min-files', '2', '--dry-run'], home());
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/kind=a\s+│?\s*3/);
    const tooSmall = await runCli(['compact', tableDir, '--min-files', '2', '--scratch-limit', '1KB'], home());
    expect(tooSmall.code).not.toBe(0);
    expect(tooSmall.stderr).toMatch(/partition kind=[ab]: a bin of [\d.]+ KB of input files needs [\d.]+ KB of scratch space .* more than --scratch-limit 1 KB/);
    const help = await runCli(['compact', '--help'], home());
    expect(help.stdout).toMatch(/--scratch-limit <size>\s+local disk space/);
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
