/**
 * compact-staging: a Lakeside staging area (`data/<partition>/*.json|.ndjson`, optional
 * `schema/schema.json`) into a partitioned Delta table (created when absent), in one commit.
 * Partition columns come from the folder names; records that do not fit the schema are quarantined
 * under the staging area (`quarantine/<run id>/records.ndjson`, source key and line per record)
 * before the commit; sources are deleted only after it. staging-runs.ts makes the whole job
 * exactly-once across crashes; staging-records.ts reads and checks the records.
 */
import type { Action, DeltaType } from '../formats/delta/actions';
import { commit } from '../formats/delta/commit';
import { newTableActions } from '../formats/delta/create';
import { deltaTypeToDuckDB, parsePartitionValue, partitionValueToSql } from '../formats/delta/schema';
import { DeltaTable, type Snapshot } from '../formats/delta/table';
import { listStagingSources, readStagingSchema, type StagingSource } from '../formats/lakeside/staging';
import { readStagingRecords, stagedColumns, stagedRecordsQuery, type ReadStagingOptions, type StagedRecords } from '../formats/lakeside/staging-records';
import type { StagingField } from '../formats/lakeside/staging-schema';
import type { ObjectStore } from '../storage/types';
import { isLakebenchError, LakebenchError } from '../errors';
import type { OpOptions, OpProgress } from './maintenance/operations';
import { withScratchDb, type ScratchDb } from './scratch-db';
import {
  discardRuns,
  finishCommittedRun,
  newRunManifest,
  runOutcome,
  settleEarlierRuns,
  stagingTxn,
  STAGING_TXN_APP_ID,
  writeQuarantine,
  startRun,
  type EarlierRuns,
  type RunTarget,
} from './staging-runs';
import type { ListedRun, RunManifest } from '../formats/lakeside/run-manifests';
import { withSchema } from './table-changes';
import { fitSchema } from './table-schema';
import { writableSnapshot } from './writable-snapshot';
import { writeDataFiles } from './write-parquet';

export interface CompactStagingOptions extends OpOptions {
  /** Read and check everything, report the plan, change nothing. */
  dryRun?: boolean;
  /** Runs after the data files and quarantine are written, just before the commit (tests: fail there). */
  beforeCommit?: () => Promise<void>;
  /** Runs after the commit, before any source is deleted (tests: simulate a crash there). */
  afterCommit?: () => Promise<void>;
}

export interface StagingPlanEntry {
  partition: Record<string, string>;
  files: number;
  records: number;
}

export interface CompactStagingResult {
  /** The committed version; undefined when there was nothing to take, or on a dry run. */
  version?: number;
  sourcesRead: number;
  /** Records written to the table (or that would be, on a dry run). */
  records: number;
  quarantined: number;
  /** URLs of the quarantine objects written. */
  quarantineObjects: string[];
  /** Sources deleted, including those an earlier run had committed but not yet deleted. */
  sourcesDeleted: number;
  partitions: number;
  plan: StagingPlanEntry[];
  /** Earlier runs whose commit had landed and whose source deletes this run finished (or would, on a dry run). */
  resumedRuns: number;
  dryRun: boolean;
  /**
   * Why the consumed sources were not all deleted after the commit (a network failure, a cancel): the
   * commit stands, and the next run deletes them before taking anything (its manifest says what).
   */
  cleanupDeferred?: string;
}

type Phase = 'settle' | 'list' | 'read' | 'write' | 'upload' | 'commit' | 'delete';
export type StagingProgress = (phase: Phase, done: number, total: number, bytes?: number) => void;

/** The run's progress callback by phase (both targets report the same phases). */
export function stagingProgress(options: CompactStagingOptions): StagingProgress {
  return (phase, done, total, bytes = 0) => options.onProgress?.({ phase, done, total, bytes } satisfies OpProgress);
}

/** What a run finds before it reads anything: earlier runs settled, the sources left to take, its result so far. */
export interface Stock {
  earlier: EarlierRuns;
  sources: StagingSource[];
  result: CompactStagingResult;
}

/**
 * Settles earlier runs into `target` and lists the staged sources no committed run consumed. A run with
 * sources to take stops here when cancelled, before it writes anything.
 */
export async function takeStock(staging: ObjectStore, target: RunTarget, options: CompactStagingOptions): Promise<Stock> {
  const dryRun = options.dryRun ?? false;
  const progress = stagingProgress(options);
  progress('settle', 0, 1);
  const earlier = await settleEarlierRuns(staging, target, dryRun);
  progress('settle', 1, 1);
  const listed = await listStagingSources(staging, (count) => progress('list', count, count));
  const sources = listed.filter((s) => earlier.consumed.get(s.key) !== s.etag);
  const result: CompactStagingResult = {
    version: undefined,
    sourcesRead: sources.length,
    records: 0,
    quarantined: 0,
    quarantineObjects: [],
    sourcesDeleted: earlier.sourcesDeleted,
    partitions: 0,
    plan: [],
    resumedRuns: earlier.resumed,
    dryRun,
  };
  if (sources.length > 0 && options.signal?.aborted) throw new LakebenchError('CANCELLED', 'compact-staging cancelled', { object: staging.url });
  return { earlier, sources, result };
}

export async function compactStaging(
  staging: ObjectStore,
  target: ObjectStore,
  options: CompactStagingOptions = {},
): Promise<CompactStagingResult> {
  const progress = stagingProgress(options);
  const snapshot = (await DeltaTable.exists(target)) ? await writableSnapshot(target) : undefined;
  const txnVersion = snapshot?.txns[STAGING_TXN_APP_ID]?.version ?? -1;

  const { earlier, sources, result } = await takeStock(
    staging,
    { url: target.url, layout: 'delta', outcomeOf: (manifest) => runOutcome(target, txnVersion, manifest) },
    options,
  );
  if (sources.length === 0) return result;

  const partitionColumns = snapshot?.partitionColumns ?? usualPartitionColumns(sources);
  const partitionType = (column: string): DeltaType => snapshot?.schema.fields.find((f) => f.name === column)?.type ?? 'string';
  const schemaFields = (await readStagingSchema(staging)) ?? (snapshot && tableFields(snapshot));
  const manifest = newRunManifest({ url: target.url, layout: 'delta' }, snapshot?.version ?? -1, txnVersion + 1, sources);

  const version = await withScratchDb('compact-staging', options.signal, async (db) => {
    const staged = await readStaged(db, staging, sources, result, progress, {
      // The folder's value wins over a record field of the partition column's name.
      fields: schemaFields?.filter((f) => !partitionColumns.includes(f.name)),
      partitionProblem: (source) => partitionProblem(source, partitionColumns, partitionType),
    });
    if (result.dryRun) return undefined;

    db.checkCancelled();
    const run = await startRun(staging, manifest, staged.quarantined.length);
    let change: TableChange;
    try {
      result.quarantineObjects.push(...(await writeQuarantine(staging, manifest, staged.quarantined)));
      change = await writeStagedRecords(db, target, { snapshot, staged, partitionColumns, partitionType, progress });
      change.actions.push(stagingTxn(manifest.txnVersion, Date.now()));
      db.checkCancelled();
      await options.beforeCommit?.();
    } catch (e) {
      // Nothing is committed: what this run wrote under the staging area goes (its data files are orphans).
      await discardRuns(staging, [run]).catch(() => undefined);
      throw e;
    }

    // From here on a failure leaves the manifest: the commit may have landed, and the next run will tell.
    progress('commit', 0, 1);
    const committed = await commit(target, {
      actions: change.actions,
      readVersion: manifest.readVersion,
      operation: 'WRITE',
      operationParameters: { mode: 'Append', partitionBy: partitionColumns, source: staging.url, runId: manifest.runId },
      operationMetrics: {
        numFiles: change.filesAdded,
        numOutputRows: staged.records,
        numSourceObjects: sources.length,
        numQuarantinedRecords: staged.quarantined.length,
      },
      isBlindAppend: change.isBlindAppend,
      readPartitions: [],
    });
    progress('commit', 1, 1);
    return committed.version;
  });
  return afterCommit(result, version, { staging, manifest, open: earlier.open, options, progress });
}

/**
 * The end of a run, for both targets: nothing more when it committed nothing; else the test hook, then
 * the source deletes, which run to the end even when cancelled, so nothing is left half-done needlessly.
 */
export async function afterCommit(
  result: CompactStagingResult,
  version: number | undefined,
  run: { staging: ObjectStore; manifest: RunManifest; open: ListedRun[]; options: CompactStagingOptions; progress: StagingProgress },
): Promise<CompactStagingResult> {
  if (version === undefined) return result;
  result.version = version;
  await run.options.afterCommit?.();
  try {
    result.sourcesDeleted += await finishCommittedRun(run.staging, run.manifest, run.open, ({ done, total }) => run.progress('delete', done, total));
  } catch (e) {
    // The commit is the point of no return: a failed cleanup after it is a warning, not a failed run.
    if (!isLakebenchError(e)) throw e;
    result.cleanupDeferred = e.message;
  }
  return result;
}

/** The actions that put the staged records into the table (creating it, or adding columns, when needed). */
interface TableChange {
  actions: Action[];
  filesAdded: number;
  isBlindAppend: boolean;
}

interface WriteRequest {
  snapshot: Snapshot | undefined;
  staged: StagedRecords;
  partitionColumns: string[];
  partitionType: (column: string) => DeltaType;
  progress: StagingProgress;
}

/** Writes the good records as Parquet files under fresh names in the target (nothing is visible before the commit). */
async function writeStagedRecords(db: ScratchDb, target: ObjectStore, request: WriteRequest): Promise<TableChange> {
  const { snapshot, staged, partitionColumns, partitionType, progress } = request;
  const columnTypes = partitionColumns.map((name) => ({ name, type: deltaTypeToDuckDB(partitionType(name)) }));
  const fit = fitSchema(stagedColumns(staged.fields, columnTypes), snapshot?.schema, target.url);
  const query = stagedRecordsQuery(staged, columnTypes, (column, value) => partitionValueToSql(value, partitionType(column.name)));
  progress('write', 0, 1);
  const adds = query
    ? await writeDataFiles(db, target, {
        query: `SELECT ${fit.projection} FROM (${query}) AS lb_staged`,
        partitionColumns: fit.columns.filter((c) => partitionColumns.includes(c.name)),
        onUploaded: ({ done, total, bytes }) => progress('upload', done, total, bytes),
      })
    : [];
  progress('write', 1, 1);
  const tableActions = snapshot
    ? fit.addedColumns.length > 0 ? [withSchema(snapshot.metadata, fit.schema)] : []
    : newTableActions({ schema: fit.schema, partitionColumns });
  return {
    actions: [...tableActions, ...adds.map((add) => ({ add }))],
    filesAdded: adds.length,
    isBlindAppend: fit.addedColumns.length === 0,
  };
}

/** Why a source's folders are not a partition of the target, or undefined when they are. */
export function partitionProblem(source: StagingSource, columns: string[], typeOf: (column: string) => DeltaType): string | undefined {
  if (!source.partition) return 'not in a <column>=<value> partition folder';
  const found = source.partition.map((p) => p.column);
  if (found.join('/') !== columns.join('/')) {
    return `partition folders [${found.join(', ')}] do not match the table's partition columns [${columns.join(', ')}]`;
  }
  for (const { column, value } of source.partition) {
    try {
      parsePartitionValue(value, typeOf(column));
    } catch (e) {
      if (!isLakebenchError(e)) throw e;
      return `partition value ${JSON.stringify(value)} is not a valid ${JSON.stringify(typeOf(column))} for column "${column}"`;
    }
  }
  return undefined;
}

/** A new table's partition columns: those of most sources' folders (a few stray files do not decide). */
export function usualPartitionColumns(sources: StagingSource[]): string[] {
  const counts = new Map<string, { columns: string[]; count: number }>();
  for (const source of sources) {
    if (!source.partition) continue;
    const columns = source.partition.map((p) => p.column);
    const entry = counts.get(JSON.stringify(columns)) ?? { columns, count: 0 };
    entry.count++;
    counts.set(JSON.stringify(columns), entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || b.columns.length - a.columns.length)[0]?.columns ?? [];
}

/** An existing table's columns as a record schema (without a schema file): non-nullable columns are required. */
function tableFields(snapshot: Snapshot): StagingField[] {
  return snapshot.schema.fields.map((f) => ({ name: f.name, type: f.type, required: !f.nullable }));
}

/**
 * Reads and checks the sources' records into the run's scratch folder (both targets), and puts what the
 * run takes (or would, on a dry run) into its result.
 */
export async function readStaged(
  db: ScratchDb,
  staging: ObjectStore,
  sources: StagingSource[],
  result: CompactStagingResult,
  progress: StagingProgress,
  check: Pick<ReadStagingOptions, 'fields' | 'partitionProblem'>,
): Promise<StagedRecords> {
  const staged = await readStagingRecords(staging, sources, {
    ...check,
    dir: db.dir,
    checkCancelled: db.checkCancelled,
    onRead: ({ done, total, bytes }) => progress('read', done, total, bytes),
  });
  const plan = staged.partitions.map((p) => ({ partition: p.values, files: p.sources, records: p.records }));
  Object.assign(result, { records: staged.records, quarantined: staged.quarantined.length, partitions: plan.length, plan });
  return staged;
}
