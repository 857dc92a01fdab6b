/**
 * `tsx scripts/bench-dv.ts`: queries over a table whose files carry deletion vectors, against raw DuckDB
 * measured in the same run.
 *
 *   dv_query_ratio  a GROUP BY over a 5M-row table (10 files) whose DVs delete ~10% of each file's rows,
 *                   through Lakebench's view ÷ raw DuckDB over the same files with those rows filtered by
 *                   a precomputed (file, row) table (an anti-join), both warm
 *   dv_register_ms  registering the table (log replay, reading and decoding the DVs, building the view)
 *
 * Rounds alternate so load drift hits both; the first round only warms up, medians of the others count.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Action } from '../core/formats/delta/actions';
import { dvFileBytes, uuidPathOrInlineDv } from '../core/formats/delta/deletion-vector';
import { commitKey } from '../core/formats/delta/log-files';
import { serializeActions } from '../core/formats/delta/parse';
import { encodeRoaringBitmapArray } from '../core/formats/delta/roaring';
import { DeltaTable } from '../core/formats/delta/table';
import { SqlSession } from '../core/sql/session';
import { LocalStore } from '../core/storage/local';
import { median, report } from './bench-report';

const FILES = 10;
const ROWS_PER_FILE = 500_000;
const DELETED_SHARE = 0.1;
const ROUNDS = 5;
const QUERY = 'SELECT k, count(*) AS n, sum(x) AS s FROM t GROUP BY k';

/** Distinct random positions of about `share` of `rows`, ascending. */
function randomPositions(rows: number, share: number): number[] {
  const picked = new Uint8Array(rows);
  for (let i = 0; i < rows * share; i++) picked[Math.floor(Math.random() * rows)] = 1;
  const positions: number[] = [];
  picked.forEach((on, i) => on && positions.push(i));
  return positions;
}

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-dv-'));
const instance = await DuckDBInstance.create(':memory:');
const raw = await instance.connect();
try {
  console.error(`bench-dv: working in ${work} (${os.cpus().length} cores)`);
  const table = path.join(work, 'table');
  await mkdir(path.join(table, '_delta_log'), { recursive: true });
  const files = Array.from({ length: FILES }, (_, i) => path.join(table, `part-${i}.parquet`));
  for (const [i, file] of files.entries()) {
    await raw.run(
      `COPY (SELECT (range + ${i * ROWS_PER_FILE})::BIGINT AS id, (range % 97)::INTEGER AS k, random() AS x FROM range(${ROWS_PER_FILE})) TO '${file}' (FORMAT parquet)`,
    );
  }
  const deleted = files.map(() => randomPositions(ROWS_PER_FILE, DELETED_SHARE));
  const uuid = crypto.randomUUID();
  const bitmaps = deleted.map((positions) => encodeRoaringBitmapArray(positions));
  const { bytes, offsets } = dvFileBytes(bitmaps);
  await writeFile(path.join(table, `deletion_vector_${uuid}.bin`), bytes);
  const schema = { type: 'struct', fields: ['id:long', 'k:integer', 'x:double'].map((f) => ({ name: f.split(':')[0], type: f.split(':')[1], nullable: true, metadata: {} })) };
  const actions: Action[] = [
    { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] } },
    { metaData: { id: uuid, format: { provider: 'parquet', options: {} }, schemaString: JSON.stringify(schema), partitionColumns: [], configuration: { 'delta.enableDeletionVectors': 'true' } } },
    ...files.map((file, i): Action => ({
      add: {
        path: path.basename(file),
        partitionValues: {},
        size: 1,
        modificationTime: 1,
        dataChange: true,
        stats: JSON.stringify({ numRecords: ROWS_PER_FILE }),
        deletionVector: { storageType: 'u', pathOrInlineDv: uuidPathOrInlineDv(uuid), offset: offsets[i], sizeInBytes: bitmaps[i].length, cardinality: deleted[i].length },
      },
    })),
  ];
  await writeFile(path.join(table, commitKey(0)), serializeActions(actions));

  // The baseline's precomputed list of deleted (file, row), loaded before any timing.
  await raw.run('CREATE TABLE deleted (file_index UBIGINT, row_number BIGINT)');
  const appender = await raw.createAppender('deleted');
  deleted.forEach((positions, file) => {
    for (const row of positions) {
      appender.appendUBigInt(BigInt(file));
      appender.appendBigInt(BigInt(row));
      appender.endRow();
    }
  });
  appender.closeSync();
  const list = files.map((f) => `'${f}'`).join(', ');
  const rawQuery = QUERY.replace(
    'FROM t',
    `FROM read_parquet([${list}], file_row_number = true) AS d ANTI JOIN deleted ON d.file_index = deleted.file_index AND d.file_row_number = deleted.row_number`,
  );

  const session = await SqlSession.create();
  const registerTimes: number[] = [];
  const lakebenchTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    let start = performance.now();
    await session.run('DROP VIEW IF EXISTS t');
    await session.registerDelta('t', await DeltaTable.open(new LocalStore(table)));
    const register = performance.now() - start;
    start = performance.now();
    const ours = await session.query(QUERY);
    const lakebench = performance.now() - start;
    start = performance.now();
    const theirs = await raw.runAndReadAll(rawQuery);
    const rawMs = performance.now() - start;
    const count = (rows: unknown[][]) => rows.reduce((n: number, row) => n + Number(row[1]), 0);
    const oursCount = count(ours.rows.map((r) => [r.k, r.n]));
    if (oursCount !== count(theirs.getRows()) || oursCount !== FILES * ROWS_PER_FILE - deleted.reduce((n, d) => n + d.length, 0)) {
      throw new Error(`Lakebench counted ${oursCount} rows, raw DuckDB ${count(theirs.getRows())}`);
    }
    if (round > 0) {
      registerTimes.push(register);
      lakebenchTimes.push(lakebench);
      rawTimes.push(rawMs);
    }
  }
  session.close();
  report('dv_rows', FILES * ROWS_PER_FILE, 'rows');
  report('dv_deleted_rows', deleted.reduce((n, d) => n + d.length, 0), 'rows');
  report('dv_register_ms', Math.round(median(registerTimes)), 'ms');
  report('dv_query_lakebench_ms', Math.round(median(lakebenchTimes)), 'ms');
  report('dv_query_raw_duckdb_ms', Math.round(median(rawTimes)), 'ms');
  report('dv_query_ratio', median(lakebenchTimes) / median(rawTimes), 'x');
} finally {
  raw.closeSync();
  instance.closeSync();
  await rm(work, { recursive: true, force: true });
}
