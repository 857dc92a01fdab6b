/** The query table that bench.ts and bench-remote.ts both measure, and the aggregate they run over it. */
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { importFiles } from '../core/ops/import';
import { LocalStore } from '../core/storage/local';

export const AGGREGATE = (from: string) =>
  `SELECT k, count(*) AS n, sum(v) AS s, avg(x) AS a FROM ${from} GROUP BY k ORDER BY k`;

export async function duck(): Promise<DuckDBConnection> {
  return (await DuckDBInstance.create(':memory:')).connect();
}

/** A 50-file table of 5M rows in `<work>/query-table`: one Parquet source, imported by Lakebench partitioned on `bucket`. */
export async function makeQueryTable(work: string): Promise<LocalStore> {
  const source = path.join(work, 'source.parquet');
  const conn = await duck();
  await conn.run(
    `COPY (SELECT i % 50 AS bucket, i % 1000 AS k, i AS v, random() AS x, 'row-' || i AS label FROM range(5000000) t(i))
     TO '${source}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  conn.closeSync();
  const store = new LocalStore(path.join(work, 'query-table'));
  await importFiles(store, { inputs: [source], partitionBy: ['bucket'] });
  return store;
}
