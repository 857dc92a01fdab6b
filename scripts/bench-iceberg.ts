/**
 * `tsx scripts/bench-iceberg.ts`: Iceberg reading speed, measured against raw DuckDB in the same run.
 *
 *   iceberg_query_overhead   open + plan + view + GROUP BY over a 50-file, 5M-row Iceberg table ÷ raw
 *                            DuckDB read_parquet of the same files (medians of alternating rounds)
 *   iceberg_open_ms          a table of 1,000 snapshots and 10,000 manifests opened in a fresh process:
 *                            metadata, history, and the current snapshot's manifest list (what the table
 *                            view shows first: snapshots, summaries, manifests)
 *   iceberg_plan_all_ms      the same plus the current snapshot's full file list (all 10,000 manifests read)
 *   iceberg_first_screen_ms  the table view's first screen of that table through the API, in a fresh process:
 *                            history and schema (what it loads on opening), then iceberg_files_tab_ms the
 *                            Files tab's manifest list; iceberg_eager_details_ms is what the view loaded
 *                            before it loaded per tab (history, then schema, files and partitions)
 *   iceberg_prune_files_read data files a point query (WHERE id = …) reads on a 100-file table
 *                            partitioned by day (bounds and partitions prune)
 *   iceberg_compact_ratio    compact (rewrite_data_files) of a table of 2,000 small files (~200 MB, 10
 *                            partitions of 200) ÷ raw DuckDB COPY of the same files into the same 10 output
 *                            files (one COPY per partition, zstd); each round on a fresh copy, medians
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { FileSystemTarget } from '../core/formats/iceberg/commit-targets';
import { commitSnapshot, type NewFile } from '../core/formats/iceberg/snapshot-producer';
import { IcebergTable } from '../core/formats/iceberg/table';
import { compactIcebergTable } from '../core/ops/iceberg-compact';
import { icebergFilter } from '../core/sql/iceberg-filter';
import { IcebergSource } from '../core/sql/iceberg-source';
import { quoteLiteralList } from '../core/sql-text';
import { LocalStore } from '../core/storage/local';
import { avroBytes, entrySchema, IcebergTestWriter, MANIFEST_FILE_SCHEMA } from '../test/helpers/iceberg-writer';
import { median, report } from './bench-report';

const AGGREGATE = (from: string) => `SELECT k, count(*) AS n, sum(v) AS s, avg(x) AS a FROM ${from} GROUP BY k ORDER BY k`;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function duck(): Promise<DuckDBConnection> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  return conn;
}

const FIELDS = [
  { id: 1, name: 'id', type: 'long' },
  { id: 2, name: 'k', type: 'long' },
  { id: 3, name: 'v', type: 'long' },
  { id: 4, name: 'x', type: 'double' },
  { id: 5, name: 'label', type: 'string' },
];

async function benchQuery(work: string): Promise<void> {
  const conn = await duck();
  const writer = new IcebergTestWriter(path.join(work, 'query'), conn, { fields: FIELDS });
  const perFile = 100_000;
  await writer.commit({
    add: Array.from({ length: 50 }, (_, f) => ({
      sql: `SELECT i AS id, i % 1000 AS k, i AS v, random() AS x, 'row-' || i AS label FROM range(${f * perFile}, ${(f + 1) * perFile}) t(i)`,
    })),
  });
  conn.closeSync();
  const store = new LocalStore(writer.dir);
  const files = writer.files().map((f) => path.join(writer.dir, f.path.slice(writer.location.length + 1)));
  const raw = await duck();
  const session = await duck();
  // What SqlSession sets for every session: footers of immutable data files are cached across queries.
  await session.run('SET parquet_metadata_cache = true');
  // As the Delta bench does: every round re-opens the table and rebuilds the view, what a query of a live table costs.
  const lakebench = async () => {
    const source = new IcebergSource('t', await IcebergTable.open(store));
    await source.prepare(session, AGGREGATE('t'), undefined);
    await session.runAndReadAll(AGGREGATE('t'));
  };
  const baseline = () => raw.runAndReadAll(AGGREGATE(`read_parquet(${quoteLiteralList(files)})`));
  await lakebench();
  await baseline();
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < 7; round++) {
    ours.push(await timed(lakebench));
    theirs.push(await timed(baseline));
  }
  raw.closeSync();
  session.closeSync();
  report('iceberg_query_files', files.length, 'files');
  report('iceberg_query_lakebench_ms', Math.round(median(ours)), 'ms');
  report('iceberg_query_raw_duckdb_ms', Math.round(median(theirs)), 'ms');
  report('iceberg_query_overhead', median(ours) / median(theirs), 'ratio');
}

/**
 * 1,000 snapshots, each appending 10 manifests of one data file; every manifest list lists all
 * manifests so far, as an append-only table that never rewrites manifests has. Written directly
 * (not through IcebergTestWriter) to keep generation within seconds.
 */
async function makeManyManifestsTable(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'metadata'), { recursive: true });
  const location = `s3://bench/${path.basename(dir)}`;
  const schema = entrySchema([]);
  const manifests: object[] = [];
  const snapshots: string[] = [];
  const baseId = 5_000_000_000_000_000_000n;
  for (let s = 0; s < 1000; s++) {
    const snapshotId = baseId + BigInt(s);
    for (let m = 0; m < 10; m++) {
      const name = `metadata/m-${s}-${m}.avro`;
      const entry = {
        status: 1,
        snapshot_id: snapshotId,
        sequence_number: null,
        file_sequence_number: null,
        data_file: {
          content: 0, file_path: `${location}/data/f-${s}-${m}.parquet`, file_format: 'PARQUET', partition: {},
          record_count: 1000n, file_size_in_bytes: 10_000n, value_counts: null, null_value_counts: null, lower_bounds: null,
          upper_bounds: null, equality_ids: null, referenced_data_file: null, content_offset: null, content_size_in_bytes: null,
        },
      };
      const bytes = await avroBytes(schema, [entry], { 'format-version': '2', 'partition-spec-id': '0', 'partition-spec': '[]', content: 'data' });
      await writeFile(path.join(dir, name), bytes);
      manifests.push({
        manifest_path: `${location}/${name}`, manifest_length: BigInt(bytes.length), partition_spec_id: 0, content: 0,
        sequence_number: BigInt(s + 1), min_sequence_number: BigInt(s + 1), added_snapshot_id: snapshotId, added_files_count: 1,
        existing_files_count: 0, deleted_files_count: 0, added_rows_count: 1000n, existing_rows_count: 0n, deleted_rows_count: 0n, partitions: [],
      });
    }
    const list = `metadata/snap-${snapshotId}.avro`;
    await writeFile(path.join(dir, list), await avroBytes(MANIFEST_FILE_SCHEMA, manifests, { 'format-version': '2' }));
    snapshots.push(
      `{"snapshot-id": ${snapshotId}, ${s > 0 ? `"parent-snapshot-id": ${snapshotId - 1n}, ` : ''}"sequence-number": ${s + 1}, ` +
        `"timestamp-ms": ${1_700_000_000_000 + s * 60_000}, "manifest-list": "${location}/${list}", "summary": {"operation": "append", "added-data-files": "10"}, "schema-id": 0}`,
    );
  }
  const last = baseId + 999n;
  const metadata = `{"format-version": 2, "table-uuid": "00000000-0000-4000-8000-000000000002", "location": "${location}",
    "last-sequence-number": 1000, "last-updated-ms": 1700059940000, "last-column-id": 1, "current-schema-id": 0,
    "schemas": [{"type": "struct", "schema-id": 0, "fields": [{"id": 1, "name": "id", "required": false, "type": "long"}]}],
    "default-spec-id": 0, "partition-specs": [{"spec-id": 0, "fields": []}], "last-partition-id": 999, "properties": {},
    "current-snapshot-id": ${last}, "refs": {"main": {"snapshot-id": ${last}, "type": "branch"}},
    "snapshots": [${snapshots.join(',\n')}], "snapshot-log": [], "metadata-log": []}`;
  await writeFile(path.join(dir, 'metadata', 'v1.metadata.json'), metadata);
  await writeFile(path.join(dir, 'metadata', 'version-hint.text'), '1');
}

/** Runs the open in a fresh process (no parsed manifest cached) and returns its timings. */
function openCold(dir: string): { open: number; all: number; manifests: number; files: number } {
  const script = `
    import { LocalStore } from './core/storage/local';
    import { IcebergTable } from './core/formats/iceberg/table';
    const start = performance.now();
    const table = await IcebergTable.open(new LocalStore(${JSON.stringify(dir)}));
    const history = table.history();
    const manifests = await table.manifests(table.snapshot());
    const open = performance.now() - start;
    const plan = await table.planScan(table.snapshot());
    console.log(JSON.stringify({ open, all: performance.now() - start, manifests: manifests.length, files: plan.tasks.length, snapshots: history.length }));
  `;
  const run = spawnSync('npx', ['tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
  if (run.status !== 0) throw new Error(`cold open failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as { open: number; all: number; manifests: number; files: number };
}

/** The table view's calls through the API in a fresh process: its first screen and Files tab, or everything at once. */
function viewCold(dir: string, home: string, eager: boolean): { firstScreen: number; filesTab: number } {
  const script = `
    import { createApi } from './core/api/api';
    const api = createApi({ catalogPath: ${JSON.stringify(path.join(home, 'catalog.sqlite'))}, cacheDir: ${JSON.stringify(path.join(home, 'cache'))} });
    const args = { location: ${JSON.stringify(dir)} };
    const start = performance.now();
    await api.history(args);
    await Promise.all(${eager} ? [api.schema(args), api.files(args), api.partitions(args)] : [api.schema(args)]);
    const firstScreen = performance.now() - start;
    await api.manifests(args);
    console.log(JSON.stringify({ firstScreen, filesTab: performance.now() - start - firstScreen }));
    await api.close();
  `;
  const run = spawnSync('npx', ['tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
  if (run.status !== 0) throw new Error(`table view run failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as { firstScreen: number; filesTab: number };
}

async function benchOpen(work: string): Promise<void> {
  const dir = path.join(work, 'many-manifests');
  const start = performance.now();
  await makeManyManifestsTable(dir);
  console.error(`bench-iceberg: wrote 1,000 snapshots / 10,000 manifests in ${Math.round(performance.now() - start)} ms`);
  const runs = Array.from({ length: 3 }, () => openCold(dir));
  if (runs[0]!.manifests !== 10_000 || runs[0]!.files !== 10_000) throw new Error(`expected 10,000 manifests and files, got ${JSON.stringify(runs[0])}`);
  report('iceberg_open_ms', Math.round(median(runs.map((r) => r.open))), 'ms');
  report('iceberg_plan_all_ms', Math.round(median(runs.map((r) => r.all))), 'ms');
  const home = path.join(work, 'view-home');
  const perTab = Array.from({ length: 3 }, () => viewCold(dir, home, false));
  const eager = Array.from({ length: 3 }, () => viewCold(dir, home, true));
  report('iceberg_first_screen_ms', Math.round(median(perTab.map((r) => r.firstScreen))), 'ms');
  report('iceberg_files_tab_ms', Math.round(median(perTab.map((r) => r.filesTab))), 'ms');
  report('iceberg_eager_details_ms', Math.round(median(eager.map((r) => r.firstScreen))), 'ms');
}

async function benchPrune(work: string): Promise<void> {
  const conn = await duck();
  const writer = new IcebergTestWriter(path.join(work, 'pruned'), conn, {
    fields: [
      { id: 1, name: 'id', type: 'long' },
      { id: 2, name: 'day', type: 'date' },
      { id: 3, name: 'amount', type: 'double' },
    ],
    partitionFields: [{ sourceId: 2, fieldId: 1000, name: 'day', transform: 'identity', avroType: 'int' }],
  });
  const epochDay = 19_723; // 2024-01-01
  await writer.commit({
    add: Array.from({ length: 100 }, (_, d) => ({
      sql: `SELECT ${d * 10_000} + i AS id, DATE '2024-01-01' + ${d} AS day, random() AS amount FROM range(10000) t(i)`,
      partition: { day: epochDay + d },
    })),
  });
  const table = await IcebergTable.open(new LocalStore(writer.dir));
  const source = new IcebergSource('t', table);
  const sql = 'SELECT * FROM t WHERE id = 424242';
  const filter = await icebergFilter(conn, sql, 't', source.schema);
  const { filesRead, plan } = await source.createView(conn, 't_point', filter?.predicate);
  const rows = (await conn.runAndReadAll('SELECT count(*) FROM t_point WHERE id = 424242')).getRows()[0]![0];
  if (Number(rows) !== 1) throw new Error(`the point query found ${rows} rows`);
  conn.closeSync();
  console.error(`bench-iceberg: point query planned ${plan.tasks.length} of ${plan.stats.dataFiles} files`);
  report('iceberg_prune_files_read', filesRead, 'files');
}

const COMPACT_FILES = 2000;
const COMPACT_PARTITIONS = 10;
const COMPACT_ROWS_PER_FILE = 8_000;

/**
 * A table of 2,000 small files (field ids written, `day` identity-partitioned), committed in one append
 * through the engine's commit path onto an empty table; answers the files by partition.
 */
async function makeSmallFilesTable(dir: string): Promise<Map<string, string[]>> {
  const conn = await duck();
  const writer = new IcebergTestWriter(dir, conn, {
    fields: [
      { id: 1, name: 'day', type: 'string' },
      { id: 2, name: 'id', type: 'long' },
      { id: 3, name: 'user_id', type: 'int' },
      { id: 4, name: 'amount', type: 'double' },
      { id: 5, name: 'label', type: 'string' },
    ],
    partitionFields: [{ sourceId: 1, fieldId: 1000, name: 'day', transform: 'identity', avroType: 'string' }],
    location: 's3://bench/iceberg-compact',
  });
  const dayOf = (f: number) => `2026-01-${String((f % COMPACT_PARTITIONS) + 1).padStart(2, '0')}`;
  const rowsOf = (f: number) => {
    const from = f * COMPACT_ROWS_PER_FILE;
    return `SELECT '${dayOf(f)}' AS day, i AS id, (random() * 1e6)::INTEGER AS user_id, random() * 1000 AS amount, 'row-' || i AS label
            FROM range(${from}, ${from + COMPACT_ROWS_PER_FILE}) t(i)`;
  };
  // The first file through the test writer (it makes the table), the other 1,999 in one append.
  await writer.commit({ add: [{ sql: rowsOf(0), partition: { day: dayOf(0) } }] });
  const byDay = new Map<string, string[]>([[dayOf(0), [path.join(dir, writer.files()[0]!.path.slice('s3://bench/iceberg-compact/'.length))]]]);
  const added: NewFile[] = [];
  for (let f = 1; f < COMPACT_FILES; f++) {
    const day = dayOf(f);
    const key = `data/part-${String(f).padStart(5, '0')}.parquet`;
    const file = path.join(dir, key);
    await conn.run(`COPY (${rowsOf(f)}) TO '${file}' (FORMAT parquet, COMPRESSION zstd, FIELD_IDS {day: 1, id: 2, user_id: 3, amount: 4, label: 5})`);
    byDay.set(day, [...(byDay.get(day) ?? []), file]);
    added.push({
      content: 0,
      path: `s3://bench/iceberg-compact/${key}`,
      format: 'PARQUET',
      specId: 0,
      partition: { day },
      recordCount: COMPACT_ROWS_PER_FILE,
      fileSizeInBytes: (await stat(file)).size,
    });
  }
  conn.closeSync();
  await commitSnapshot(new FileSystemTarget(new LocalStore(dir)), async () => ({ operation: 'append', added, removed: new Set() }));
  return byDay;
}

async function benchCompact(work: string): Promise<void> {
  const pristine = path.join(work, 'compact-pristine');
  const byDay = await makeSmallFilesTable(pristine);
  const inputBytes = (await Promise.all([...byDay.values()].flat().map((f) => stat(f)))).reduce((n, s) => n + s.size, 0);
  report('iceberg_compact_input_files', COMPACT_FILES, 'files');
  report('iceberg_compact_input_mb', Math.round(inputBytes / 1e6), 'MB');
  const rawCopy = async (out: string) => {
    await mkdir(out);
    const conn = await duck();
    let n = 0;
    for (const files of byDay.values()) {
      await conn.run(`COPY (SELECT * FROM read_parquet(${quoteLiteralList(files)})) TO '${path.join(out, `${n++}.parquet`)}' (FORMAT parquet, COMPRESSION zstd)`);
    }
    conn.closeSync();
    return n;
  };
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round <= 3; round++) {
    const copy = path.join(work, `compact-round-${round}`);
    await cp(pristine, copy, { recursive: true });
    const lakebench = await timed(async () => {
      const result = await compactIcebergTable(new FileSystemTarget(new LocalStore(copy)), { targetSize: 128 * 1024 * 1024, minFiles: 2 });
      if (result.filesRemoved !== COMPACT_FILES || result.filesAdded !== COMPACT_PARTITIONS) throw new Error(`compaction rewrote ${result.filesRemoved} files into ${result.filesAdded}`);
    });
    const raw = await timed(() => rawCopy(path.join(work, `compact-raw-${round}`)));
    // Round 0 warms the page cache and module loading for both.
    if (round > 0) {
      ours.push(lakebench);
      theirs.push(raw);
    }
    await rm(copy, { recursive: true });
    await rm(path.join(work, `compact-raw-${round}`), { recursive: true });
  }
  report('iceberg_compact_lakebench_ms', Math.round(median(ours)), 'ms');
  report('iceberg_compact_raw_duckdb_ms', Math.round(median(theirs)), 'ms');
  report('iceberg_compact_ratio', median(ours) / median(theirs), 'x');
}

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-iceberg-'));
try {
  console.error(`bench-iceberg: working in ${work} (${os.availableParallelism()} cores)`);
  await benchQuery(work);
  await benchOpen(work);
  await benchPrune(work);
  await benchCompact(work);
} finally {
  await rm(work, { recursive: true, force: true });
}
