/**
 * Compaction of an Iceberg table (Iceberg's `rewrite_data_files`, bin-pack): per spec and partition,
 * small files — and files some delete applies to — are read through the table's own view (position
 * deletes, equality deletes and deletion vectors applied), written as new Parquet files near the target
 * size under fresh names, and swapped in by one `replace` snapshot that also drops the delete files the
 * rewrite fully applied.
 *
 * Concurrency (the spec's rules for `replace`): the new files keep the data sequence number of the
 * snapshot they were read from, so an equality delete committed meanwhile still applies to them; a lost
 * race is retried on the fresh state unless a file it rewrites is gone or a position delete / deletion
 * vector committed meanwhile applies to one (its rows would come back): then CONFLICT, nothing visible.
 * Crash safety: nothing is visible before the pointer swap (commit.ts); leftovers are unreferenced files.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { LakebenchError } from '../errors';
import type { CommitTarget, TableState } from '../formats/iceberg/commit';
import { commitWithRetry } from '../formats/iceberg/commit';
import { FileSystemTarget } from '../formats/iceberg/commit-targets';
import type { DataFile } from '../formats/iceberg/manifests';
import { partitionDisplay } from '../formats/iceberg/partitions';
import type { ScanPlan, ScanTask } from '../formats/iceberg/scan';
import type { Schema } from '../formats/iceberg/schema';
import { produceSnapshot, snapshotCommit, type NewFile } from '../formats/iceberg/snapshot-producer';
import type { IcebergTable } from '../formats/iceberg/table';
import { IcebergSource } from '../sql/iceberg-source';
import { quoteIdent } from '../sql-text';
import { FileCache, type CacheItem } from '../storage/cache';
import { withAbortSignal } from '../storage/request-scope';
import type { ObjectStore } from '../storage/types';
import { partitionLabel, runBinPipeline } from './bin-pipeline';
import type { CompactPlanEntry, CompactResult } from './compact';
import { filesMightMatch } from './iceberg-compact-where';
import { currentSpec, uploadIcebergFiles, writeLocalDataFile, writeLocalInCurrentSpec, type LocalIcebergFile } from './iceberg-data-files';
import { planRewrite, type RewriteGroup } from './iceberg-compact-plan';
import { MAINTENANCE_DEFAULTS } from './maintenance/defaults';
import { progressReporter, type OpOptions, type ProgressReporter } from './maintenance/operations';
import { withScratchDb, type ScratchDb } from './scratch-db';

export interface IcebergCompactOptions extends OpOptions {
  /** Files under this size are merged into files of about this size (bytes). */
  targetSize: number;
  /** Only partitions with at least this many small files are compacted (any with deletes are). */
  minFiles: number;
  /** Columns to sort the rows of each new file by. */
  sortBy?: string[];
  /** Rewrite every data file, whatever its size (Iceberg's `rewrite-all`). */
  all?: boolean;
  /** Only data files that might hold a row matching this SQL predicate (by partition and column bounds). */
  where?: string;
  dryRun?: boolean;
  /** Lost races retried before CONFLICT (default 4). */
  attempts?: number;
  /** Local scratch space the rewrite may hold at once: downloaded inputs and written files not yet uploaded (default MAINTENANCE_DEFAULTS.scratchLimit). */
  scratchLimit?: number;
  /** Runs after the new files are uploaded and before the commit (lets tests race a concurrent writer). */
  beforeCommit?: () => Promise<void>;
}

export interface IcebergCompactPlanEntry extends CompactPlanEntry {
  specId: number;
  /** Delete files applied to these files while rewriting them. */
  deleteFiles: number;
}

export interface IcebergCompactResult extends CompactResult {
  plan: IcebergCompactPlanEntry[];
  deleteFilesRemoved: number;
  /** Commit attempts (more than one: lost races retried on a fresh state). */
  attempts?: number;
  dryRun?: boolean;
}

const deletesOf = (task: ScanTask) => [...task.positionDeletes, ...task.equalityDeletes, ...(task.deletionVector ? [task.deletionVector] : [])];
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Compacts the Iceberg table in `store`, committing through its catalog's target when it has one, else its folder. */
export function compactIceberg(store: ObjectStore, commitTarget: (() => CommitTarget) | undefined, options: IcebergCompactOptions): Promise<IcebergCompactResult> {
  return compactIcebergTable(commitTarget?.() ?? new FileSystemTarget(store), options);
}

export async function compactIcebergTable(target: CommitTarget, options: IcebergCompactOptions): Promise<IcebergCompactResult> {
  const { targetSize, minFiles } = options;
  if (!(targetSize > 0) || !(Number.isSafeInteger(minFiles) && minFiles >= 1)) {
    throw new LakebenchError('USAGE', `compact needs a positive target size and min-files ≥ 1 (got ${targetSize}, ${minFiles})`, { object: target.url });
  }
  const progress = progressReporter(options.onProgress);
  const start = await target.load();
  const table = start.table;
  const snapshot = table.snapshot();
  const empty = { plan: [], filesRemoved: 0, filesAdded: 0, bytesRemoved: 0, bytesAdded: 0, deleteFilesRemoved: 0, ...(options.dryRun && { dryRun: true }) };
  if (!snapshot) return empty;
  progress('plan', 0, 1);
  // The whole scan, even with --where: whether a delete file is obsolete depends on every file it applies to.
  const scan = await table.planScan(snapshot);
  const candidates = options.where === undefined ? undefined : await filesMightMatch(table, snapshot, options.where, options.signal);
  const limits = { targetSize, minFiles, all: options.all ?? false, currentSpecId: currentSpec(table).specId, ...(candidates && { candidates }) };
  const { groups, obsoleteDeletes } = planRewrite(scan, table.specs, limits);
  const plan = groups.map((group) => planEntry(table, group));
  progress('plan', 1, 1);
  const nothing = { ...empty, plan };
  if (options.dryRun || groups.length === 0) return nothing;
  const schema = table.schemaFor(snapshot);
  const sortBy = sortColumns(schema, options.sortBy ?? [], target.url);

  return withScratchDb('compact', options.signal, async (db) => {
    const bins = groups.flatMap((group) => group.bins.map((bin) => ({ group, bin })));
    const scratchLimit = options.scratchLimit ?? MAINTENANCE_DEFAULTS.scratchLimit;
    const { added, scratchHighWaterBytes } = await rewriteBins(db, table, schema, snapshot.sequenceNumber, bins, { sortBy, scratchLimit }, progress, options.onProgress);
    db.checkCancelled();
    await options.beforeCommit?.();

    const rewritten = bins.flatMap(({ bin }) => bin.map((task) => task.file));
    const startDeletes = new Set(bins.flatMap(({ bin }) => bin.flatMap(deletesOf)).map((d) => `${d.path}#${d.referencedDataFile ?? ''}`));
    progress('commit', 0, 1);
    let dropped: DataFile[] = obsoleteDeletes;
    const committed = await commitWithRetry(
      target,
      async (state) => {
        dropped = state.metadataLocation === start.metadataLocation ? obsoleteDeletes : await validateOnFresh(state, rewritten, startDeletes, obsoleteDeletes);
        const produced = await produceSnapshot(state.table, {
          operation: 'replace',
          added,
          removed: new Set([...rewritten, ...dropped].map((f) => f.path)),
          summary: { 'lakebench.operation': 'compact', 'lakebench.target-file-size-bytes': String(targetSize) },
        });
        return { commit: snapshotCommit(produced), result: produced.snapshot['snapshot-id'].toString() };
      },
      { ...(options.attempts !== undefined && { attempts: options.attempts }), ...(options.signal && { signal: options.signal }) },
    );
    progress('commit', 1, 1);
    return {
      snapshotId: committed.result,
      plan,
      filesRemoved: rewritten.length,
      filesAdded: added.length,
      bytesRemoved: sum(rewritten.map((f) => f.fileSizeInBytes)),
      bytesAdded: sum(added.map((f) => f.fileSizeInBytes)),
      deleteFilesRemoved: dropped.length,
      attempts: committed.attempts,
      scratchHighWaterBytes,
    };
  });
}

/**
 * The spec's conflict rules for a `replace` on a table that moved since it was read: every rewritten
 * file must still be live, and no position delete or deletion vector committed meanwhile may apply to
 * one (its rows would be resurrected in the new files). Equality deletes committed meanwhile are fine:
 * they carry a higher sequence number than the new files keep. Answers the obsolete delete files still live.
 */
async function validateOnFresh(state: TableState, rewritten: DataFile[], startDeletes: ReadonlySet<string>, obsolete: DataFile[]): Promise<DataFile[]> {
  const fresh = await state.table.planScan(state.table.snapshot());
  const tasks = new Map(fresh.tasks.map((task) => [task.file.path, task]));
  for (const file of rewritten) {
    const task = tasks.get(file.path);
    if (!task) {
      throw new LakebenchError('CONFLICT', `${file.path} was removed or rewritten by a concurrent commit; nothing was committed (run compact again)`, { object: state.table.url });
    }
    const added = [...task.positionDeletes, ...(task.deletionVector ? [task.deletionVector] : [])].find((d) => !startDeletes.has(`${d.path}#${d.referencedDataFile ?? ''}`));
    if (added) {
      throw new LakebenchError('CONFLICT', `a delete committed concurrently (${added.path}) applies to ${file.path}, which this compaction rewrote; nothing was committed (run compact again)`, {
        object: state.table.url,
      });
    }
  }
  const live = new Set(fresh.deleteFiles.map((d) => d.path));
  return obsolete.filter((d) => live.has(d.path));
}

function planEntry(table: IcebergTable, group: RewriteGroup): IcebergCompactPlanEntry {
  const tasks = group.bins.flat();
  return {
    // As text, the way Delta's plan shows partition values.
    partition: Object.fromEntries(
      Object.entries(partitionDisplay(tasks[0]!.file, table.specs.get(group.specId), table.columnTypes())).map(([k, v]) => [k, v === null ? null : String(v)]),
    ),
    specId: group.specId,
    files: tasks.length,
    bytes: sum(tasks.map((t) => t.file.fileSizeInBytes)),
    outputFiles: group.bins.length,
    deleteFiles: new Set(tasks.flatMap(deletesOf).map((d) => d.path)).size,
  };
}

/** The sort columns as the schema names them; USAGE naming the unknown one. */
function sortColumns(schema: Schema, names: string[], object: string): string[] {
  for (const name of names) {
    if (!schema.fields.some((f) => f.name === name)) {
      throw new LakebenchError('USAGE', `cannot sort by ${name}: the table has no such column (${schema.fields.map((f) => f.name).join(', ')})`, { object });
    }
  }
  return names;
}

/** A bin to rewrite, with the group (spec and partition) it belongs to. */
interface PlannedBin {
  group: RewriteGroup;
  bin: ScanTask[];
}

/**
 * Rewrites the bins through the bin pipeline (bin-pipeline.ts): a bin's data and delete files download
 * while the bin before it is written and earlier ones upload, within the scratch limit. Answers the new
 * files, in bin order.
 */
async function rewriteBins(
  db: ScratchDb,
  table: IcebergTable,
  schema: Schema,
  sequenceNumber: number,
  bins: PlannedBin[],
  options: { sortBy: string[]; scratchLimit: number },
  progress: ProgressReporter,
  onTransfer: OpOptions['onProgress'],
): Promise<{ added: NewFile[]; scratchHighWaterBytes: number }> {
  const store = table.store;
  let written = 0;
  progress('write', 0, bins.length);
  const { results, scratchHighWaterBytes } = await runBinPipeline(
    bins,
    {
      fetch: async ({ bin }, dir, onProgress) => {
        // The bin's own cache folder, removed whole once the bin is written; the view made from it finds every file there.
        const cache = new FileCache(dir, Number.POSITIVE_INFINITY);
        if (store.kind !== 'local') await withAbortSignal(db.signal, () => cache.ensureMany(store, downloadsOf(table, bin), { signal: db.signal, onProgress }));
        return cache;
      },
      rewrite: async ({ group, bin }, cache, outDir) => {
        db.checkCancelled();
        const files = await rewriteBin(db, table, schema, { sequenceNumber, group, bin, sortBy: options.sortBy, cache, outDir });
        progress('write', ++written, bins.length);
        return files.length > 0 ? files : undefined;
      },
      upload: (files) => uploadIcebergFiles(table, files),
    },
    {
      dir: join(db.dir, 'compaction'),
      limitBytes: options.scratchLimit,
      sizeOf: ({ group, bin }) => ({
        label: partitionLabel(planEntry(table, { ...group, bins: [bin] }).partition),
        inputBytes: sum(downloadsOf(table, bin).map((item) => item.size)),
        downloaded: store.kind !== 'local',
      }),
      object: table.url,
      ...(db.signal && { signal: db.signal }),
      onProgress: onTransfer,
    },
  );
  return { added: results.flat(), scratchHighWaterBytes };
}

/** The bin's tasks with the delete files that apply to them (each once): what its view reads. */
function binScan(bin: ScanTask[]): ScanPlan {
  const deleteFiles = [...new Map(bin.flatMap(deletesOf).map((d) => [`${d.path}#${d.referencedDataFile ?? ''}`, d])).values()];
  return { tasks: bin, deleteFiles, stats: { manifests: 0, manifestsSkipped: 0, dataFiles: bin.length, dataFilesSkipped: 0 } };
}

/**
 * The objects a bin's view reads from local copies: its data files and its delete files but Puffin ones
 * (a deletion vector is read by a range of its Puffin file, not downloaded whole).
 */
function downloadsOf(table: IcebergTable, bin: ScanTask[]): CacheItem[] {
  const { tasks, deleteFiles } = binScan(bin);
  const files = [...tasks.map((t) => t.file), ...new Map(deleteFiles.filter((d) => d.format !== 'PUFFIN').map((d) => [d.path, d])).values()];
  return files.map((file) => ({ key: table.paths.keyOf(file.path), size: file.fileSizeInBytes }));
}

interface BinRewrite {
  /** The snapshot's sequence number, which v2+ rewrites keep. */
  sequenceNumber: number;
  group: RewriteGroup;
  bin: ScanTask[];
  sortBy: string[];
  /** The bin's downloaded files (a remote table's). */
  cache: FileCache;
  /** Where the new files are written. */
  outDir: string;
}

/**
 * Rewrites one bin through the table's view (its deletes applied) into files in `outDir`: one file of its
 * partition when it is in the current spec, else one per partition of the current spec.
 */
async function rewriteBin(db: ScratchDb, table: IcebergTable, schema: Schema, work: BinRewrite): Promise<LocalIcebergFile[]> {
  const view = `rewrite_${randomUUID().replaceAll('-', '')}`;
  const source = new IcebergSource(view, table, { kind: 'current' }, work.cache);
  await source.createViewOf(db.connection, view, binScan(work.bin), db.signal);
  const rows = { select: `SELECT * FROM ${quoteIdent(view)}`, sortBy: work.sortBy, tag: 'compacted' as const };
  // v1 tables have no sequence numbers; v2+ rewrites keep the one they read at.
  const kept = table.metadata.formatVersion > 1 ? work.sequenceNumber : undefined;
  const files =
    work.group.specId === currentSpec(table).specId
      ? [await writeLocalDataFile(db, table, schema, rows, { specId: work.group.specId, partition: work.group.partition, ...(kept !== undefined && { dataSequenceNumber: kept }) }, work.outDir)]
      : await writeLocalInCurrentSpec(db, table, schema, rows, work.outDir, kept);
  await db.connection.run(`DROP VIEW ${quoteIdent(view)}`);
  return files;
}
