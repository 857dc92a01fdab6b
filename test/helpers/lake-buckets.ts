/**
 * A LakeSync bucket and a Lakeside bucket with known contents, for the bucket views' tests (the app's
 * e2e test and the summaries over S3): JSON and Parquet deltas plus a materialised state; compacted and
 * staged records plus a Parquet file the log never took.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { compactStagingIntoLakeside } from '../../core/ops/compact-staging-lakeside';
import { LocalStore } from '../../core/storage/local';
import { delta, hlc, writeEnvelope } from './lakesync-deltas';

/**
 * todos: r1, r2 at +10 ms (file 1); r1 done and r3 at +30 ms (file 2); r2 deleted at +50 ms (file 3);
 * r3 retitled and r4 inserted at +60 ms (a Parquet file). notes: n0 materialised, n1 at +40 ms.
 */
export async function writeLakeSync(bucket: string): Promise<void> {
  await writeEnvelope(bucket, '2026-11-23', 'gw-a', 'todos', [
    delta('INSERT', 'r1', hlc(0), 'client-a', { title: 'buy milk', done: false }),
    delta('INSERT', 'r2', hlc(10), 'client-a', { title: 'walk dog', done: false }),
  ]);
  await writeEnvelope(bucket, '2026-11-23', 'gw-b', 'todos', [
    delta('UPDATE', 'r1', hlc(20, 2), 'client-b', { done: true }),
    delta('INSERT', 'r3', hlc(30), 'client-b', { title: 'water plants', done: false }),
  ]);
  await writeEnvelope(bucket, '2026-11-23', 'gw-b', 'notes', [delta('INSERT', 'n1', hlc(40), 'client-b', { text: 'hello' }, 'notes')]);
  await writeEnvelope(bucket, '2026-11-24', 'gw-a', 'todos', [delta('DELETE', 'r2', hlc(50), 'client-a')]);
  const parquet = join(bucket, 'deltas', '2026-11-24', 'gw-c');
  const materialised = join(bucket, 'materialised', 'notes');
  await mkdir(parquet, { recursive: true });
  await mkdir(materialised, { recursive: true });
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    await duck.run(`COPY (SELECT * FROM (VALUES
        ('UPDATE', 'todos', 'r3', 'client-c', ${hlc(60)}::BIGINT, 'p1', 'water cactus', NULL::TINYINT),
        ('INSERT', 'todos', 'r4', 'client-c', ${hlc(60, 1)}::BIGINT, 'p2', 'call mum', 0::TINYINT)
      ) t(op, "table", "rowId", "clientId", hlc, "deltaId", title, done))
      TO '${join(parquet, `todos-${hlc(60)}-${hlc(60, 1)}.parquet`)}' (FORMAT parquet, KV_METADATA {'lakesync:bool_columns': '["done"]'})`);
    await duck.run(`COPY (SELECT 'n0' AS "rowId", 'from base' AS text) TO '${join(materialised, 'current.parquet')}' (FORMAT parquet)`);
  } finally {
    duck.closeSync();
  }
}

/**
 * todos with a JSON column `meta`, as LakeSync flushes it: r1 from a JSON envelope (an object), r2 and r3
 * from a Parquet delta (objects and arrays as their JSON text in a utf8 column); r2's title is text that
 * only looks like JSON.
 */
export async function writeLakeSyncJsonColumn(bucket: string): Promise<void> {
  await writeEnvelope(bucket, '2026-11-23', 'gw-e', 'todos', [delta('INSERT', 'r1', hlc(5), 'client-e', { title: 'one', meta: { tags: ['x'] } })]);
  const folder = join(bucket, 'deltas', '2026-11-23', 'gw-p');
  await mkdir(folder, { recursive: true });
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    await duck.run(`COPY (SELECT * FROM (VALUES
        ('INSERT', 'todos', 'r2', 'client-p', ${hlc(10)}::BIGINT, 'p1', '{not json}', '[1,2]'),
        ('INSERT', 'todos', 'r3', 'client-p', ${hlc(11)}::BIGINT, 'p2', 'three', ' {"a":{"b":null}}')
      ) t(op, "table", "rowId", "clientId", hlc, "deltaId", title, meta))
      TO '${join(folder, `todos-${hlc(10)}-${hlc(11)}.parquet`)}' (FORMAT parquet)`);
  } finally {
    duck.closeSync();
  }
}

/** Hour 08 (7 records) compacted; hours 09 (4 records in 3 files) and 10 (1 record) staged; one unlogged Parquet file. */
export async function writeLakeside(bucket: string): Promise<void> {
  const put = async (key: string, body: string) => {
    await mkdir(dirname(join(bucket, key)), { recursive: true });
    await writeFile(join(bucket, key), body);
  };
  await put('schema/schema.json', JSON.stringify({ fields: [{ name: 'id', type: 'INT64' }, { name: 'name', type: 'BYTE_ARRAY' }, { name: 'amount', type: 'DOUBLE' }] }));
  let id = 0;
  const record = () => JSON.stringify({ id, name: `item ${id}`, amount: id++ * 1.5 });
  const hour = (h: string) => `data/order_ts_hour=2026-11-23T${h}`;
  for (let i = 0; i < 4; i++) await put(`${hour('08')}/r${id}.json`, record());
  await put(`${hour('08')}/batch-${id}.ndjson`, `${[record(), record(), record()].join('\n')}\n`);
  await compactStagingIntoLakeside(new LocalStore(bucket));
  for (let i = 0; i < 2; i++) await put(`${hour('09')}/r${id}.json`, record());
  await put(`${hour('09')}/batch-${id}.ndjson`, `${[record(), record()].join('\n')}\n`);
  await put(`${hour('10')}/r${id}.json`, record());
  await put('parquet/order_ts_hour=2026-11-23T07/part-2026-11-23T07-00-00.parquet', 'a write that never reached the log');
}
