/**
 * Every write operation on tables as current writers make them: deletion vectors (the golden
 * dv-partitioned-with-checkpoint table, written by Delta Spark) and column mapping (the golden
 * table-with-columnmapping-mode-name, and tables built here with DuckDB's FIELD_IDS). After each write
 * the table reads the rows it should, through a fresh session (an independent replay of the log).
 */
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deletionVectorOf } from '../../core/formats/delta/deletion-vector';
import { commitKey } from '../../core/formats/delta/log-files';
import { logicalFileKey } from '../../core/formats/delta/replay';
import { DeltaTable } from '../../core/formats/delta/table';
import { checkpointTable } from '../../core/ops/checkpoint';
import { compactTable } from '../../core/ops/compact';
import { deleteWhere } from '../../core/ops/delete';
import { expireLog } from '../../core/ops/expire';
import { importFiles } from '../../core/ops/import';
import { repackTable } from '../../core/ops/repack';
import { vacuumTable } from '../../core/ops/vacuum';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';
import { scratchPerTest } from '../helpers/scratch-tables';
import { fixture } from '../helpers/fixtures';

const scratch = scratchPerTest('features-write');

async function copyGolden(name: string): Promise<{ store: LocalStore; tableDir: string }> {
  const tableDir = path.join(scratch.dir, name);
  await cp(fixture('golden', name, 'delta'), tableDir, { recursive: true });
  return { store: new LocalStore(tableDir), tableDir };
}

const snapshotOf = async (store: LocalStore, version?: number) => (await DeltaTable.open(store)).snapshot(version === undefined ? {} : { version });
const col1Values = async (store: LocalStore) => (await queryTable(store, 'SELECT list(col1 ORDER BY col1) AS v FROM t'))[0].v as number[];

/** Every row the table's Parquet files physically hold, whatever the log says (what a purge must erase). */
async function physicalRows(tableDir: string, where: string): Promise<number> {
  const reader = await scratch.duck.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${tableDir}/**/*.parquet', union_by_name = true) WHERE ${where}`);
  return Number(reader.getRows()[0][0]);
}

describe('a table with deletion vectors (golden dv-partitioned-with-checkpoint)', () => {
  const NAME = 'dv-partitioned-with-checkpoint';
  let expected: number[];
  beforeAll(async () => {
    const reader = await scratch.duck.runAndReadAll(`SELECT list(col1 ORDER BY col1) FROM read_parquet('${fixture('golden', NAME, 'expected')}/*.parquet')`);
    expected = (reader.getRows()[0][0] as { items: number[] }).items.map(Number);
  });

  it('delete --where writes a deletion vector, rewriting no data file', async () => {
    const { store, tableDir } = await copyGolden(NAME);
    const before = await snapshotOf(store);
    const dataFiles = (await readdir(tableDir, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
    const result = await deleteWhere(store, 'col1 IN (1, 3)');
    expect(result).toMatchObject({ rowsDeleted: 2, filesAdded: 0, deletionVectorsAdded: 2 });
    expect((await readdir(tableDir, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort()).toEqual(dataFiles);
    expect(await col1Values(store)).toEqual(expected.filter((v) => v !== 1 && v !== 3));
    const after = await snapshotOf(store);
    expect(after.files).toHaveLength(before.files.length);
    const beforeKeys = new Set(before.files.map(logicalFileKey));
    const changed = after.files.filter((f) => !beforeKeys.has(logicalFileKey(f)));
    // col1 = 1 and 3 are in part=1 and part=3, whose files had no DV yet.
    expect(changed.map((f) => f.partitionValues.part).sort()).toEqual(['1', '3']);
    expect(changed.map((f) => deletionVectorOf(f)?.cardinality)).toEqual([1, 1]);
    // The older version still reads its own rows.
    expect((await queryTable(store, 'SELECT count(*) AS n FROM t', before.version))[0].n).toBe(expected.length);
  });

  it('compact drops the deleted rows into new files without DVs; the rows are still the expected rows', async () => {
    const { store } = await copyGolden(NAME);
    const result = await compactTable(store, { targetSize: 1 << 30, minFiles: 2 });
    expect(result.filesRemoved).toBeGreaterThan(0);
    const after = await snapshotOf(store);
    expect(after.files.filter((f) => f.deletionVector)).toEqual([]);
    expect(await col1Values(store)).toEqual(expected);
  });

  it('repack --purge erases rows a DV only hid: no Parquet file holds them afterwards', async () => {
    const { store, tableDir } = await copyGolden(NAME);
    // col1 = 2 was deleted by a DV at v2; its file still holds the row.
    expect(await physicalRows(tableDir, 'col1 = 2')).toBe(1);
    expect(expected).not.toContain(2);
    const result = await repackTable(store, { purgeWhere: 'col1 IN (2, 5)', purge: true });
    expect(result.rowsPurged).toBe(1); // col1 = 5 was live; 2 was already hidden
    expect(await physicalRows(tableDir, 'col1 IN (2, 5)')).toBe(0);
    expect(await col1Values(store)).toEqual(expected.filter((v) => v !== 5));
  });

  it('import appends, merges and overwrites; rewritten files leave their deleted rows out', async () => {
    const { store } = await copyGolden(NAME);
    const rows = async (name: string, select: string) => {
      const file = path.join(scratch.dir, `${name}.parquet`);
      await scratch.duck.run(`COPY (${select}) TO '${file}'`);
      return file;
    };
    const appended = await rows('append', `SELECT 0::INT AS part, 100::INT AS col1, 'new' AS col2`);
    await importFiles(store, { inputs: [appended] });
    expect(await col1Values(store)).toEqual([...expected, 100].sort((a, b) => a - b));
    const input = await rows('merge', `SELECT * FROM (VALUES (1::INT, 1::INT, 'merged'), (3, 3, 'merged')) v(part, col1, col2)`);
    await importFiles(store, { inputs: [input], mode: 'merge', key: ['col1'] });
    expect((await queryTable(store, `SELECT list(col1 ORDER BY col1) AS v FROM t WHERE col2 = 'merged'`))[0].v).toEqual([1, 3]);
    expect(await col1Values(store)).toEqual([...expected, 100].sort((a, b) => a - b));
    await importFiles(store, { inputs: [input], mode: 'overwrite' });
    expect(await col1Values(store)).toEqual([1, 3]);
  });

  it('vacuum deletes DV files only expired versions used, never one a live file uses', async () => {
    const { store, tableDir } = await copyGolden(NAME);
    await deleteWhere(store, 'col1 = 1'); // a new DV file, used by a live file
    const live = await snapshotOf(store);
    const liveDvFiles = new Set(live.files.flatMap((f) => (f.deletionVector ? [`deletion_vector_`] : [])));
    expect(liveDvFiles.size).toBe(1);
    await vacuumTable(store, { retentionMs: 0, force: true, now: Date.now() + 60_000 });
    expect(await col1Values(store)).toEqual(expected.filter((v) => v !== 1));
    const remaining = (await readdir(tableDir)).filter((f) => f.startsWith('deletion_vector_'));
    // Every DV file left is one a live file uses, and every one they use is left.
    const used = new Set(
      live.files.flatMap((f) => {
        const dv = deletionVectorOf(f);
        return dv ? [dv.pathOrInlineDv] : [];
      }),
    );
    expect(remaining.length).toBeGreaterThan(0);
    expect(remaining.length).toBeLessThan(15); // the fixture has 15, most retired by later DVs
    expect(used.size).toBeGreaterThan(0);
  });
});

describe('a table with column mapping (golden table-with-columnmapping-mode-name)', () => {
  const NAME = 'table-with-columnmapping-mode-name';

  it('an appended column gets a physical name and the next id; files hold physical names and field ids', async () => {
    const { store, tableDir } = await copyGolden(NAME);
    const input = path.join(scratch.dir, 'rows.parquet');
    await scratch.duck.run(`COPY (SELECT 7::TINYINT AS ByteType, 'seven' AS StringType, 'x' AS extra) TO '${input}'`);
    await importFiles(store, { inputs: [input] });
    const snapshot = await snapshotOf(store);
    const extra = snapshot.schema.fields.find((f) => f.name === 'extra')!;
    expect(extra.metadata).toMatchObject({ 'delta.columnMapping.id': 25, 'delta.columnMapping.physicalName': expect.stringMatching(/^col-/) });
    expect(snapshot.metadata.configuration?.['delta.columnMapping.maxColumnId']).toBe('25');
    const added = snapshot.files.find((f) => JSON.parse(f.stats!).numRecords === 1 && f.path.includes('zstd'))!;
    const schema = await scratch.duck.runAndReadAll(`SELECT name, field_id FROM parquet_schema('${path.join(tableDir, added.path)}') WHERE field_id IS NOT NULL`);
    const stored = new Map(schema.getRows().map(([name, id]) => [String(name), Number(id)]));
    expect(stored.get(String(extra.metadata!['delta.columnMapping.physicalName']))).toBe(25);
    expect(stored.has('extra')).toBe(false);
    expect(await queryTable(store, `SELECT ByteType, StringType, extra, nested_struct FROM t WHERE extra IS NOT NULL`)).toEqual([
      { ByteType: 7, StringType: 'seven', extra: 'x', nested_struct: null },
    ]);
    expect((await queryTable(store, 'SELECT count(*) AS n FROM t'))[0].n).toBe(7);
  });

  it('delete and compact keep physical names; nested fields read back under their display names', async () => {
    const { store } = await copyGolden(NAME);
    const input = path.join(scratch.dir, 'rows.parquet');
    await scratch.duck.run(`COPY (SELECT 9::TINYINT AS ByteType, 'nine' AS StringType) TO '${input}'`);
    await deleteWhere(store, 'ByteType = 2'); // rewrites one file under physical names
    await importFiles(store, { inputs: [input] }); // a second file of the same layout
    const before = await queryTable(store, 'SELECT * FROM t ORDER BY ByteType');
    const compacted = await compactTable(store, { targetSize: 1 << 30, minFiles: 2 });
    expect(compacted.filesAdded).toBeGreaterThan(0);
    expect(await queryTable(store, 'SELECT * FROM t ORDER BY ByteType')).toEqual(before);
  });
});

describe('column mapping built here', () => {
  const field = (name: string, id: number, type = 'long') => ({
    name,
    type,
    nullable: true,
    metadata: { 'delta.columnMapping.id': id, 'delta.columnMapping.physicalName': `col-${id}` },
  });
  const protocol = { protocol: { minReaderVersion: 2, minWriterVersion: 5 } };
  const metaData = (mode: string, fields: unknown[]) => ({
    metaData: {
      id: 'cm',
      format: { provider: 'parquet', options: {} },
      schemaString: JSON.stringify({ type: 'struct', fields }),
      partitionColumns: [],
      configuration: { 'delta.columnMapping.mode': mode, 'delta.columnMapping.maxColumnId': '2' },
    },
  });
  const add = (file: string, rows: number) => ({
    add: { path: file, partitionValues: {}, size: 1, modificationTime: 1, dataChange: true, stats: JSON.stringify({ numRecords: rows }) },
  });
  const writeLog = async (tableDir: string, commits: unknown[][]) => {
    await mkdir(path.join(tableDir, '_delta_log'), { recursive: true });
    for (const [v, actions] of commits.entries()) await writeFile(path.join(tableDir, commitKey(v)), actions.map((a) => JSON.stringify(a)).join('\n'));
  };

  it('a rename shows each version its own names (time travel to before it)', async () => {
    const tableDir = path.join(scratch.dir, 'renamed');
    await mkdir(tableDir, { recursive: true });
    await scratch.duck.run(`COPY (SELECT range AS "col-1", range * 10 AS "col-2" FROM range(3)) TO '${tableDir}/a.parquet' (FIELD_IDS {'col-1': 1, 'col-2': 2})`);
    await writeLog(tableDir, [
      [protocol, metaData('name', [field('id', 1), field('amount', 2)]), add('a.parquet', 3)],
      [metaData('name', [field('id', 1), field('total', 2)])], // RENAME COLUMN amount TO total
      [metaData('name', [field('id', 1)])], // DROP COLUMN total
    ]);
    const store = new LocalStore(tableDir);
    expect(await queryTable(store, 'SELECT * FROM t ORDER BY id', 0)).toEqual([0, 1, 2].map((i) => ({ id: i, amount: i * 10 })));
    expect(await queryTable(store, 'SELECT * FROM t ORDER BY id', 1)).toEqual([0, 1, 2].map((i) => ({ id: i, total: i * 10 })));
    expect(await queryTable(store, 'SELECT * FROM t ORDER BY id')).toEqual([0, 1, 2].map((i) => ({ id: i })));
  });

  it('mode id matches Parquet columns by field id, whatever they are named in the file', async () => {
    const tableDir = path.join(scratch.dir, 'by-id');
    await mkdir(tableDir, { recursive: true });
    // Two files naming the columns differently (as a converted Iceberg table may); the ids decide.
    await scratch.duck.run(`COPY (SELECT 1::BIGINT AS x, 10::BIGINT AS y) TO '${tableDir}/a.parquet' (FIELD_IDS {x: 1, y: 2})`);
    await scratch.duck.run(`COPY (SELECT 20::BIGINT AS q, 2::BIGINT AS p) TO '${tableDir}/b.parquet' (FIELD_IDS {p: 1, q: 2})`);
    await writeLog(tableDir, [[protocol, metaData('id', [field('id', 1), field('amount', 2)]), add('a.parquet', 1), add('b.parquet', 1)]]);
    expect(await queryTable(new LocalStore(tableDir), 'SELECT * FROM t ORDER BY id')).toEqual([
      { id: 1, amount: 10 },
      { id: 2, amount: 20 },
    ]);
  });
});

describe('v2 checkpoints', () => {
  it('expire deletes the old v2 checkpoint and then its sidecars, which no remaining checkpoint names', async () => {
    const tableDir = path.join(scratch.dir, 'v2-expire');
    await cp(fixture('golden', 'v2-checkpoint-json', 'delta'), tableDir, { recursive: true });
    const store = new LocalStore(tableDir);
    const input = path.join(scratch.dir, 'rows.parquet');
    await scratch.duck.run(`COPY (SELECT 100::BIGINT AS id) TO '${input}'`);
    await importFiles(store, { inputs: [input] });
    await checkpointTable(store);
    const sidecars = () => readdir(path.join(tableDir, '_delta_log', '_sidecars'));
    expect(await sidecars()).toHaveLength(2);
    const result = await expireLog(store, { logRetentionMs: 0, now: Date.now() + 2 * 86_400_000 });
    expect(result.oldestVersion).toBe(3);
    expect(result.deleted.filter((url) => url.includes('_sidecars/'))).toHaveLength(2);
    expect(await sidecars()).toEqual([]);
    expect((await queryTable(store, 'SELECT count(*) AS n FROM t'))[0]).toEqual({ n: 11 });
  });

  it('a table whose checkpoint policy is v2 gets a UUID-named v2 checkpoint, which alone reads the table', async () => {
    const tableDir = path.join(scratch.dir, 'v2');
    await cp(fixture('golden', 'v2-checkpoint-json', 'delta'), tableDir, { recursive: true });
    const store = new LocalStore(tableDir);
    const input = path.join(scratch.dir, 'rows.ndjson');
    await writeFile(input, '{"id": 100}\n');
    await importFiles(store, { inputs: [input] });
    const result = await checkpointTable(store);
    expect(result.object).toMatch(/00000000000000000003\.checkpoint\.[0-9a-f-]{36}\.parquet$/);
    for (const name of await readdir(path.join(tableDir, '_delta_log'))) {
      if (/^\d{20}\.json$/.test(name) || name.includes('.checkpoint.6374')) await rm(path.join(tableDir, '_delta_log', name));
    }
    expect(JSON.parse(await readFile(path.join(tableDir, '_delta_log', '_last_checkpoint'), 'utf8'))).toMatchObject({ version: 3 });
    expect((await queryTable(store, 'SELECT count(*) AS n, max(id) AS m FROM t'))[0]).toEqual({ n: 11, m: 100 });
  });
});
