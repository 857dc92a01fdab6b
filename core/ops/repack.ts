/**
 * `repack`: rewrites a table's files in one commit (operation REPACK), copy-on-write like delete.ts.
 * - purgeWhere: the live files holding matching rows are rewritten without them (row-match.ts);
 *   with `purge` the older versions that still hold them are made unreadable too (repack-purge.ts).
 * - dropCorrupt: files verify finds corrupt are quarantined and their readable row groups salvaged
 *   into new files (repack-corrupt.ts); the corrupt original goes only by vacuum, like any tombstone.
 * - recompressLevel: every other live file is rewritten, one by one (its rows and order unchanged), as
 *   zstd at that level. All of them, even files already zstd: a file's level is recorded nowhere.
 * A rewrite that loses or purges rows is a data change; a pure recompress is not (dataChange false).
 * New files are uploaded under fresh names before the commit, so a failure leaves only orphans.
 */
import type { AddFile, RemoveFile } from '../formats/delta/actions';
import { commit } from '../formats/delta/commit';
import type { Snapshot } from '../formats/delta/table';
import { fileKeyOf } from '../sql/delta-source';
import { quoteIdent } from '../sql-text';
import { isLakebenchError, LakebenchError } from '../errors';
import type { ObjectStore } from '../storage/types';
import { progressReporter, type OpOptions, type ProgressReporter } from './maintenance/operations';
import { findCorruptFiles, quarantineAndSalvage } from './repack-corrupt';
import { newRunId } from './run-id';
import { eraseOldVersions, planErasure, type ErasurePlan } from './repack-purge';
import { runPredicateQuery } from './partition-predicate';
import { matchRows, type RowMatch } from './row-match';
import { writeLayout } from '../sql/physical-layout';
import { withScratchDb, type ScratchDb } from './scratch-db';
import { createFilesView, FILE_INDEX_COLUMN } from './table-files';
import { commitSettings, partitionsOf, recordCount, removeOf } from './table-changes';
import type { VerifyProblem } from './verify/problems';
import { writableSnapshot } from './writable-snapshot';
import { TARGET_FILE_BYTES, uploadDataFiles, writeLocalFiles, type LocalDataFile } from './write-parquet';

export interface RepackOptions {
  /** SQL predicate over the table's columns: matching rows are physically removed. */
  purgeWhere?: string;
  /** With purgeWhere: also erase the rows from every retained version (checkpoint, expire the log, delete old files). */
  purge?: boolean;
  dropCorrupt?: boolean;
  /** zstd level (1–22) to rewrite every live file with. */
  recompressLevel?: number;
  dryRun?: boolean;
  /** Epoch ms recorded as the removal time of the rewritten files (tests). */
  now?: number;
  /** Runs after the new files are uploaded and before the commit (lets tests race a concurrent writer). */
  beforeCommit?: () => Promise<void>;
}

export interface QuarantinedFile {
  /** URL of the corrupt data file (removed from the table). */
  object: string;
  /** URL of its copy under `_quarantine/` (none in a dry run, or when the object is missing). */
  copy?: string;
  rowsSalvaged: number;
  rowsLost: number;
  /** What verify found, e.g. `decode-error: …`. */
  problem: string;
}

export interface RepackResult {
  /** The new version; undefined when there was nothing to rewrite, or in a dry run. */
  version?: number;
  dryRun: boolean;
  /** Live files removed from the table (rewritten, or dropped when nothing of them is left). */
  filesRewritten: number;
  filesAdded: number;
  /** Rows matching purgeWhere removed from the latest version. */
  rowsPurged: number;
  quarantined: QuarantinedFile[];
  /** With purge: the log entries, checkpoints and old data files deleted (in a dry run: the data files that would be). */
  purgedObjects: string[];
}

/**
 * Live files replaced by new ones; `dataChange` false when the rows are exactly the same. A dry run's
 * recompress and purge write nothing and only estimate how many files they would (`plannedFiles`).
 */
interface Rewrite {
  removed: AddFile[];
  written: LocalDataFile[];
  plannedFiles?: number;
  dataChange: boolean;
}

/** Everything decided before the commit. */
interface RepackPlan {
  rewrites: Rewrite[];
  rowsPurged: number;
  quarantined: QuarantinedFile[];
  purgeMatch?: RowMatch;
  erasure?: ErasurePlan;
  /** Keys of the data files that hold purged rows, deleted once no retained version reads them. */
  purgedFiles: string[];
}

/** What every step of one run needs. */
interface RepackJob {
  store: ObjectStore;
  snapshot: Snapshot;
  options: RepackOptions & OpOptions;
  predicate?: string;
  /** Names this run's quarantine folder; undefined in a dry run (nothing is copied). */
  runId?: string;
  progress: ProgressReporter;
}

const PURGE_VIEW = 'lb_repack_purge';
const RECOMPRESS_VIEW = 'lb_repack_files';

export async function repackTable(store: ObjectStore, options: RepackOptions & OpOptions): Promise<RepackResult> {
  const predicate = checkOptions(store, options);
  const snapshot = await writableSnapshot(store);
  const job: RepackJob = {
    store,
    snapshot,
    options,
    predicate,
    runId: options.dryRun ? undefined : newRunId(),
    progress: progressReporter(options.onProgress),
  };
  const { plan, version } = await withScratchDb('repack', options.signal, async (db) => {
    const plan = await planRewrites(db, job);
    return { plan, version: options.dryRun ? undefined : await commitRewrites(db, job, plan) };
  });
  const purgedObjects = options.dryRun
    ? plan.purgedFiles.map((key) => store.urlOf(key))
    : options.purge
      ? await eraseOldVersions(store, plan.purgedFiles, options.onProgress).catch((e: unknown) => {
          if (!isLakebenchError(e)) throw e;
          throw new LakebenchError(e.code, `committed version ${version}, but erasing the older versions failed: ${e.message}; run the purge again to finish`, {
            object: store.url,
            cause: e,
          });
        })
      : [];
  return {
    version,
    dryRun: options.dryRun ?? false,
    filesRewritten: plan.rewrites.reduce((n, r) => n + r.removed.length, 0),
    filesAdded: plan.rewrites.reduce((n, r) => n + (r.plannedFiles ?? r.written.length), 0),
    rowsPurged: plan.rowsPurged,
    quarantined: plan.quarantined,
    purgedObjects,
  };
}

/** The purge predicate, after refusing option sets that ask for nothing or for a purge without a predicate. */
function checkOptions(store: ObjectStore, options: RepackOptions): string | undefined {
  const predicate = options.purgeWhere?.trim() || undefined;
  if (options.purgeWhere !== undefined && !predicate) {
    throw new LakebenchError('USAGE', '--purge-where needs a predicate', { object: store.url });
  }
  if (options.purge && !predicate) {
    throw new LakebenchError('USAGE', '--purge needs --purge-where "<predicate>" (the rows to erase)', { object: store.url });
  }
  if (!predicate && !options.dropCorrupt && options.recompressLevel === undefined) {
    throw new LakebenchError('USAGE', 'repack needs --purge-where, --drop-corrupt or --recompress zstd:N', { object: store.url });
  }
  const level = options.recompressLevel;
  if (level !== undefined && !(Number.isInteger(level) && level >= 1 && level <= 22)) {
    throw new LakebenchError('USAGE', `zstd level must be a whole number from 1 to 22, not ${level}`, { object: store.url });
  }
  return predicate;
}

/** Decides every rewrite and writes the new files into the scratch folder (uploads wait for the commit step). */
async function planRewrites(db: ScratchDb, job: RepackJob): Promise<RepackPlan> {
  const { store, snapshot, options, predicate, progress } = job;
  const plan: RepackPlan = { rewrites: [], rowsPurged: 0, quarantined: [], purgedFiles: [] };
  let healthy = snapshot;
  if (options.dropCorrupt) {
    progress('verify', 0, snapshot.files.length);
    const corrupt = await findCorruptFiles(store, snapshot, options);
    progress('verify', snapshot.files.length, snapshot.files.length);
    await salvageCorruptFiles(db, job, corrupt, plan);
    healthy = { ...snapshot, files: snapshot.files.filter((f) => !corrupt.has(f)) };
  }
  if (predicate) {
    progress('scan', 0, healthy.files.length);
    // A purge also rewrites files whose deletion vectors only hide matching rows: their bytes hold them.
    plan.purgeMatch = await matchRows(db, store, healthy, predicate, PURGE_VIEW, { includeDeleted: options.purge });
    progress('scan', healthy.files.length, healthy.files.length);
    const { files, keptRows, rowsMatched } = plan.purgeMatch;
    plan.rowsPurged += rowsMatched;
    if (files.length > 0 && options.dryRun) {
      // A plan finds the matching rows but writes none of the kept ones: it estimates their files.
      plan.rewrites.push({ removed: files, written: [], plannedFiles: keptRows ? plannedOutputFiles(snapshot, files) : 0, dataChange: true });
    } else if (files.length > 0) {
      const written = keptRows ? await writeRows(db, job, keptRows) : [];
      plan.rewrites.push({ removed: files, written, dataChange: true });
    }
  }
  if (options.recompressLevel !== undefined) {
    plan.rewrites.push(...(await recompressFiles(db, job, healthy, new Set(plan.purgeMatch?.files))));
  }
  if (options.purge) {
    plan.erasure = await planErasure(db, store, snapshot, predicate!);
    const livePurged = (plan.purgeMatch?.files ?? []).map((f) => fileKeyOf(f, snapshot.tableUrl));
    plan.purgedFiles = [...new Set([...livePurged, ...plan.erasure.oldFiles])];
  }
  return plan;
}

/** Writes rows (display names, every column) as new files of the table in its layout, at the requested zstd level. */
function writeRows(db: ScratchDb, job: RepackJob, query: string): Promise<LocalDataFile[]> {
  return writeLocalFiles(db, { ...writeLayout(job.snapshot, query), compressionLevel: job.options.recompressLevel });
}

/**
 * Quarantines each corrupt file and rewrites its salvaged rows (less any the purge predicate matches).
 * A corrupt file with a deletion vector is refused before anything is copied: salvaged row groups lose
 * the row positions its DV names.
 */
async function salvageCorruptFiles(
  db: ScratchDb,
  job: RepackJob,
  corrupt: Map<AddFile, VerifyProblem[]>,
  plan: RepackPlan,
): Promise<void> {
  const { store, snapshot, predicate, progress } = job;
  const withDv = [...corrupt.keys()].find((f) => f.deletionVector);
  if (withDv) {
    throw new LakebenchError('UNSUPPORTED_FEATURE', `--drop-corrupt: ${withDv.path} is corrupt and has a deletion vector, which salvaging row groups cannot keep; nothing was changed`, {
      object: store.urlOf(fileKeyOf(withDv, snapshot.tableUrl)),
    });
  }
  for (const [index, [file, problems]] of [...corrupt].entries()) {
    progress('salvage', index, corrupt.size);
    const salvaged = await quarantineAndSalvage(db, store, snapshot, file, index, job.runId);
    const view = quoteIdent(salvaged.view);
    let written: LocalDataFile[] = [];
    let purged = 0;
    if (salvaged.rowsSalvaged > 0) {
      if (predicate) purged = await countMatches(db, view, predicate);
      const query = `SELECT * FROM ${view}${predicate ? ` WHERE (${predicate}) IS NOT TRUE` : ''}`;
      written = await writeRows(db, job, query);
    }
    plan.rowsPurged += purged;
    // Every row back (a file verify flagged for its logged size, say) is no data change.
    const dataChange = salvaged.rowsLost > 0 || purged > 0 || salvaged.rowsSalvaged === 0;
    plan.rewrites.push({ removed: [file], written, dataChange });
    plan.quarantined.push({
      object: store.urlOf(fileKeyOf(file, snapshot.tableUrl)),
      ...(salvaged.copy && { copy: store.urlOf(salvaged.copy) }),
      rowsSalvaged: salvaged.rowsSalvaged,
      rowsLost: salvaged.rowsLost,
      problem: problems.map((p) => `${p.kind}: ${p.detail}`).join('; '),
    });
  }
  progress('salvage', corrupt.size, corrupt.size);
}

async function countMatches(db: ScratchDb, view: string, predicate: string): Promise<number> {
  const [row] = await runPredicateQuery(db, `SELECT count(*) AS n FROM ${view} WHERE (${predicate})`);
  return Number(row!.n);
}

/**
 * Each live file not already rewritten, rewritten alone (same rows, same order) at the requested level.
 * A dry run decides this from the log alone: which files go needs no data, and reading or rewriting
 * every file just to count the outputs made the plan as slow as the run.
 */
async function recompressFiles(db: ScratchDb, job: RepackJob, healthy: Snapshot, rewritten: Set<AddFile>): Promise<Rewrite[]> {
  const todo = healthy.files.map((file, index) => ({ file, index })).filter(({ file }) => !rewritten.has(file));
  if (todo.length === 0) return [];
  if (job.options.dryRun) {
    return todo.map(({ file }) => ({ removed: [file], written: [], plannedFiles: plannedOutputFiles(healthy, [file]), dataChange: false }));
  }
  await createFilesView(db, job.store, healthy, RECOMPRESS_VIEW);
  const rewrites: Rewrite[] = [];
  for (const [done, { file, index }] of todo.entries()) {
    job.progress('recompress', done, todo.length);
    const query = `SELECT * EXCLUDE (${FILE_INDEX_COLUMN}) FROM ${quoteIdent(RECOMPRESS_VIEW)} WHERE ${FILE_INDEX_COLUMN} = ${index}`;
    // Rows a deletion vector deletes are left out: the same logical rows, so still no data change.
    rewrites.push({ removed: [file], written: await writeRows(db, job, query), dataChange: false });
  }
  job.progress('recompress', todo.length, todo.length);
  return rewrites;
}

/**
 * How many files rewriting the rows of `files` together makes, at most: partitioned output is one file
 * per partition; unpartitioned output splits at TARGET_FILE_BYTES, so at most one file per that much
 * input (dropping rows or a higher zstd level only makes it smaller).
 */
function plannedOutputFiles(snapshot: Snapshot, files: readonly AddFile[]): number {
  if (snapshot.partitionColumns.length > 0) return new Set(files.map((f) => JSON.stringify(f.partitionValues))).size;
  return Math.max(1, Math.ceil(files.reduce((n, f) => n + f.size, 0) / TARGET_FILE_BYTES));
}

/**
 * Uploads the new files and commits them with the removes (and any re-issued tombstones) in one log
 * entry. Returns undefined, committing nothing, when there is nothing to change.
 */
async function commitRewrites(db: ScratchDb, job: RepackJob, plan: RepackPlan): Promise<number | undefined> {
  const { store, snapshot, options, predicate, progress } = job;
  const reissued = plan.erasure?.reissued ?? [];
  if (plan.rewrites.length === 0 && reissued.length === 0) return undefined;

  const written = plan.rewrites.flatMap((r) => r.written);
  const uploaded = await uploadDataFiles(db, store, written, ({ done, total, bytes }) => progress('upload', done, total, bytes));
  const addOf = new Map(written.map((w, i) => [w, uploaded[i]!]));
  const removalTime = options.now ?? Date.now();
  const actions: ({ add: AddFile } | { remove: RemoveFile })[] = [...reissued];
  for (const rewrite of plan.rewrites) {
    for (const file of rewrite.removed) {
      const { remove } = removeOf(file, removalTime);
      // A purge keeps the removed file's stats out of the log: its min/max can be the erased value.
      if (options.purge) delete remove.stats;
      actions.push({ remove: { ...remove, dataChange: rewrite.dataChange } });
    }
    for (const w of rewrite.written) actions.push({ add: { ...addOf.get(w)!, dataChange: rewrite.dataChange } });
  }
  db.checkCancelled();
  await options.beforeCommit?.();

  progress('commit', 0, 1);
  const removed = plan.rewrites.flatMap((r) => r.removed);
  const { quarantined, purgeMatch } = plan;
  const { version } = await commit(store, {
    actions,
    readVersion: snapshot.version,
    operation: 'REPACK',
    operationParameters: {
      // A purge predicate names the values being erased: it stays out of the log.
      ...(predicate && !options.purge && { purgeWhere: predicate }),
      purge: options.purge ?? false,
      dropCorrupt: options.dropCorrupt ?? false,
      ...(options.recompressLevel !== undefined && { recompress: `zstd:${options.recompressLevel}` }),
    },
    operationMetrics: {
      numRemovedFiles: removed.length,
      numAddedFiles: uploaded.length,
      numPurgedRows: plan.rowsPurged,
      numQuarantinedFiles: quarantined.length,
      numSalvagedRows: quarantined.reduce((n, q) => n + q.rowsSalvaged, 0),
      numLostRows: quarantined.reduce((n, q) => n + q.rowsLost, 0),
      numCopiedRows: recordCount(uploaded),
    },
    isBlindAppend: false,
    readFiles: [...new Set([...removed, ...(purgeMatch?.readFiles ?? [])])].map((f) => f.path),
    // A purge decided which rows match from everything it read (as a delete does); the other rewrites
    // only rearrange the files they name, so concurrent appends anywhere do not conflict with them.
    readPartitions: purgeMatch ? partitionsOf(purgeMatch.readFiles) : [],
    ...commitSettings(snapshot),
  });
  progress('commit', 1, 1);
  return version;
}
