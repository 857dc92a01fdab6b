/**
 * OPTIMIZE (bin-packing compaction) of a Delta table: small files of one partition and one physical
 * schema are merged into files near the target size, in one commit whose adds and removes carry
 * `dataChange: false` (the rows are the same; only their files change).
 *
 * Crash safety: new files get fresh names and become visible only through the commit. The commit reads
 * exactly the files it replaces, so a concurrent delete or compaction that removed one of them makes it
 * fail with CONFLICT (nothing lost, nothing resurrected), while concurrent appends go through.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddFile } from '../formats/delta/actions';
import { commit } from '../formats/delta/commit';
import { deletionVectorOf } from '../formats/delta/deletion-vector';
import type { Snapshot } from '../formats/delta/table';
import { LakebenchError } from '../errors';
import { physicalColumnName } from '../formats/delta/column-mapping';
import { createDeltaView, fileKeyOf, viewFiles } from '../sql/delta-source';
import { writeLayout, type WriteLayout } from '../sql/physical-layout';
import type { ViewFile } from '../sql/views';
import { quoteIdent, quoteLiteral, quoteLiteralList } from '../sql-text';
import { FileCache } from '../storage/cache';
import { mapWithConcurrency } from '../storage/concurrency';
import type { ObjectStore } from '../storage/types';
import { partitionLabel, runBinPipeline } from './bin-pipeline';
import { inBusyPartitions, planGroups, smallFiles, type CompactGroup } from './compact-plan';
import { MAINTENANCE_DEFAULTS } from './maintenance/defaults';
import { progressReporter, type OpOptions, type ProgressReporter } from './maintenance/operations';
import { readLocalPhysicalSchemas, readPhysicalSchema, type PhysicalSchema } from './parquet-footer';
import { filesMatchingPartitions, predicateColumns } from './partition-predicate';
import { withScratchDb, type ScratchDb } from './scratch-db';
import { localPaths } from './table-files';
import { commitSettings, liveRecordCount, recordCount, removeOf } from './table-changes';
import { describeLocalFile, uploadDataFiles, type LocalDataFile } from './write-parquet';
import { writableSnapshot } from './writable-snapshot';

export interface CompactOptions extends OpOptions {
  /** Files under this size are merged into files of about this size (bytes). */
  targetSize: number;
  /** Only partitions (and schemas) with at least this many small files are compacted. */
  minFiles: number;
  /** SQL predicate on partition columns only: the partitions to compact. */
  where?: string;
  /** Columns to sort the rows of each new file by. */
  sortBy?: string[];
  dryRun?: boolean;
  /** Local scratch space the compaction may hold at once: downloaded inputs and written files not yet uploaded (default MAINTENANCE_DEFAULTS.scratchLimit). */
  scratchLimit?: number;
  /** Runs after the new files are uploaded and before the commit (lets tests race a concurrent writer). */
  beforeCommit?: () => Promise<void>;
}

/** One group of small files merged together: a partition (and one physical schema in it). */
export interface CompactPlanEntry {
  partition: Record<string, string | null>;
  files: number;
  bytes: number;
  outputFiles: number;
}

export interface CompactResult {
  /** The OPTIMIZE commit; undefined when there was nothing to do or on a dry run. */
  version?: number;
  /** Iceberg: the `replace` snapshot (ops/iceberg-compact.ts), in place of a version. */
  snapshotId?: string;
  /** Iceberg: delete files the rewrite applied and dropped. */
  deleteFilesRemoved?: number;
  plan: CompactPlanEntry[];
  filesRemoved: number;
  filesAdded: number;
  bytesRemoved: number;
  bytesAdded: number;
  /** Delta: the most local scratch space the rewrite held at once (downloaded inputs, files not yet uploaded). */
  scratchHighWaterBytes?: number;
}

/** Footers read at once while planning (small range reads). */
const FOOTER_CONCURRENCY = 16;

export async function compactTable(store: ObjectStore, options: CompactOptions): Promise<CompactResult> {
  const { targetSize, minFiles } = options;
  if (!(targetSize > 0) || !(Number.isSafeInteger(minFiles) && minFiles >= 1)) {
    throw new LakebenchError('USAGE', `compact needs a positive target size and min-files ≥ 1 (got ${targetSize}, ${minFiles})`, {
      object: store.url,
    });
  }
  const snapshot = await writableSnapshot(store);
  const sortBy = resolveSortColumns(store, snapshot, options.sortBy ?? []);
  const progress = progressReporter(options.onProgress);

  return withScratchDb('compact', options.signal, async (db) => {
    let candidates = smallFiles(snapshot.files, targetSize);
    if (options.where !== undefined) candidates = await inMatchingPartitions(db, store, snapshot, candidates, options.where);
    const considered = candidates.length;
    // Partition values as the log keys them (physical names under column mapping).
    const logPartitionColumns = snapshot.partitionColumns.map((c) => physicalColumnName(snapshot.schema, c, snapshot.columnMapping));
    candidates = inBusyPartitions(candidates, logPartitionColumns, minFiles);

    progress('plan', 0, candidates.length);
    const withSchemas = await physicalSchemas(db, store, snapshot, candidates, (read) => progress('plan', read, candidates.length));
    const groups = planGroups(withSchemas, logPartitionColumns, { targetSize, minFiles });
    const plan = groups.map(planEntry);
    const nothingChanged = { plan, filesRemoved: 0, filesAdded: 0, bytesRemoved: 0, bytesAdded: 0 };
    if (options.dryRun || groups.length === 0) return nothingChanged;

    const inputs = groups.flatMap((g) => g.bins.flat());
    const scratchLimit = options.scratchLimit ?? MAINTENANCE_DEFAULTS.scratchLimit;
    const { adds, scratchHighWaterBytes } = await writeGroups(db, store, snapshot, groups, { sortBy, scratchLimit }, progress, options.onProgress);
    assertSameRowCount(store, inputs, adds);
    db.checkCancelled();
    await options.beforeCommit?.();

    progress('commit', 0, 1);
    const version = await commitOptimize(store, snapshot, { ...options, sortBy }, groups, adds, considered);
    progress('commit', 1, 1);
    const bytesRemoved = sum(inputs.map((f) => f.size));
    const bytesAdded = sum(adds.map((f) => f.size));
    return { version, plan, filesRemoved: inputs.length, filesAdded: adds.length, bytesRemoved, bytesAdded, scratchHighWaterBytes };
  });
}

/** Each candidate with its file's physical schema: in one DuckDB query for a local table, else footer by footer. */
async function physicalSchemas(
  db: ScratchDb,
  store: ObjectStore,
  snapshot: Snapshot,
  files: AddFile[],
  onRead: (read: number) => void,
): Promise<{ add: AddFile; schema: PhysicalSchema }[]> {
  if (store.kind === 'local' && files.length > 0) {
    // The footers read here are then cached for the COPYs that read the same files (they are immutable).
    await db.connection.run('SET parquet_metadata_cache = true');
    const paths = files.map((add) => store.localPath(fileKeyOf(add, snapshot.tableUrl))!);
    const schemas = await readLocalPhysicalSchemas(db.connection, paths).catch(() => undefined);
    if (schemas && paths.every((p) => schemas.has(p))) {
      onRead(files.length);
      return files.map((add, i) => ({ add, schema: schemas.get(paths[i]!)! }));
    }
  }
  let read = 0;
  return mapWithConcurrency(files, FOOTER_CONCURRENCY, async (add) => {
    db.checkCancelled();
    const schema = await readPhysicalSchema(store, fileKeyOf(add, snapshot.tableUrl), add.size);
    if (isStep(++read, files.length)) onRead(read);
    return { add, schema };
  });
}

/** The one commit: the inputs removed and the new files added, neither changing data. */
async function commitOptimize(
  store: ObjectStore,
  snapshot: Snapshot,
  options: CompactOptions & { sortBy: string[] },
  groups: CompactGroup[],
  adds: AddFile[],
  considered: number,
): Promise<number> {
  const inputs = groups.flatMap((g) => g.bins.flat());
  const now = Date.now();
  const { version } = await commit(store, {
    actions: [
      ...inputs.map((f) => ({ remove: { ...removeOf(f, now).remove, dataChange: false } })),
      ...adds.map((add) => ({ add: { ...add, dataChange: false } })),
    ],
    readVersion: snapshot.version,
    operation: 'OPTIMIZE',
    operationParameters: {
      targetSize: options.targetSize,
      minFiles: options.minFiles,
      predicate: options.where ? [options.where] : [],
      sortBy: options.sortBy,
    },
    operationMetrics: {
      numFilesAdded: adds.length,
      numFilesRemoved: inputs.length,
      numBytesAdded: sum(adds.map((f) => f.size)),
      numBytesRemoved: sum(inputs.map((f) => f.size)),
      partitionsOptimized: new Set(groups.map((g) => JSON.stringify(g.partition))).size,
      numBatches: sum(groups.map((g) => g.bins.length)),
      totalConsideredFiles: considered,
      totalFilesSkipped: considered - inputs.length,
    },
    isBlindAppend: false,
    // Only the replaced files were read: a concurrent remove of one conflicts, a concurrent append does not.
    readFiles: inputs.map((f) => f.path),
    readPartitions: [],
    ...commitSettings(snapshot),
  });
  return version;
}

/** A bin to rewrite into one file, with the group (partition and schema) it belongs to. */
interface PlannedBin {
  group: CompactGroup;
  bin: AddFile[];
}

/**
 * Writes one file per bin (one COPY each) through the bin pipeline: a bin's inputs download while the
 * bin before it is written and earlier ones upload, within the scratch limit. The rows are read through a
 * Delta view of the bin's files, so rows their deletion vectors delete are dropped (the new files carry
 * no DV), and written in the table's physical layout (column mapping: physical names and field ids).
 * Returns the new files' adds.
 */
async function writeGroups(
  db: ScratchDb,
  store: ObjectStore,
  snapshot: Snapshot,
  groups: CompactGroup[],
  options: { sortBy: string[]; scratchLimit: number },
  progress: ProgressReporter,
  onTransfer: OpOptions['onProgress'],
): Promise<{ adds: AddFile[]; scratchHighWaterBytes: number }> {
  const bins: PlannedBin[] = groups.flatMap((group) => group.bins.map((bin) => ({ group, bin })));
  let written = 0;
  const { results, scratchHighWaterBytes } = await runBinPipeline(
    bins,
    {
      fetch: async ({ bin }, dir, onProgress) => {
        // The bin's own cache folder: removed whole once the bin is written (DV files go there too).
        const cache = new FileCache(dir, Number.POSITIVE_INFINITY);
        const paths = await localPaths(db, store, snapshot.tableUrl, bin, { cache, onProgress });
        return viewFiles(store, snapshot, bin, paths, { cache, signal: db.signal });
      },
      rewrite: async ({ group }, files, outDir) => {
        db.checkCancelled();
        const file = await writeBin(db, snapshot, group, files, options.sortBy, join(outDir, `${randomUUID()}.parquet`));
        progress('write', ++written, bins.length);
        return file;
      },
      upload: async (file) => (await uploadDataFiles(db, store, [file]))[0]!,
    },
    {
      dir: join(db.dir, 'compaction'),
      limitBytes: options.scratchLimit,
      sizeOf: ({ group, bin }) => ({ label: partitionLabel(group.partition), inputBytes: sum(bin.map(inputBytes)), downloaded: store.kind !== 'local' }),
      object: store.url,
      signal: db.signal,
      onProgress: onTransfer,
    },
  );
  return { adds: results, scratchHighWaterBytes };
}

/** Writes one bin's rows to `outPath` (the group's stored columns, sorted if asked) and describes the file; undefined when it holds no rows. */
async function writeBin(db: ScratchDb, snapshot: Snapshot, group: CompactGroup, files: ViewFile[], sortBy: string[], outPath: string): Promise<LocalDataFile | undefined> {
  const view = `lb_compact_bin_${randomUUID().replaceAll('-', '')}`;
  const layout = await binRows(db, snapshot, files, view);
  // The columns the group's files hold, as they hold them (a column added later stays out of old files).
  const stored = storedColumns(snapshot, group);
  const order = sortBy.map((name) => physicalColumnName(snapshot.schema, name, snapshot.columnMapping)).filter((c) => stored.includes(c));
  await db.connection.run(
    `COPY (SELECT ${stored.map(quoteIdent).join(', ')} FROM (${layout.query})` +
      `${order.length > 0 ? ` ORDER BY ${order.map(quoteIdent).join(', ')}` : ''})` +
      ` TO ${quoteLiteral(outPath)} (FORMAT parquet, COMPRESSION zstd${layout.fieldIds ? `, ${layout.fieldIds}` : ''})`,
  );
  await db.connection.run(`DROP VIEW IF EXISTS ${quoteIdent(view)}`);
  return describeLocalFile(db, outPath, layout.partitionColumns, group.partition);
}

/** Bytes a file's rewrite downloads: the data file and, stored apart, its deletion vector's file (at least up to the end of its DV). */
function inputBytes(add: AddFile): number {
  const dv = deletionVectorOf(add);
  return add.size + (dv && dv.storageType !== 'i' ? (dv.offset ?? 0) + dv.sizeInBytes : 0);
}

/**
 * The rows of a bin in the table's physical layout. Files with deletion vectors, or a column-mapping
 * table, are read through a Delta view (`view`, created here) that drops deleted rows and renames
 * columns; plain files are read as stored — the common case, and more than twice as fast as a view's
 * casts (bench-compact's compact_ratio).
 */
async function binRows(db: ScratchDb, snapshot: Snapshot, files: ViewFile[], view: string): Promise<WriteLayout> {
  if (snapshot.columnMapping === 'none' && files.every((f) => !f.deleted)) {
    const rows = `SELECT * FROM read_parquet(${quoteLiteralList(files.map((f) => f.path))}, hive_partitioning = false)`;
    return { ...writeLayout(snapshot, rows), query: rows };
  }
  await createDeltaView(db.connection, view, snapshot, files);
  return writeLayout(snapshot, `SELECT * FROM ${quoteIdent(view)}`);
}

/** Physical names of the schema's data columns that the group's files store (the table's spelling). */
function storedColumns(snapshot: Snapshot, group: CompactGroup): string[] {
  const inFiles = new Set(group.schema.columns.map((c) => c.toLowerCase()));
  const partitions = new Set(snapshot.partitionColumns);
  return snapshot.schema.fields
    .filter((f) => !partitions.has(f.name))
    .map((f) => physicalColumnName(snapshot.schema, f.name, snapshot.columnMapping))
    .filter((c) => inFiles.has(c.toLowerCase()));
}

/** The table's spelling of each --sort-by column; USAGE naming the first that is not a column. */
function resolveSortColumns(store: ObjectStore, snapshot: Snapshot, names: string[]): string[] {
  return names.map((name) => {
    const field = snapshot.schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!field) throw new LakebenchError('USAGE', `--sort-by: the table has no column "${name}"`, { object: store.url });
    return field.name;
  });
}

/**
 * Keeps the files in partitions matching `where`, decided from the log's partition values. A predicate
 * naming any other column is refused by name: compaction never reads rows to pick them.
 */
async function inMatchingPartitions(
  db: ScratchDb,
  store: ObjectStore,
  snapshot: Snapshot,
  files: AddFile[],
  where: string,
): Promise<AddFile[]> {
  const usage = (message: string, cause?: unknown) =>
    new LakebenchError('USAGE', `--where ${JSON.stringify(where)}: ${message}`, { object: store.url, cause });
  let names: string[];
  try {
    names = await predicateColumns(db, where);
  } catch (e) {
    throw usage(`not a valid predicate: ${(e as Error).message}`, e);
  }
  const partitionColumns = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()));
  const allowed = snapshot.partitionColumns.length > 0 ? `partition columns (${snapshot.partitionColumns.join(', ')})` : 'partition columns (the table has none)';
  for (const name of names) {
    if (partitionColumns.has(name.toLowerCase())) continue;
    const isDataColumn = snapshot.schema.fields.some((f) => f.name.toLowerCase() === name.toLowerCase());
    throw usage(`may name only ${allowed}; "${name}" is ${isDataColumn ? 'a data column' : 'not a column of the table'}`);
  }
  try {
    return await filesMatchingPartitions(db, snapshot, files, where);
  } catch (e) {
    throw usage(`cannot be evaluated: ${(e as Error).message}`, e);
  }
}

/** A last check before the commit: the new files hold as many rows as the files they replace leave live. */
function assertSameRowCount(store: ObjectStore, inputs: AddFile[], adds: AddFile[]): void {
  const before = liveRecordCount(inputs);
  if (before === undefined) return; // not known for all inputs
  const after = recordCount(adds);
  if (before !== after) {
    throw new LakebenchError('CORRUPT', `compaction wrote ${after} rows for ${before} in its input files; nothing committed`, {
      object: store.url,
    });
  }
}

function planEntry(group: CompactGroup): CompactPlanEntry {
  const files = group.bins.flat();
  return { partition: group.partition, files: files.length, bytes: sum(files.map((f) => f.size)), outputFiles: group.bins.length };
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/** Whether a per-file count is worth reporting: about a hundred steps, so 2,000 files do not flood a terminal. */
const isStep = (done: number, total: number): boolean => done === total || done % Math.ceil(total / 100) === 0;
