/**
 * Import local CSV / JSON / NDJSON / Parquet files into a Delta table (created when absent).
 *
 * Crash safety: inputs are loaded into a private DuckDB database, written as fresh Parquet files,
 * uploaded under fresh unique keys, and only then made visible by one commit. A failure before the
 * commit leaves at most orphan data files, never a commit.
 */
import type { Action, FileStats, Metadata, StructType, Txn } from '../formats/delta/actions';
import { assignColumnMapping, MAX_COLUMN_ID_PROPERTY, maxColumnIdOf } from '../formats/delta/column-mapping';
import { parseSchema } from '../formats/delta/schema';
import { writeLayout } from '../sql/physical-layout';
import { commit, type CommitRequest } from '../formats/delta/commit';
import { newTableActions } from '../formats/delta/create';
import { writableSnapshot } from './writable-snapshot';
import { DeltaTable, type Snapshot } from '../formats/delta/table';
import { LakebenchError } from '../errors';
import type { ObjectStore } from '../storage/types';
import { expandInputs, type InputFormat } from './input-files';
import { describeInputs, importInputOptions, INPUT_TABLE, noRowsError, settleBadRows, stageInputs } from './import-input';
import { planMerge, type WritePlan } from './import-merge';
import { withScratchDb } from './scratch-db';
import { fitPartitionColumns, fitSchema } from './table-schema';
import { commitSettings, partitionsOf, removeOf, withSchema } from './table-changes';
import { uploadDataFiles, writeLocalFiles } from './write-parquet';

export type ImportMode = 'append' | 'overwrite' | 'merge';

export interface ImportProgress {
  phase: 'read' | 'write' | 'upload' | 'commit';
  done: number;
  total: number;
  bytes: number;
}

export interface ImportOptions {
  /** Local files or globs (`*`, `?`, `**`). */
  inputs: string[];
  /** Default: from each file's extension (.csv/.tsv, .json, .ndjson/.jsonl, .parquet; .gz looked through). */
  format?: InputFormat;
  /** Partition columns of a new table; for an existing table, must equal its own when given. */
  partitionBy?: string[];
  /** append (default); overwrite replaces every row; merge upserts by `key`, the last input row per key winning. */
  mode?: ImportMode;
  key?: string[];
  /** Add `_source_file` (the input file's path) and `_ingested_at` (the import's start time). */
  auditColumns?: boolean;
  /**
   * Where to write malformed input rows (NDJSON, one `{"file","line","error","raw"}` a line) and import
   * the rest; without it a malformed row refuses the whole import (BAD_INPUT naming file:line).
   */
  badRowsPath?: string;
  /** Recorded in the commit (an application's progress marker, e.g. what it has consumed). */
  txn?: Txn;
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportResult {
  version: number;
  /** Input rows now in the table (after "last row wins" for merges). */
  rowsWritten: number;
  filesWritten: number;
  badRows: number;
  created: boolean;
}

export async function importFiles(store: ObjectStore, options: ImportOptions): Promise<ImportResult> {
  const mode = options.mode ?? 'append';
  if (mode === 'merge' && !options.key?.length) {
    throw new LakebenchError('USAGE', 'merge needs key columns', { object: store.url });
  }
  const files = await expandInputs(options.inputs);
  const progress = (phase: ImportProgress['phase'], done: number, total: number, bytes = 0) =>
    options.onProgress?.({ phase, done, total, bytes });
  const snapshot = (await DeltaTable.exists(store)) ? await writableSnapshot(store) : undefined;

  return withScratchDb('import', options.signal, async (db) => {
    progress('read', 0, files.length);
    const input = await describeInputs(db.connection, files, importInputOptions(options, db.dir));
    const fit = fitSchema(input.columns, snapshot?.schema, store.url);
    const partitionNames = fitPartitionColumns(options.partitionBy, fit.schema, snapshot?.partitionColumns, store.url);
    const partitionColumns = partitionNames.map((name) => fit.columns.find((c) => c.name === name)!);
    const newMetadata = snapshot && fit.addedColumns.length > 0 ? metadataWithColumns(snapshot, fit.schema) : undefined;
    const layoutOf = (query: string) =>
      writeLayout({ schema: newMetadata ? parseSchema(newMetadata.metaData.schemaString) : fit.schema, partitionColumns: partitionNames, columnMapping: snapshot?.columnMapping }, query);
    db.checkCancelled();

    // A merge and a partitioned write read the rows more than once: load them once. Otherwise the
    // COPY to Parquet reads the files itself, with no copy in between.
    const staged = mode === 'merge' || partitionColumns.length > 0 ? await stageInputs(db.connection, input) : undefined;
    progress('read', files.length, files.length);
    const plan: WritePlan =
      mode === 'merge'
        ? await planMerge(db, store, { fit, inputColumns: input.columns, newestFirst: staged!.newestFirst, snapshot, key: options.key! })
        : {
            query: `SELECT ${fit.projection} FROM ${staged ? INPUT_TABLE : `(${input.query}) AS ${INPUT_TABLE}`}`,
            inputRows: staged?.rows,
            removed: mode === 'overwrite' && snapshot ? snapshot.files : [],
            readFiles: [],
          };

    progress('write', 0, 1);
    const written = await writeLocalFiles(db, layoutOf(plan.query));
    const badRows = await settleBadRows(db.connection, input, options.badRowsPath);
    const inputRows = plan.inputRows ?? written.reduce((sum, file) => sum + (JSON.parse(file.add.stats!) as FileStats).numRecords, 0);
    if (inputRows === 0 && mode !== 'merge') throw noRowsError(files);
    db.checkCancelled();
    const adds = await uploadDataFiles(db, store, written, ({ done, total, bytes }) => progress('upload', done, total, bytes));
    const uploadedBytes = adds.reduce((sum, add) => sum + add.size, 0);
    db.checkCancelled();

    progress('commit', 0, 1, uploadedBytes);
    const now = Date.now();
    const actions: Action[] = [
      ...(snapshot ? (newMetadata ? [newMetadata] : []) : newTableActions({ schema: fit.schema, partitionColumns: partitionNames })),
      ...plan.removed.map((file) => removeOf(file, now)),
      ...adds.map((add) => ({ add })),
      ...(options.txn ? [{ txn: options.txn }] : []),
    ];
    const { version } = await commit(store, {
      actions,
      readVersion: snapshot?.version ?? -1,
      operation: mode === 'merge' ? 'MERGE' : 'WRITE',
      operationParameters: operationParameters(mode, partitionNames, options.key),
      operationMetrics: {
        numFiles: adds.length,
        numOutputRows: inputRows,
        numRemovedFiles: plan.removed.length,
        numOutputBytes: uploadedBytes,
      },
      isBlindAppend: mode === 'append' && fit.addedColumns.length === 0,
      ...readSet(mode, plan),
      ...(snapshot && commitSettings(snapshot)),
    });
    progress('commit', 1, 1, uploadedBytes);
    return {
      version,
      rowsWritten: inputRows,
      filesWritten: adds.length,
      badRows,
      created: !snapshot,
    };
  });
}

/**
 * The table's metaData with columns added. On a column-mapping table each new column (and nested
 * field) gets a fresh physical name and the next column id, and `delta.columnMapping.maxColumnId` moves up.
 */
function metadataWithColumns(snapshot: Snapshot, schema: StructType): { metaData: Metadata } {
  if (snapshot.columnMapping === 'none') return withSchema(snapshot.metadata, schema);
  const mapped = assignColumnMapping(schema, maxColumnIdOf(snapshot.metadata, snapshot.schema));
  const { metaData } = withSchema(snapshot.metadata, mapped.schema);
  return { metaData: { ...metaData, configuration: { ...metaData.configuration, [MAX_COLUMN_ID_PROPERTY]: String(mapped.maxColumnId) } } };
}

/** What the commit read, for conflict detection (see commit.ts). */
function readSet(mode: ImportMode, plan: WritePlan): Pick<CommitRequest, 'readFiles' | 'readPartitions'> {
  if (mode === 'merge') return { readFiles: plan.readFiles.map((f) => f.path), readPartitions: partitionsOf(plan.readFiles) };
  // An append that adds a column reads no rows: only the metaData change can conflict.
  if (mode === 'append') return { readPartitions: [] };
  return {}; // overwrite: read everything (the commit layer's default)
}

function operationParameters(mode: ImportMode, partitionBy: string[], key: string[] | undefined): Record<string, unknown> {
  if (mode === 'merge') return { predicate: key!.map((k) => `target.${k} = source.${k}`).join(' AND ') };
  return { mode: mode === 'overwrite' ? 'Overwrite' : 'Append', partitionBy };
}
