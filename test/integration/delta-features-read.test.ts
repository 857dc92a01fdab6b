/**
 * Reading features of current writers on tables built here (data files written by DuckDB, logs by
 * hand as PROTOCOL.md describes them): inline deletion vectors, type widening, variants, absolute
 * paths inside the table, log compaction files, in-commit timestamps and the checkpoint interval.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z85Encode } from '../../core/formats/delta/z85';
import { commitKey } from '../../core/formats/delta/log-files';
import { encodeRoaringBitmapArray } from '../../core/formats/delta/roaring';
import { DeltaTable } from '../../core/formats/delta/table';
import { importFiles } from '../../core/ops/import';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';
import { scratchPerTest } from '../helpers/scratch-tables';

const scratch = scratchPerTest('features-read');

const schema = (...fields: { name: string; type: unknown; metadata?: object }[]) =>
  JSON.stringify({ type: 'struct', fields: fields.map((f) => ({ nullable: true, metadata: {}, ...f })) });
const metaData = (schemaString: string, configuration: Record<string, string> = {}) => ({
  metaData: { id: 't', format: { provider: 'parquet', options: {} }, schemaString, partitionColumns: [], configuration },
});
const v3 = (features: string[], writerOnly: string[] = []) => ({
  protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: features, writerFeatures: [...features, ...writerOnly] },
});
const add = (file: string, rows: number, extra: object = {}) => ({
  add: { path: file, partitionValues: {}, size: 1, modificationTime: 1, dataChange: true, stats: JSON.stringify({ numRecords: rows }), ...extra },
});

async function table(name: string, commits: unknown[][]): Promise<{ store: LocalStore; tableDir: string }> {
  const tableDir = path.join(scratch.dir, name);
  await mkdir(path.join(tableDir, '_delta_log'), { recursive: true });
  for (const [v, actions] of commits.entries()) await writeFile(path.join(tableDir, commitKey(v)), actions.map((a) => JSON.stringify(a)).join('\n'));
  return { store: new LocalStore(tableDir), tableDir };
}

describe('reading', () => {
  it('an inline deletion vector hides its rows', async () => {
    const tableDir = path.join(scratch.dir, 'inline');
    await mkdir(tableDir);
    await scratch.duck.run(`COPY (SELECT range AS n FROM range(10)) TO '${tableDir}/a.parquet'`);
    const bitmap = encodeRoaringBitmapArray([0, 4, 9]);
    const dv = { storageType: 'i', pathOrInlineDv: z85Encode(bitmap), sizeInBytes: bitmap.length, cardinality: 3 };
    const { store } = await table('inline', [[v3(['deletionVectors']), metaData(schema({ name: 'n', type: 'long' })), add('a.parquet', 10, { deletionVector: dv })]]);
    expect(await queryTable(store, 'SELECT list(n ORDER BY n) AS n FROM t')).toEqual([{ n: [1, 2, 3, 5, 6, 7, 8] }]);
  });

  it('type widening: a file written before integer became long reads widened', async () => {
    const tableDir = path.join(scratch.dir, 'widened');
    await mkdir(tableDir);
    await scratch.duck.run(`COPY (SELECT 1::INTEGER AS n) TO '${tableDir}/old.parquet'`);
    await scratch.duck.run(`COPY (SELECT 5000000000::BIGINT AS n) TO '${tableDir}/new.parquet'`);
    const widened = schema({ name: 'n', type: 'long', metadata: { 'delta.typeChanges': [{ fromType: 'integer', toType: 'long' }] } });
    const { store } = await table('widened', [[v3(['typeWidening']), metaData(widened), add('old.parquet', 1), add('new.parquet', 1)]]);
    const rows = await queryTable(store, 'SELECT n, typeof(n) AS t FROM t ORDER BY n');
    expect(rows).toEqual([
      { n: 1, t: 'BIGINT' },
      { n: 5000000000, t: 'BIGINT' },
    ]);
  });

  it('a variant column reads as JSON text, from its two binaries', async () => {
    const tableDir = path.join(scratch.dir, 'variant');
    await mkdir(tableDir);
    // Spark writes a variant unannotated: a struct of the metadata and value binaries.
    await scratch.duck.run(`COPY (SELECT 1 AS id, variant_to_parquet_variant({'a': 1, 'b': 'x'}::VARIANT) AS v) TO '${tableDir}/a.parquet'`);
    const { store } = await table('variant', [[v3(['variantType']), metaData(schema({ name: 'id', type: 'integer' }, { name: 'v', type: 'variant' })), add('a.parquet', 1)]]);
    const [row] = await queryTable(store, 'SELECT v FROM t');
    expect(JSON.parse(String(row.v))).toEqual({ a: 1, b: 'x' });
  });

  it('an absolute file: path inside the table reads like a relative one; compaction files are ignored', async () => {
    const tableDir = path.join(scratch.dir, 'absolute');
    await mkdir(tableDir);
    await scratch.duck.run(`COPY (SELECT 1::BIGINT AS n) TO '${tableDir}/a.parquet'`);
    await scratch.duck.run(`COPY (SELECT 2::BIGINT AS n) TO '${tableDir}/b.parquet'`);
    const { store } = await table('absolute', [
      [{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, metaData(schema({ name: 'n', type: 'long' })), add(`file://${tableDir}/a.parquet`, 1)],
      [add('b.parquet', 1)],
    ]);
    // A log compaction file with wrong content: a reader may use or ignore one, never misread the table.
    await writeFile(path.join(tableDir, '_delta_log', '00000000000000000000.00000000000000000001.compacted.json'), '{"add":{"path":"gone.parquet"}}');
    expect(await queryTable(store, 'SELECT list(n ORDER BY n) AS n FROM t')).toEqual([{ n: [1, 2] }]);
  });
});

describe('commits to tables with in-commit timestamps and a checkpoint interval', () => {
  it('records an inCommitTimestamp after the previous one, travels by it, and checkpoints every delta.checkpointInterval versions', async () => {
    const future = Date.now() + 3_600_000;
    const config = { 'delta.enableInCommitTimestamps': 'true', 'delta.checkpointInterval': '2' };
    const { store, tableDir } = await table('ict', [
      [{ commitInfo: { inCommitTimestamp: future, timestamp: future } }, { protocol: { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['inCommitTimestamp'] } }, metaData(schema({ name: 'n', type: 'long' }), config)],
    ]);
    const input = path.join(scratch.dir, 'n.parquet');
    await scratch.duck.run(`COPY (SELECT 1::BIGINT AS n) TO '${input}'`);
    await importFiles(store, { inputs: [input] }); // v1
    await importFiles(store, { inputs: [input] }); // v2: a checkpoint follows (interval 2)
    const first = JSON.parse((await readFile(path.join(tableDir, commitKey(1)), 'utf8')).split('\n')[0]).commitInfo;
    const second = JSON.parse((await readFile(path.join(tableDir, commitKey(2)), 'utf8')).split('\n')[0]).commitInfo;
    expect(first.inCommitTimestamp).toBe(future + 1);
    expect(second.inCommitTimestamp).toBe(future + 2);
    expect((await readdir(path.join(tableDir, '_delta_log'))).filter((f) => f.includes('.checkpoint.'))).toEqual(['00000000000000000002.checkpoint.parquet']);
    const table1 = await DeltaTable.open(store);
    expect((await table1.snapshot({ asOf: new Date(future + 1) })).version).toBe(1);
  });
});
