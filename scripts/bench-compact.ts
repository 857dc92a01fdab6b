/**
 * `tsx scripts/bench-compact.ts`: compaction speed against raw DuckDB, measured in the same run.
 *
 *   compact_ratio  compactTable over a table of 2,000 small files (~200 MB, partitioned by `day` into 10
 *                  partitions of 200 files) ÷ raw DuckDB COPY of the same files into the same number of
 *                  output files (one COPY per partition, zstd), both on local disk
 *   remote_compact_ratio  the same compaction on the loopback S3 server ÷ on local disk (bench-compact-remote.ts)
 *   repack_plan_ms  the plan (--dry-run) of repack --recompress zstd:9 over the same 2,000 files, median of 5;
 *                   the issue's goal is absolute (≤ 1,000 ms), so no baseline: a snapshot open is served
 *                   from the process's snapshot cache and would make a meaningless ratio
 *
 * Every compaction round runs on a fresh copy of the table (copied outside the timing); the baseline
 * reads the pristine files of the same content. Rounds alternate so load drift hits both; the first
 * round only warms up, and medians of the others are reported.
 */
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Action } from '../core/formats/delta/actions';
import { newTableActions } from '../core/formats/delta/create';
import { commitKey } from '../core/formats/delta/log-files';
import { serializeActions } from '../core/formats/delta/parse';
import { compactTable } from '../core/ops/compact';
import { repackTable } from '../core/ops/repack';
import { LocalStore } from '../core/storage/local';
import { median, report, timed } from './bench-report';
import { benchRemoteCompact } from './bench-compact-remote';

const FILES = 2000;
const PARTITIONS = 10;
const ROWS_PER_FILE = 8_000;
const TARGET_SIZE = 128 * 1024 * 1024;
const ROUNDS = 3;

/** The 2,000 files, written by one partitioned COPY and moved into `day=<d>/part-<n>.parquet`, and a one-commit log. */
async function makeTable(root: string): Promise<Map<string, string[]>> {
  const raw = path.join(root, 'raw');
  await mkdir(root, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(
    `COPY (SELECT i // ${ROWS_PER_FILE} AS f, '2026-01-' || lpad(((i // ${ROWS_PER_FILE}) % ${PARTITIONS} + 1)::VARCHAR, 2, '0') AS day,
             i AS id, (random() * 1e6)::INTEGER AS user_id, random() * 1000 AS amount, 'row-' || i AS label
           FROM range(${FILES * ROWS_PER_FILE}) t(i))
     TO '${raw}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (f), WRITE_PARTITION_COLUMNS false)`,
  );
  const table = path.join(root, 'table');
  const byDay = new Map<string, string[]>();
  const actions: Action[] = newTableActions({
    schema: {
      type: 'struct',
      fields: [
        { name: 'day', type: 'string', nullable: true },
        { name: 'id', type: 'long', nullable: true },
        { name: 'user_id', type: 'integer', nullable: true },
        { name: 'amount', type: 'double', nullable: true },
        { name: 'label', type: 'string', nullable: true },
      ],
    },
    partitionColumns: ['day'],
  });
  for (const folder of await readdir(raw)) {
    const f = Number(folder.split('=')[1]);
    const day = `2026-01-${String((f % PARTITIONS) + 1).padStart(2, '0')}`;
    const [name] = await readdir(path.join(raw, folder));
    const key = `day=${day}/part-${String(f).padStart(5, '0')}.parquet`;
    await mkdir(path.join(table, `day=${day}`), { recursive: true });
    // Files still carry `day` from the COPY; drop it so the files hold data columns only, as Delta writers do.
    const target = path.join(table, key);
    await connection.run(`COPY (SELECT * EXCLUDE (day) FROM '${path.join(raw, folder, name!)}') TO '${target}' (FORMAT parquet, COMPRESSION zstd)`);
    byDay.set(day, [...(byDay.get(day) ?? []), target]);
    const [meta] = (await connection.runAndReadAll(`SELECT file_size_bytes AS size FROM parquet_file_metadata('${target}')`)).getRowObjectsJS();
    actions.push({
      add: {
        path: key,
        partitionValues: { day },
        size: Number(meta!.size),
        modificationTime: 1_700_000_000_000 + f,
        dataChange: true,
        stats: JSON.stringify({ numRecords: ROWS_PER_FILE }),
      },
    });
  }
  connection.closeSync();
  instance.closeSync();
  await rm(raw, { recursive: true });
  await mkdir(path.join(table, '_delta_log'));
  await writeFile(path.join(table, commitKey(0)), serializeActions(actions));
  return byDay;
}

/** One COPY per partition, each into one zstd file: what the compaction produces, without the table around it. */
async function rawCopy(byDay: Map<string, string[]>, out: string): Promise<number> {
  await mkdir(out);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let n = 0;
  for (const files of byDay.values()) {
    const list = files.map((f) => `'${f}'`).join(', ');
    await connection.run(`COPY (SELECT * FROM read_parquet([${list}], hive_partitioning = false)) TO '${path.join(out, `${n++}.parquet`)}' (FORMAT parquet, COMPRESSION zstd)`);
  }
  connection.closeSync();
  instance.closeSync();
  return n;
}

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-compact-'));
try {
  console.error(`bench-compact: working in ${work} (${os.cpus().length} cores)`);
  const pristine = path.join(work, 'pristine');
  const byDay = await makeTable(pristine);
  const inputBytes = (await Promise.all([...byDay.values()].flat().map((f) => stat(f)))).reduce((n, s) => n + s.size, 0);
  report('compact_input_files', FILES, 'files');
  report('compact_input_mb', Math.round(inputBytes / 1e6), 'MB');

  const table = new LocalStore(path.join(pristine, 'table'));
  const plan = () => repackTable(table, { recompressLevel: 9, dryRun: true });
  const planned = await plan();
  if (planned.filesRewritten !== FILES) throw new Error(`the recompress plan rewrites ${planned.filesRewritten} files, not ${FILES}`);
  const planTimes: number[] = [];
  for (let round = 0; round < 5; round++) planTimes.push(await timed(plan));
  report('repack_plan_ms', Math.round(median(planTimes)), 'ms');

  const lakebenchTimes: number[] = [];
  const rawTimes: number[] = [];
  let outputs = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    const copy = path.join(work, `round-${round}`);
    await cp(path.join(pristine, 'table'), copy, { recursive: true });
    let start = performance.now();
    const result = await compactTable(new LocalStore(copy), { targetSize: TARGET_SIZE, minFiles: 2 });
    const lakebench = performance.now() - start;
    start = performance.now();
    outputs = await rawCopy(byDay, path.join(work, `raw-${round}`));
    const raw = performance.now() - start;
    if (result.filesAdded !== outputs || result.filesRemoved !== FILES) {
      throw new Error(`compaction wrote ${result.filesAdded} files from ${result.filesRemoved}; the baseline ${outputs} from ${FILES}`);
    }
    if (round > 0) {
      // round 0 warms the page cache and module loading for both
      lakebenchTimes.push(lakebench);
      rawTimes.push(raw);
    }
    await rm(copy, { recursive: true });
    await rm(path.join(work, `raw-${round}`), { recursive: true });
  }
  report('compact_output_files', outputs, 'files');
  report('compact_lakebench_ms', Math.round(median(lakebenchTimes)), 'ms');
  report('compact_raw_duckdb_ms', Math.round(median(rawTimes)), 'ms');
  report('compact_ratio', median(lakebenchTimes) / median(rawTimes), 'x');

  await benchRemoteCompact(work, path.join(pristine, 'table'), { targetSize: TARGET_SIZE, minFiles: 2 });
} finally {
  await rm(work, { recursive: true, force: true });
}
