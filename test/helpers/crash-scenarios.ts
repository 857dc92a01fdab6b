/**
 * The crash campaigns' fixtures and commands: compact, compact-staging, repack and vacuum on small
 * tables with many small files, so that each run takes long enough to be killed at different moments.
 * Fixtures are built in a local folder; runs work on copies of it — local folders in the test suite,
 * copies on the loopback S3 server in `npm run soak` — named by location (a path or `s3://…`).
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, toCsv, toNdjson } from '../../core/demo/sample-data';
import { commit } from '../../core/formats/delta/commit';
import { DeltaTable } from '../../core/formats/delta/table';
import { deleteWhere } from '../../core/ops/delete';
import { importFiles } from '../../core/ops/import';
import { queryRows, withScratchDb } from '../../core/ops/scratch-db';
import { listRuns } from '../../core/formats/lakeside/run-manifests';
import { quoteLiteral } from '../../core/sql-text';
import { FileCache } from '../../core/storage/cache';
import { LocalStore } from '../../core/storage/local';
import { openLocation } from '../../core/storage/location';
import { canonicalRows, objectKeys } from './crash-checks';
import type { CrashScenario } from './crash-harness';
import { queryTable } from './delta-rows';

const PARTITIONS = ['a', 'b', 'c', 'd'];

/**
 * A table `dir` with `appends` commits of `rowsPerAppend` rows over 4 partitions: 4 small files per
 * commit. With a multiple of 10 commits, the op's own commit also writes a checkpoint (every 10th
 * version), so kills land in that window too.
 */
async function smallFilesTable(dir: string, appends: number, rowsPerAppend: number): Promise<void> {
  const store = new LocalStore(dir);
  const rand = seededRandom(appends);
  const input = `${dir}-input.csv`;
  let id = 0;
  for (let i = 0; i < appends; i++) {
    const rows = Array.from({ length: rowsPerAppend }, () => ({
      id: id++,
      p: PARTITIONS[id % PARTITIONS.length],
      name: `n${Math.floor(rand() * 1e6)}`,
      amount: Math.round(rand() * 1e5) / 100,
    }));
    await writeFile(input, toCsv(rows));
    await importFiles(store, { inputs: [input], partitionBy: ['p'] });
  }
  await rm(input);
}

const tableRows = async (location: string, where = 'true'): Promise<string[]> =>
  canonicalRows(await queryTable(openLocation(location), `SELECT * FROM t WHERE ${where}`));

export const compactScenario: CrashScenario = {
  name: 'compact',
  build: (dir) => smallFilesTable(dir, 30, 40),
  args: (dir) => ['compact', dir, '--target-size', '1MB', '--min-files', '2'],
  table: (dir) => dir,
  rows: (dir) => tableRows(dir),
  // Once the OPTIMIZE commit landed there is nothing left to compact.
  exhausted: (run) => run.committed,
};

/**
 * compact through a tight pipeline: small bins and a scratch limit of about three of them, so runs are
 * killed while one bin downloads, another is rewritten and a third uploads, the scratch space full.
 */
export const compactPipelineScenario: CrashScenario = {
  ...compactScenario,
  name: 'compact through a bounded pipeline',
  args: (dir) => ['compact', dir, '--target-size', '4KB', '--min-files', '2', '--scratch-limit', '24KB'],
};

/** Rows with this property are purged; they are spread over every file, so every file is rewritten. */
const PURGED = 'id % 7 = 3';

/**
 * `repack --purge-where … --purge`: one commit, then (not cancellable) a checkpoint, expiry of the older
 * log and deletion of the old files that held purged rows — the riskiest sequence of deletes there is.
 */
export const repackScenario: CrashScenario = {
  name: 'repack',
  // Fewer files than compact: repack scans every row, and 20 commits still put its own at a checkpoint.
  build: (dir) => smallFilesTable(dir, 20, 40),
  args: (dir) => ['repack', dir, '--purge-where', PURGED, '--purge'],
  table: (dir) => dir,
  rows: (dir) => tableRows(dir),
  rowsIfCommitted: (dir) => tableRows(dir, `(${PURGED}) IS NOT TRUE`),
  finished: noPurgedRowOnDisk,
  // A run killed after its commit leaves the erasure of old versions to the next run.
  exhausted: () => false,
};

/**
 * A table with deletion vectors: the small-files table, then deletion vectors turned on (protocol 3/7
 * with the feature, `delta.enableDeletionVectors`) and a delete that marks rows of every file in a DV.
 * Two versions more than its appends, so the op's own commit still lands on a checkpoint version.
 */
async function deletionVectorTable(dir: string, appends: number, rowsPerAppend: number): Promise<void> {
  await smallFilesTable(dir, appends, rowsPerAppend);
  const store = new LocalStore(dir);
  const snapshot = await (await DeltaTable.open(store)).snapshot();
  await commit(store, {
    actions: [
      { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] } },
      { metaData: { ...snapshot.metadata, configuration: { ...snapshot.metadata.configuration, 'delta.enableDeletionVectors': 'true' } } },
    ],
    readVersion: snapshot.version,
    operation: 'SET TBLPROPERTIES',
    isBlindAppend: false,
  });
  const result = await deleteWhere(store, 'id % 5 = 1');
  if (result.deletionVectorsAdded === 0) throw new Error('the delete wrote no deletion vector');
}

/** compact on a table whose files carry deletion vectors: the new files drop the deleted rows. */
export const compactDvScenario: CrashScenario = {
  ...compactScenario,
  name: 'compact on a DV table',
  build: (dir) => deletionVectorTable(dir, 28, 40),
};

/** repack --purge on a table with deletion vectors: rows a DV only hid must leave the files too (id % 5 = 1 overlaps id % 7 = 3). */
export const repackDvScenario: CrashScenario = {
  ...repackScenario,
  name: 'repack --purge on a DV table',
  build: (dir) => deletionVectorTable(dir, 18, 40),
};

/** After a completed purge no data file under the table holds a purged row, live or not. */
async function noPurgedRowOnDisk(location: string): Promise<void> {
  const store = openLocation(location);
  const keys = (await objectKeys(location)).filter((key) => key.endsWith('.parquet') && !key.startsWith('_delta_log/'));
  const copies = await mkdtemp(join(tmpdir(), 'lakebench-crash-purge-'));
  try {
    const items = await Promise.all(keys.map(async (key) => ({ key, size: (await store.head(key))!.size })));
    const paths = await new FileCache(copies, Number.POSITIVE_INFINITY).ensureMany(store, items);
    const list = keys.map((key) => quoteLiteral(paths.get(key)!)).join(', ');
    const [row] = await withScratchDb('crash-check', undefined, ({ connection }) =>
      queryRows(connection, `SELECT count(*)::INTEGER AS n FROM read_parquet([${list}]) WHERE ${PURGED}`),
    );
    if (row!.n !== 0) throw new Error(`${String(row!.n)} purged rows are still in data files under the table after a completed purge`);
  } finally {
    await rm(copies, { recursive: true, force: true });
  }
}

/**
 * A table with work for vacuum: every small file tombstoned by a delete that rewrote them all, and
 * copies of live files under fresh names, as a crashed writer leaves them.
 */
async function tableToVacuum(dir: string): Promise<void> {
  await smallFilesTable(dir, 30, 40);
  const store = new LocalStore(dir);
  await deleteWhere(store, 'id % 5 = 0');
  const live = (await (await DeltaTable.open(store)).snapshot()).files;
  for (const file of live.slice(0, 60)) {
    const folder = file.path.slice(0, file.path.lastIndexOf('/') + 1);
    await copyFile(join(dir, decodeURIComponent(file.path)), join(dir, decodeURIComponent(folder), `part-${randomUUID()}-c000.zstd.parquet`));
  }
}

export const vacuumScenario: CrashScenario = {
  name: 'vacuum',
  build: tableToVacuum,
  args: (dir) => ['vacuum', dir, '--retention', '0', '--force'],
  table: (dir) => dir,
  rows: (dir) => tableRows(dir),
  // A killed vacuum left some of its deletes to the next run.
  exhausted: () => false,
};

/** Staged records: id, name and amount, per ingest hour. */
const HOURS = ['2026-11-23T08', '2026-11-23T09', '2026-11-23T10', '2026-11-23T11'];
const STAGING_SCHEMA = {
  fields: [
    { name: 'id', type: 'INT64', repetitionType: 'REQUIRED' },
    { name: 'name', type: 'BYTE_ARRAY', logicalType: 'UTF8' },
    { name: 'amount', type: 'DOUBLE' },
  ],
};
interface StagedRecord {
  id: number;
  name: string;
  amount: number;
}

/** A staging area with many single-record .json and a few multi-record .ndjson objects per hour. */
export async function stagingArea(dir: string): Promise<void> {
  const rand = seededRandom(4);
  await mkdir(join(dir, 'schema'), { recursive: true });
  await writeFile(join(dir, 'schema', 'schema.json'), JSON.stringify(STAGING_SCHEMA));
  let id = 0;
  const record = (): StagedRecord => ({ id: id++, name: `n${Math.floor(rand() * 1e6)}`, amount: Math.round(rand() * 1e5) / 100 });
  for (const hour of HOURS) {
    const folder = join(dir, 'data', `order_ts_hour=${hour}`);
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < 40; i++) await writeFile(join(folder, `${randomUUID()}.json`), JSON.stringify(record()));
    for (let i = 0; i < 4; i++) await writeFile(join(folder, `${randomUUID()}.ndjson`), toNdjson(Array.from({ length: 25 }, record)));
  }
}

const canonicalRecord = (r: StagedRecord, hour: string): Record<string, unknown> => ({
  id: Number(r.id),
  name: r.name,
  amount: Number(r.amount),
  hour,
});

/**
 * Sources a committed run consumed: between its commit and its deletes they are still staged, but the
 * next run deletes them instead of taking them again (core/ops/staging-runs.ts). Which runs committed is
 * read here from the table's log (the run id in commitInfo), not from the op's own verdict.
 */
async function consumedSources(location: string): Promise<Set<string>> {
  const table = openLocation(stagingTable(location));
  if (!(await DeltaTable.exists(table))) return new Set();
  const committedRuns = new Set((await (await DeltaTable.open(table)).history()).map((c) => c.operationParameters?.runId));
  const runs = await listRuns(openLocation(location));
  return new Set(runs.flatMap((run) => (run.manifest && committedRuns.has(run.manifest.runId) ? run.manifest.sources.map((s) => s.key) : [])));
}

/** Records still staged and not consumed by a committed run, with the hour of their folder. */
async function stagedRecords(location: string): Promise<Record<string, unknown>[]> {
  const consumed = await consumedSources(location);
  const store = openLocation(location);
  const records: Record<string, unknown>[] = [];
  for (const key of await stagedKeys(location)) {
    if (consumed.has(key)) continue;
    const hour = /order_ts_hour=([^/]+)/.exec(key)![1]!;
    const text = new TextDecoder().decode(await store.get(key));
    for (const line of text.split('\n')) if (line.trim()) records.push(canonicalRecord(JSON.parse(line) as StagedRecord, hour));
  }
  return records;
}

const stagedKeys = async (location: string): Promise<string[]> =>
  (await objectKeys(location)).filter((key) => key.startsWith('data/') && /\.(nd)?json$/.test(key));

/** The staging area's default target (`<location>/delta`), as a location of its own. */
const stagingTable = (location: string) => `${location}/delta`;

/** Records in the target table plus those still to take: each original record exactly once. */
async function stagingRows(location: string): Promise<string[]> {
  const store = openLocation(stagingTable(location));
  const committed = (await DeltaTable.exists(store))
    ? (await queryTable(store, 'SELECT id, name, amount, order_ts_hour FROM t')).map((r) =>
        canonicalRecord(r as unknown as StagedRecord, String(r.order_ts_hour)),
      )
    : [];
  return canonicalRows([...committed, ...(await stagedRecords(location))]);
}

/** After a clean run every source is taken and deleted, and no run manifest is left. */
async function stagingEmptied(location: string): Promise<void> {
  const left = [...(await stagedKeys(location)), ...(await listRuns(openLocation(location))).map((run) => run.key)];
  if (left.length) throw new Error(`a clean compact-staging run left ${left.length} sources or manifests: ${left.slice(0, 3).join(', ')}`);
}

export const compactStagingScenario: CrashScenario = {
  name: 'compact-staging',
  build: stagingArea,
  args: (dir) => ['compact-staging', dir],
  table: stagingTable,
  rows: stagingRows,
  finished: stagingEmptied,
  // A run killed after its commit leaves source deletes for the next run to finish.
  exhausted: () => false,
};

export const CRASH_SCENARIOS = [compactScenario, compactStagingScenario, repackScenario, vacuumScenario];
