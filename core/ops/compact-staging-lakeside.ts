/**
 * compact-staging into the Lakeside layout itself (formats.md §2): the staged records of a bucket's
 * `data/<partition>/` become `parquet/<partition>/part-<YYYY-MM-DDTHH-MM-SS>.parquet` (Snappy, one row
 * group, columns typed by `schema/schema.json`, the partition only in the folder), committed by one new
 * `_lakeside_log/<8 digits>.json` entry written with put-if-absent — only after every Parquet file exists,
 * the first of the defects Lakeside's own roadmap lists. Exactly-once across crashes is staging-runs.ts's
 * protocol: the run's manifest names its sources and the log version it commits as, and the entry carries
 * the run id, so a later run tells whether that commit landed.
 *
 * A run commits only as the version after the one it read. When another writer took that version the run
 * fails with CONFLICT and removes what it wrote, rather than retrying at the next version: that writer may
 * be Lakeside's own compactor, which consumed some of the same sources without saying which, so only a
 * fresh run (listing the staging area again) can take the rest exactly once.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isLakebenchError, LakebenchError } from '../errors';
import { appendLakesideLogEntry, lakesideLogKey, readLakesideLog, type LakesideAdd, type LakesideLogEntry, type LakesideState } from '../formats/lakeside/log';
import { COMPACTED_PREFIX } from '../formats/lakeside/reconcile';
import { readStagingSchema } from '../formats/lakeside/staging';
import { stagedRecordsQuery, type StagedPartition, type StagedRecords } from '../formats/lakeside/staging-records';
import { quoteLiteral } from '../sql-text';
import { conditionalPut } from '../storage/conditional-write';
import type { ObjectStore } from '../storage/types';
import {
  afterCommit,
  partitionProblem,
  readStaged,
  stagingProgress,
  takeStock,
  usualPartitionColumns,
  type CompactStagingOptions,
  type CompactStagingResult,
  type StagingProgress,
} from './compact-staging';
import { deleteAllInBatches } from './batch-delete';
import { withScratchDb, type ScratchDb } from './scratch-db';
import {
  discardRuns,
  newRunManifest,
  writeQuarantine,
  startRun,
  type RunOutcome,
} from './staging-runs';
import { runManifestKey, type RunManifest } from '../formats/lakeside/run-manifests';

/** Identifies this writer's log entries (their metadata also holds the run id). */
export const LAKESIDE_WRITER = 'lakebench compact-staging';
/** More rows than any one partition file holds: DuckDB then writes a single row group. */
const ONE_ROW_GROUP = 2 ** 62;
/** Seconds a file name's timestamp moves on when the name is taken (a run in the same second). */
const MAX_NAME_TRIES = 3600;

/** Compacts `bucket`'s staging area into its own `parquet/` folder and `_lakeside_log`. `version` is the log version. */
export async function compactStagingIntoLakeside(bucket: ObjectStore, options: CompactStagingOptions = {}): Promise<CompactStagingResult> {
  const progress = stagingProgress(options);
  const log = await readLakesideLog(bucket);
  const readVersion = log.entries.at(-1)?.version ?? -1;
  const target = { url: bucket.url, layout: 'lakeside' as const };
  // Earlier runs are told from the log as read here: any run that commits after this read takes a version
  // this run's commit needs, so this run then fails with CONFLICT rather than act on a stale outcome.
  const { earlier, sources, result } = await takeStock(bucket, { ...target, outcomeOf: async (manifest) => lakesideRunOutcome(bucket, log, manifest) }, options);
  if (sources.length === 0) return result;

  // Compacted files already in the log decide the partition columns: every file must share them for the view.
  const partitionColumns = loggedPartitionColumns(log.live.values()) ?? usualPartitionColumns(sources);
  const manifest = newRunManifest(target, readVersion, readVersion + 1, sources);

  const version = await withScratchDb('compact-staging', options.signal, async (db) => {
    const staged = await readStaged(db, bucket, sources, result, progress, {
      // The folder is the partition: a record field of a partition column's name is not written.
      fields: (await readStagingSchema(bucket))?.filter((f) => !partitionColumns.includes(f.name)),
      partitionProblem: (source) => partitionProblem(source, partitionColumns, () => 'string'),
    });
    if (result.dryRun) return undefined;

    db.checkCancelled();
    const run = await startRun(bucket, manifest, staged.quarantined.length);
    const uploaded: LakesideAdd[] = [];
    // Nothing is committed: what this run wrote goes, in batches (Parquet files no entry names are never
    // read). Answers why something stayed, for the run's error; the orphan report finds what did.
    const discard = async (): Promise<string> => {
      try {
        await deleteAllInBatches(bucket, uploaded.map((add) => add.path), 'Parquet files this run wrote');
        await discardRuns(bucket, [run]);
        return '';
      } catch (e) {
        if (!isLakebenchError(e)) throw e;
        return `; ${e.message}`;
      }
    };
    try {
      result.quarantineObjects.push(...(await writeQuarantine(bucket, manifest, staged.quarantined)));
      await writePartitionFiles(db, bucket, staged, { runId: manifest.runId, onUploaded: (add) => uploaded.push(add), progress });
      db.checkCancelled();
      await options.beforeCommit?.();
    } catch (e) {
      await discard().catch(() => undefined);
      throw e;
    }

    // From here on a failure leaves the manifest: the entry may have landed, and the next run will tell.
    progress('commit', 0, 1);
    const entry: LakesideLogEntry = {
      version: manifest.txnVersion,
      timestamp: new Date().toISOString(),
      operation: 'compact',
      add: uploaded.sort((a, b) => (a.path < b.path ? -1 : 1)),
      remove: [],
      metadata: {
        writer: LAKESIDE_WRITER,
        runId: manifest.runId,
        sourceObjects: sources.length,
        records: staged.records,
        quarantinedRecords: staged.quarantined.length,
        quarantine: manifest.quarantine,
      },
    };
    if (!(await appendLakesideLogEntry(bucket, entry))) {
      const leftover = await discard();
      throw new LakebenchError(
        'CONFLICT',
        `another writer committed _lakeside_log version ${entry.version} while this run worked; nothing was committed, run again${leftover}`,
        { object: bucket.urlOf(lakesideLogKey(entry.version)) },
      );
    }
    progress('commit', 1, 1);
    return entry.version;
  });
  return afterCommit(result, version, { staging: bucket, manifest, open: earlier.open, options, progress });
}

/**
 * A run commits only as version `txnVersion`: committed when that entry carries its run id, superseded
 * when another writer's entry has that version, open while there is none.
 */
function lakesideRunOutcome(bucket: ObjectStore, log: LakesideState, manifest: RunManifest): RunOutcome {
  const entry = log.entries.find((e) => e.version === manifest.txnVersion);
  if (entry) return entry.metadata?.runId === manifest.runId ? 'committed' : 'superseded';
  const later = log.entries.some((e) => e.version > manifest.txnVersion);
  if (!later) return 'open';
  throw new LakebenchError(
    'CONFLICT',
    `cannot tell whether compact-staging run ${manifest.runId} committed: _lakeside_log version ${manifest.txnVersion} is gone ` +
      'but later ones exist. Check the bucket for its records, then delete the manifest',
    { object: bucket.urlOf(runManifestKey(manifest.runId)) },
  );
}

interface PartitionWrite {
  /** Written into each file's key-value metadata: see putUnderFreshName for why bytes must differ per run. */
  runId: string;
  onUploaded: (add: LakesideAdd) => void;
  progress: StagingProgress;
}

/** One Parquet file per partition, uploaded under a name no object has yet; answers nothing until all exist. */
async function writePartitionFiles(db: ScratchDb, bucket: ObjectStore, staged: StagedRecords, request: PartitionWrite): Promise<void> {
  const partitions = staged.partitions.filter((p) => p.records > 0);
  const written = { done: 0, bytes: 0 };
  const startedAt = Date.now();
  request.progress('write', 0, partitions.length);
  request.progress('upload', 0, partitions.length);
  for (const partition of partitions) {
    db.checkCancelled();
    const localPath = join(db.dir, `part-${written.done}.parquet`);
    const query = stagedRecordsQuery({ ...staged, partitions: [partition] }, [], () => '')!;
    await db.connection.run(
      `COPY (${query}) TO ${quoteLiteral(localPath)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ONE_ROW_GROUP}, KV_METADATA {'lakebench:run': ${quoteLiteral(request.runId)}})`,
    );
    request.progress('write', written.done + 1, partitions.length);
    const folder = partitionFolder(partition);
    // Read whole for put-if-absent (the only create that cannot replace); one row group is held whole anyway.
    const body = await readFile(localPath);
    const path = await putUnderFreshName(bucket, `${COMPACTED_PREFIX}${folder ? `${folder}/` : ''}`, startedAt, body);
    const size = body.length;
    request.onUploaded({ path, size, rowCount: partition.records, partition: folder });
    written.done++;
    written.bytes += size;
    request.progress('upload', written.done, partitions.length, written.bytes);
  }
}

/**
 * Uploads `body` as `<prefix>part-<YYYY-MM-DDTHH-MM-SS>.parquet` with put-if-absent: Lakeside names files by
 * the second, so a name already taken (an earlier run in the same second, or a concurrent one) moves the
 * timestamp on rather than overwrite a file another log entry may name. A name holding these very bytes is
 * this run's own earlier attempt (a lost answer): the bytes carry the run id, so two runs compacting the
 * same records never take one name (the run that then lost the commit would delete the winner's file).
 * Answers the key.
 */
async function putUnderFreshName(bucket: ObjectStore, prefix: string, startedAt: number, body: Uint8Array): Promise<string> {
  for (let i = 0; i < MAX_NAME_TRIES; i++) {
    const stamp = new Date(startedAt + i * 1000).toISOString().slice(0, 19).replaceAll(':', '-');
    const key = `${prefix}part-${stamp}.parquet`;
    if (await conditionalPut(bucket, { key, body, isOurs: (existing) => Buffer.from(existing).equals(body) })) return key;
  }
  throw new LakebenchError('CONFLICT', `every part-<timestamp>.parquet name for the hour after the run's start is taken`, { object: bucket.urlOf(prefix) });
}

/** `order_ts_hour=2026-11-23T08` (folders of several columns joined by `/`), Hive-escaped like the staging folder. */
function partitionFolder(partition: StagedPartition): string {
  return Object.entries(partition.values)
    .map(([column, value]) => `${encodeURIComponent(column)}=${encodeURIComponent(value)}`)
    .join('/');
}

/** The partition columns of the compacted files the log holds live (`partition: "a=1/b=2"`), if any say. */
function loggedPartitionColumns(adds: Iterable<LakesideAdd>): string[] | undefined {
  for (const add of adds) {
    if (add.partition === undefined) continue;
    return add.partition === '' ? [] : add.partition.split('/').map((folder) => decodeURIComponent(folder.slice(0, folder.indexOf('='))));
  }
  return undefined;
}
