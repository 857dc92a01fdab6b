/**
 * `npm run bench`: the engine's speed goals, each measured against a baseline in the same run and
 * printed as `BENCH <name> <value> <unit>`. Timings are medians over repeated runs; nothing here is a
 * pass/fail assertion — the closing note of an issue reports the figures.
 *
 *   query_overhead     GROUP BY over a 50-file, 5M-row Delta table via Lakebench ÷ raw DuckDB read_parquet
 *   import_ratio       importing a 2M-row CSV ÷ raw DuckDB COPY of it to one zstd Parquet file
 *   open_ms            latest snapshot of a 5,000-commit table with 50,000 live files (checkpoint present)
 *   open_no_checkpoint_ms  the same log replayed from JSON only
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DeltaTable } from '../core/formats/delta/table';
import { newTableActions } from '../core/formats/delta/create';
import { commitKey } from '../core/formats/delta/log-files';
import { serializeActions } from '../core/formats/delta/parse';
import { writeCheckpoint } from '../core/formats/delta/checkpoint-write';
import type { Action } from '../core/formats/delta/actions';
import { importFiles } from '../core/ops/import';
import { SqlSession } from '../core/sql/session';
import { LocalStore } from '../core/storage/local';
import type { ObjectStore } from '../core/storage/types';
import { compare, report, timed } from './bench-report';
import { AGGREGATE, duck, makeQueryTable } from './bench-query-table';

async function benchQuery(store: LocalStore): Promise<void> {
  const snapshot = await (await DeltaTable.open(store)).snapshot();
  const files = snapshot.files.map((f) => `'${store.localPath(decodeURIComponent(f.path))}'`).join(', ');
  const raw = await duck();
  // Both sides keep their connection open, as the app does; Lakebench re-opens the log at the latest
  // version and rebuilds the view on every run, which is what a query against a live table costs.
  const session = await SqlSession.create();
  const lakebench = async () => {
    await session.registerDelta('t', await DeltaTable.open(store));
    await session.query(AGGREGATE('t'));
  };
  const [lb, base] = await compare(7, lakebench, () => raw.runAndReadAll(AGGREGATE(`read_parquet([${files}])`)));
  raw.closeSync();
  session.close();
  report('query_files', snapshot.files.length, 'files');
  report('query_lakebench_ms', Math.round(lb), 'ms');
  report('query_raw_duckdb_ms', Math.round(base), 'ms');
  report('query_overhead', lb / base, 'ratio');
}

async function benchImport(work: string): Promise<void> {
  const csv = path.join(work, 'import.csv');
  const conn = await duck();
  await conn.run(
    `COPY (SELECT i AS id, 'customer-' || (i % 9973) AS customer, (i % 365)::INT AS day, round(random() * 1000, 2) AS amount,
             CASE WHEN i % 3 = 0 THEN 'shipped' ELSE 'placed' END AS status FROM range(2000000) t(i))
     TO '${csv}' (FORMAT csv, HEADER true)`,
  );
  let round = 0;
  const lakebench = () => importFiles(new LocalStore(path.join(work, `import-${round++}`)), { inputs: [csv] });
  const raw = () => conn.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${path.join(work, `raw-${round++}.parquet`)}' (FORMAT parquet, COMPRESSION zstd)`);
  const [lb, base] = await compare(3, lakebench, raw);
  conn.closeSync();
  report('import_lakebench_ms', Math.round(lb), 'ms');
  report('import_raw_duckdb_ms', Math.round(base), 'ms');
  report('import_ratio', lb / base, 'ratio');
}

/**
 * A synthetic log: 5,000 commits of 10 adds each (50,000 live files; the data files themselves are not
 * needed to open a snapshot). With checkpoints: only the newest (v4990) is written in full, since
 * opening reads just that one; the older 498 would only cost generation time.
 */
async function makeLog(store: LocalStore, withCheckpoint: boolean): Promise<void> {
  const schema = { type: 'struct' as const, fields: [{ name: 'id', type: 'long', nullable: true }, { name: 'day', type: 'string', nullable: true }] };
  const commits = 5000;
  await mkdir(store.localPath('_delta_log')!, { recursive: true });
  for (let v = 0; v < commits; v++) {
    const actions: Action[] = v === 0 ? newTableActions({ schema, partitionColumns: ['day'] }) : [];
    for (let f = 0; f < 10; f++) {
      const day = `2026-01-${String((f % 28) + 1).padStart(2, '0')}`;
      actions.push({
        add: {
          path: `day=${day}/part-${v}-${f}.parquet`,
          partitionValues: { day },
          size: 1024 + f,
          modificationTime: 1_700_000_000_000 + v,
          dataChange: true,
          stats: JSON.stringify({ numRecords: 100, minValues: { id: v * 1000 }, maxValues: { id: v * 1000 + 99 }, nullCount: { id: 0 } }),
        },
      });
    }
    actions.push({ commitInfo: { timestamp: 1_700_000_000_000 + v, operation: 'WRITE' } });
    await writeFile(store.localPath(commitKey(v))!, serializeActions(actions));
    if (withCheckpoint && v === 4990) await writeCheckpoint(store, await (await DeltaTable.open(store)).snapshot({ version: 4990 }));
  }
}

async function openLatest(store: ObjectStore): Promise<number> {
  const snapshot = await (await DeltaTable.open(store)).snapshot();
  if (snapshot.files.length !== 50_000) throw new Error(`expected 50,000 live files, got ${snapshot.files.length}`);
  return snapshot.version;
}

async function benchOpen(work: string): Promise<void> {
  const withCp = new LocalStore(path.join(work, 'log-checkpointed'));
  const noCp = new LocalStore(path.join(work, 'log-json-only'));
  await makeLog(withCp, true);
  await makeLog(noCp, false);
  // The engine remembers snapshots and listing starts per table location for the life of the process;
  // a fresh symlink per round is a location it has not seen, so each round pays a first open.
  let round = 0;
  const unseen = async (folder: string) => {
    const link = path.join(work, `link-${round++}`);
    await symlink(path.join(work, folder), link);
    return new LocalStore(link);
  };
  const [open, openNoCp] = await compare(5, async () => openLatest(await unseen('log-checkpointed')), async () => openLatest(await unseen('log-json-only')));
  report('open_ms', Math.round(open), 'ms');
  report('open_no_checkpoint_ms', Math.round(openNoCp), 'ms');
  const seen = await unseen('log-checkpointed');
  await openLatest(seen);
  report('open_again_ms', Math.round(await timed(() => openLatest(seen))), 'ms');
  // A fresh process pays module loading and WebAssembly start-up once: what the first open in a new CLI run costs.
  const cold = spawnSync(process.execPath, ['--import', 'tsx', '-e',
    `const { DeltaTable } = await import('./core/formats/delta/table.ts'); const { LocalStore } = await import('./core/storage/local.ts');
     const t0 = performance.now(); await (await DeltaTable.open(new LocalStore(${JSON.stringify(withCp.localPath('_delta_log')!.replace(/\/_delta_log$/, ''))}))).snapshot();
     console.log(Math.round(performance.now() - t0));`], { encoding: 'utf8', cwd: path.resolve(import.meta.dirname, '..'), env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  if (cold.status === 0) report('open_cold_process_ms', Number(cold.stdout.trim()), 'ms');
  else console.error(`bench: cold open failed: ${cold.stderr}`);
}

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-'));
try {
  console.error(`bench: working in ${work} (${os.cpus().length} cores)`);
  const table = await makeQueryTable(work);
  await benchQuery(table);
  await benchImport(work);
  await benchOpen(work);
} finally {
  await rm(work, { recursive: true, force: true });
}
