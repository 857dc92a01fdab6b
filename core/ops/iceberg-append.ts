/**
 * Appending rows to an Iceberg table (`import` in append mode, and promote's write into a trusted
 * Iceberg table): the inputs are read like an import's, fitted to the table's current schema, written
 * as new data files in the current partition spec under fresh names, and committed by one `append`
 * snapshot through the table's commit path (commit.ts). Appends never conflict (the spec validates
 * nothing for them), so a lost race is rebuilt on the fresh state with the same files and retried.
 * Crash safety: nothing is visible before the pointer swap; what a cut-short run uploaded is unreferenced.
 */
import { LakebenchError } from '../errors';
import type { CommitTarget } from '../formats/iceberg/commit';
import { FileSystemTarget } from '../formats/iceberg/commit-targets';
import { duckdbType, type Schema } from '../formats/iceberg/schema';
import { commitSnapshot } from '../formats/iceberg/snapshot-producer';
import { quoteIdent } from '../sql-text';
import type { ObjectStore } from '../storage/types';
import type { ImportOptions, ImportProgress, ImportResult } from './import';
import { describeInputs, importInputOptions, INPUT_TABLE, settleBadRows, stageInputs } from './import-input';
import { expandInputs } from './input-files';
import { writeInCurrentSpec } from './iceberg-data-files';
import type { ColumnType } from './scratch-db';
import { withScratchDb } from './scratch-db';

export interface IcebergImportResult extends Omit<ImportResult, 'version'> {
  /** The append snapshot's id (text: it has 64 bits). */
  version: string;
}

export interface IcebergAppendOptions extends ImportOptions {
  /** Lost races retried before CONFLICT (default 4). */
  attempts?: number;
  /** Runs after the new files are uploaded and before the commit (lets tests race a concurrent writer). */
  beforeCommit?: () => Promise<void>;
}

/** Appends to the Iceberg table in `store`, committing through its catalog's target when it has one, else its folder. */
export function appendToIceberg(store: ObjectStore, commitTarget: (() => CommitTarget) | undefined, options: IcebergAppendOptions): Promise<IcebergImportResult> {
  return appendToIcebergTable(commitTarget?.() ?? new FileSystemTarget(store), options);
}

/** What an Iceberg append cannot do, refused before anything is read. */
function refuseUnsupported(options: ImportOptions, object: string): void {
  const refuse = (what: string) => {
    throw new LakebenchError('USAGE', `${what} is not supported when importing into an Iceberg table (rows are appended in one append snapshot)`, { object });
  };
  if ((options.mode ?? 'append') !== 'append') refuse(`--mode ${options.mode}`);
  if (options.key?.length) refuse('--key');
  if (options.txn) refuse('a transaction marker (txn)');
  if (options.partitionBy?.length) refuse('--partition-by (an Iceberg table keeps its own partition spec)');
}

/**
 * The SELECT over the staged inputs giving the schema's columns in order, each cast to its type; a
 * column the table lacks is refused by name (Iceberg's schema is changed by schema evolution, not by
 * an append), and an absent one is null unless the schema requires it.
 */
function fittedSelect(schema: Schema, inputs: ColumnType[], object: string): string {
  const byName = new Map(inputs.map((c) => [c.name.toLowerCase(), c.name]));
  const extra = inputs.find((c) => !schema.fields.some((f) => f.name.toLowerCase() === c.name.toLowerCase()));
  if (extra) {
    throw new LakebenchError('BAD_INPUT', `input column ${extra.name} is not in the Iceberg table's schema (${schema.fields.map((f) => f.name).join(', ')}); nothing was written`, { object });
  }
  const columns = schema.fields.map((field) => {
    const type = duckdbType(field.type, field.name, object);
    const input = byName.get(field.name.toLowerCase());
    if (input === undefined && field.required) throw new LakebenchError('BAD_INPUT', `the inputs have no column ${field.name}, which the table requires; nothing was written`, { object });
    return `CAST(${input === undefined ? 'NULL' : quoteIdent(input)} AS ${type}) AS ${quoteIdent(field.name)}`;
  });
  return `SELECT ${columns.join(', ')} FROM ${INPUT_TABLE}`;
}

export async function appendToIcebergTable(target: CommitTarget, options: IcebergAppendOptions): Promise<IcebergImportResult> {
  refuseUnsupported(options, target.url);
  const progress = (phase: ImportProgress['phase'], done: number, total: number, bytes = 0) => options.onProgress?.({ phase, done, total, bytes });
  const files = await expandInputs(options.inputs);
  const { table } = await target.load();

  return withScratchDb('import', options.signal, async (db) => {
    progress('read', 0, files.length);
    const input = await describeInputs(db.connection, files, importInputOptions(options, db.dir));
    const schema = table.schemaFor(table.snapshot());
    const select = fittedSelect(schema, input.columns, target.url);
    // The rows are read more than once (partition values, then each file): load them once.
    await stageInputs(db.connection, input);
    const badRows = await settleBadRows(db.connection, input, options.badRowsPath);
    progress('read', files.length, files.length);
    db.checkCancelled();

    progress('write', 0, 1);
    const added = await writeInCurrentSpec(db, table, schema, { select, tag: 'appended' });
    const rowsWritten = added.reduce((n, f) => n + f.recordCount, 0);
    const bytes = added.reduce((n, f) => n + f.fileSizeInBytes, 0);
    progress('write', 1, 1, bytes);
    db.checkCancelled();
    await options.beforeCommit?.();

    progress('commit', 0, 1, bytes);
    const committed = await commitSnapshot(
      target,
      async (state) => {
        // The files were written for the spec and schema read first: a table changed meanwhile is not appended to blindly.
        if (state.table.metadata.defaultSpecId !== table.metadata.defaultSpecId || state.table.metadata.currentSchemaId !== table.metadata.currentSchemaId) {
          throw new LakebenchError('CONFLICT', 'the table\'s partition spec or schema changed while appending; nothing was committed (run the import again)', { object: target.url });
        }
        return { operation: 'append', added, removed: new Set(), summary: { 'lakebench.operation': 'import' } };
      },
      { ...(options.attempts !== undefined && { attempts: options.attempts }), ...(options.signal && { signal: options.signal }) },
    );
    progress('commit', 1, 1, bytes);
    return {
      version: committed.result.snapshot['snapshot-id'].toString(),
      rowsWritten,
      filesWritten: added.length,
      badRows,
      created: false,
    };
  });
}
