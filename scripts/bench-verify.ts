/**
 * `tsx scripts/bench-verify.ts`: the speed of `verify --deep`, printed as `BENCH <name> <value> <unit>`.
 *
 *   verify_deep_mb_s   table bytes ÷ time of a deep verify (log, footers, every page decoded by DuckDB and
 *                      decompressed by the page walk, page CRCs) of a Delta table of a few hundred MB
 *   verify_ratio       that time ÷ a DuckDB full scan of the same files in the same run: every column of
 *                      every row group decoded (a hash of each column; a plain count(*) would be answered
 *                      from the footers), with DuckDB's default threads
 *
 * Contenders run alternately and their medians are compared, so load drift hits both alike.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable } from '../core/formats/delta/table';
import { importFiles } from '../core/ops/import';
import { verifyLocation } from '../core/ops/verify/verify';
import { quoteLiteralList } from '../core/sql-text';
import { LocalStore } from '../core/storage/local';
import { median } from './bench-report';

const ROWS = 12_000_000;
const ROUNDS = 3;

/** Orders-like rows (ids, repeating and unique strings, dates, doubles), imported partitioned into 8 files. */
async function makeTable(work: string): Promise<LocalStore> {
  const source = path.join(work, 'source.parquet');
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(
    `COPY (SELECT i AS id, i % 8 AS region, 'customer-' || (i % 99991) AS customer, DATE '2026-01-01' + (i % 365)::INT AS day,
             round(random() * 1000, 2) AS amount, CASE WHEN i % 3 = 0 THEN 'shipped' ELSE 'placed' END AS status,
             md5(i::VARCHAR) AS reference
           FROM range(${ROWS}) t(i))
     TO '${source}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  connection.closeSync();
  const store = new LocalStore(path.join(work, 'table'));
  await importFiles(store, { inputs: [source], partitionBy: ['region'] });
  return store;
}

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-verify-'));
try {
  console.error(`bench-verify: working in ${work} (${os.availableParallelism()} cores)`);
  const store = await makeTable(work);
  const snapshot = await (await DeltaTable.open(store)).snapshot();
  const paths = snapshot.files.map((f) => store.localPath(decodeURIComponent(f.path))!);
  const bytes = snapshot.files.reduce((sum, f) => sum + f.size, 0);
  const duckdb = await (await DuckDBInstance.create(':memory:')).connect();
  const scan = () => duckdb.run(`SELECT max(hash(COLUMNS(*))) FROM read_parquet(${quoteLiteralList(paths)}, hive_partitioning = false)`);

  const verifyTimes: number[] = [];
  const scanTimes: number[] = [];
  await scan(); // warm the page cache for both
  for (let round = 0; round < ROUNDS; round++) {
    verifyTimes.push(
      await seconds(async () => {
        const report = await verifyLocation(store, { deep: true });
        if (report.problems.length > 0) throw new Error(`the bench table has problems: ${JSON.stringify(report.problems)}`);
      }),
    );
    scanTimes.push(await seconds(scan));
  }
  duckdb.closeSync();
  const [deep, base] = [median(verifyTimes), median(scanTimes)];
  console.error(`bench-verify: ${snapshot.files.length} files, ${(bytes / 1e6).toFixed(0)} MB; deep verify ${deep.toFixed(2)} s, DuckDB scan ${base.toFixed(2)} s`);
  console.log(`BENCH verify_deep_mb_s ${(bytes / 1e6 / deep).toFixed(1)} MB/s`);
  console.log(`BENCH verify_ratio ${(deep / base).toFixed(2)} x`);
} finally {
  await rm(work, { recursive: true, force: true });
}
