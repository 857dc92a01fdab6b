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
import { boundBytes } from '../formats/iceberg/bounds';
import type { DataFile } from '../formats/iceberg/manifests';
import { partitionDisplay } from '../formats/iceberg/partitions';
import type { ScanPlan, ScanTask } from '../formats/iceberg/scan';
import type { IcebergType, Schema } from '../formats/iceberg/schema';
import { produceSnapshot, snapshotCommit, type NewFile } from '../formats/iceberg/snapshot-producer';
import type { IcebergTable } from '../formats/iceberg/table';
import { IcebergSource } from '../sql/iceberg-source';
import { quoteIdent, quoteLiteral } from '../sql-text';
import { FileCache, type CacheItem } from '../storage/cache';
import type { ObjectStore } from '../storage/types';
import type { CompactPlanEntry, CompactResult } from './compact';
import { planRewrite, type RewriteGroup } from './iceberg-compact-plan';
import { progressReporter, type OpOptions } from './maintenance/operations';
import { withScratchDb, type ScratchDb } from './scratch-db';
import { partitionLabel, runBinPipeline } from './bin-pipeline';
import { MAINTENANCE_DEFAULTS } from './maintenance/defaults';

export interface IcebergCompactOptions extends OpOptions {
  /** Files under this size are merged into files of about this size (bytes). */
  targetSize: number;
  /** Only partitions with at least this many small files are compacted (any with deletes are). */
  minFiles: number;
  /** Columns to sort the rows of each new file by. */
  sortBy?: string[];
  /** Rewrite every data file, whatever its size (Iceberg's `rewrite-all`). */
  all?: boolean;
  dryRun?: boolean;
  /** Lost races retried before CONFLICT (default 4). */
  attempts?: number;
  /** Local scratch space the compaction may hold at once (default MAINTENANCE_DEFAULTS.scratchLimit). */
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
  const scan = await table.planScan(snapshot);
  const { groups, obsoleteDeletes } = planRewrite(scan, table.specs, { targetSize, minFiles, all: options.all ?? false });
  const plan = groups.map((group) => planEntry(table, group));
  progress('plan', 1, 1);
  const nothing = { ...empty, plan };
  if (options.dryRun || groups.length === 0) return nothing;
  const schema = table.schemaFor(snapshot);
  const sortBy = sortColumns(schema, options.sortBy ?? [], target.url);

  return withScratchDb('compact', options.signal, async (db) => {
    const bins = groups.flatMap((group) => group.bins.map((bin) => ({ group, bin })));
    let binsDone = 0;
    let bytesDone = 0;
    progress('rewrite', 0, bins.length);
    const { results: added, scratchHighWaterBytes } = await runBinPipeline(
      bins,
      {
        fetch: async ({ bin }, dir, onProgress) => {
          // The bin's own cache folder, removed whole once it is rewritten: the view made then finds every file there.
          const cache = new FileCache(dir, Number.POSITIVE_INFINITY);
          await cache.ensureMany(table.store, binInputs(table, bin), { signal: db.signal, onProgress });
          return cache;
        },
        rewrite: async ({ group, bin }, cache, outPath) => {
          db.checkCancelled();
          const file = await rewriteBin(db, table, schema, snapshot.sequenceNumber, { group, bin, cache, outPath }, sortBy);
          bytesDone += file.fileSizeInBytes;
          progress('rewrite', ++binsDone, bins.length, bytesDone);
          return { file, outPath };
        },
        upload: async ({ file, outPath }) => {
          await table.store.putFile(table.paths.keyOf(file.path), outPath);
          return file;
        },
      },
      {
        dir: join(db.dir, 'compaction'),
        limitBytes: options.scratchLimit ?? MAINTENANCE_DEFAULTS.scratchLimit,
        sizeOf: ({ group, bin }) => ({
          label: partitionLabel(planEntry(table, group).partition),
          inputBytes: sum(binInputs(table, bin).map((item) => item.size)),
          downloaded: table.store.kind !== 'local',
        }),
        object: target.url,
        ...(db.signal && { signal: db.signal }),
        onProgress: options.onProgress,
      },
    );
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

/** DuckDB's FIELD_IDS for a type: the id, and the ids of nested fields (struct fields, list element, map key and value). */
function fieldIdSpec(id: number, type: IcebergType): string {
  if (typeof type === 'string') return String(id);
  const nested =
    type.type === 'struct'
      ? type.fields.map((f) => `${quoteIdent(f.name)}: ${fieldIdSpec(f.id, f.type)}`)
      : type.type === 'list'
        ? [`element: ${fieldIdSpec(type['element-id'], type.element)}`]
        : [`key: ${fieldIdSpec(type['key-id'], type.key)}`, `value: ${fieldIdSpec(type['value-id'], type.value)}`];
  return `{__duckdb_field_id: ${id}, ${nested.join(', ')}}`;
}

/** DuckDB's RETURN_STATS per column: `"name"` → min, max, null_count, num_values (as text). */
type ColumnStatistics = { key: string; value: { key: string; value: string }[] }[] | null;

/** Types whose bounds are written (the ones the engine prunes by, exact in DuckDB's text form). */
const BOUNDED = new Set(['int', 'long', 'date']);

/**
 * Iceberg file metrics of the new file from DuckDB's write statistics: value and null counts of every
 * top-level primitive column, and lower/upper bounds of int, long and date columns (scan planning prunes by them).
 */
function fileMetrics(schema: Schema, statistics: ColumnStatistics): Pick<NewFile, 'valueCounts' | 'nullValueCounts' | 'lowerBounds' | 'upperBounds'> {
  const valueCounts = new Map<number, number>();
  const nullValueCounts = new Map<number, number>();
  const lowerBounds = new Map<number, Uint8Array>();
  const upperBounds = new Map<number, Uint8Array>();
  const byName = new Map((statistics ?? []).map((column) => [column.key, new Map(column.value.map((v) => [v.key, v.value]))]));
  for (const field of schema.fields) {
    const stats = byName.get(`"${field.name.replaceAll('"', '""')}"`);
    if (!stats || typeof field.type !== 'string') continue;
    if (stats.has('num_values')) valueCounts.set(field.id, Number(stats.get('num_values')));
    if (stats.has('null_count')) nullValueCounts.set(field.id, Number(stats.get('null_count')));
    const [min, max] = [stats.get('min'), stats.get('max')];
    const exact = field.type === 'date' ? /^\d{4}-\d{2}-\d{2}$/ : /^-?\d+$/;
    if (!BOUNDED.has(field.type) || min === undefined || max === undefined || !exact.test(min) || !exact.test(max)) continue;
    const internal = (text: string) => (field.type === 'date' ? BigInt(Date.parse(`${text}T00:00:00Z`) / 86_400_000) : BigInt(text));
    lowerBounds.set(field.id, boundBytes(internal(min), field.type));
    upperBounds.set(field.id, boundBytes(internal(max), field.type));
  }
  return { valueCounts, nullValueCounts, lowerBounds, upperBounds };
}

/** The bin's delete files, each once (a delete file applying to several of its data files is listed with each). */
const binDeletes = (bin: ScanTask[]): DataFile[] => [...new Map(bin.flatMap(deletesOf).map((d) => [`${d.path}#${d.referencedDataFile ?? ''}`, d])).values()];

/** The objects a bin's view reads from local copies: its data files and its delete files but Puffin (deletion vectors are read by range). */
function binInputs(table: IcebergTable, bin: ScanTask[]): CacheItem[] {
  const files = [...bin.map((task) => task.file), ...new Map(binDeletes(bin).filter((d) => d.format !== 'PUFFIN').map((d) => [d.path, d])).values()];
  return files.map((file) => ({ key: table.paths.keyOf(file.path), size: file.fileSizeInBytes }));
}

/** A bin to rewrite, the cache its inputs were fetched into, and the local file to write. */
interface BinRewrite {
  group: RewriteGroup;
  bin: ScanTask[];
  cache: FileCache;
  outPath: string;
}

/** Rewrites one bin into one local Parquet file, to be uploaded under a fresh name; answers the file as the snapshot adds it. */
async function rewriteBin(db: ScratchDb, table: IcebergTable, schema: Schema, sequenceNumber: number, { group, bin, cache, outPath }: BinRewrite, sortBy: string[]): Promise<NewFile> {
  const view = `rewrite_${randomUUID().replaceAll('-', '')}`;
  const source = new IcebergSource(view, table, { kind: 'current' }, cache);
  const part: ScanPlan = { tasks: bin, deleteFiles: binDeletes(bin), stats: { manifests: 0, manifestsSkipped: 0, dataFiles: bin.length, dataFilesSkipped: 0 } };
  await source.createViewOf(db.connection, view, part, db.signal);
  const ids = schema.fields.map((f) => `${quoteIdent(f.name)}: ${fieldIdSpec(f.id, f.type)}`).join(', ');
  const order = sortBy.length > 0 ? ` ORDER BY ${sortBy.map(quoteIdent).join(', ')}` : '';
  const stats = await db.connection.runAndReadAll(
    `COPY (SELECT * FROM ${quoteIdent(view)}${order}) TO ${quoteLiteral(outPath)} (FORMAT parquet, COMPRESSION zstd, FIELD_IDS {${ids}}, RETURN_STATS true)`,
  );
  const [row] = stats.getRowObjectsJson() as { count: string; file_size_bytes: string; column_statistics: ColumnStatistics }[];
  await db.connection.run(`DROP VIEW ${quoteIdent(view)}`);
  const key = `data/${randomUUID()}-compacted.parquet`;
  return {
    content: 0,
    path: `${table.metadata.location}/${key}`,
    format: 'PARQUET',
    specId: group.specId,
    partition: group.partition,
    recordCount: Number(row!.count),
    fileSizeInBytes: Number(row!.file_size_bytes),
    ...fileMetrics(schema, row!.column_statistics),
    ...(table.metadata.formatVersion > 1 && { dataSequenceNumber: sequenceNumber }),
  };
}
