/**
 * The rows and removes of a merge (upsert by key), copy-on-write: input rows are deduplicated with
 * the last row per key winning (input order: file order, then row order), every live file holding a
 * matching key is rewritten without those rows, and the new rows are added.
 */
import type { AddFile } from '../formats/delta/actions';
import type { Snapshot } from '../formats/delta/table';
import { LakebenchError } from '../errors';
import type { ObjectStore } from '../storage/types';
import { INPUT_TABLE } from './import-input';
import { queryRows, type ColumnType, type ScratchDb } from './scratch-db';
import { quoteIdent } from '../sql-text';
import { createFilesView, FILE_INDEX_COLUMN } from './table-files';
import type { SchemaFit } from './table-schema';

export interface WritePlan {
  /** SELECT of every row to write, with every table column. */
  query: string;
  /** Input rows among them, when known before writing (otherwise counted in the written files). */
  inputRows?: number;
  /** Live files the commit removes. */
  removed: AddFile[];
  /** Live files read to decide the commit (for conflict detection). */
  readFiles: AddFile[];
}

export interface MergeRequest {
  fit: SchemaFit;
  /** Input columns (as staged), to resolve the key. */
  inputColumns: ColumnType[];
  /** ORDER BY list over the staged input putting the last input row first. */
  newestFirst: string;
  snapshot: Snapshot | undefined;
  key: string[];
}

const NEW_ROWS = 'lb_merge_new';
const EXISTING = 'lb_merge_existing';

export async function planMerge(db: ScratchDb, store: ObjectStore, request: MergeRequest): Promise<WritePlan> {
  const { fit, snapshot } = request;
  const keys = request.key.map((name) => {
    const input = request.inputColumns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    const column = fit.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!input || !column) throw new LakebenchError('USAGE', `merge key "${name}" is not a column of the input`, { object: store.url });
    return { input: quoteIdent(input.name), table: quoteIdent(column.name) };
  });
  await db.connection.run(
    `CREATE TABLE ${NEW_ROWS} AS SELECT ${fit.projection} FROM ${INPUT_TABLE}
       QUALIFY row_number() OVER (PARTITION BY ${keys.map((k) => `${INPUT_TABLE}.${k.input}`).join(', ')} ORDER BY ${request.newestFirst}) = 1`,
  );
  const [count] = await queryRows(db.connection, `SELECT count(*) AS n FROM ${NEW_ROWS}`);
  const inputRows = Number(count!.n);
  const newRows = `SELECT * FROM ${NEW_ROWS}`;
  if (!snapshot || snapshot.files.length === 0) return { query: newRows, inputRows, removed: [], readFiles: [] };

  await createFilesView(db, store, snapshot, EXISTING);
  const sameKey = keys.map((k) => `e.${k.table} IS NOT DISTINCT FROM n.${k.table}`).join(' AND ');
  const matched = await queryRows(
    db.connection,
    `SELECT DISTINCT ${FILE_INDEX_COLUMN} AS i FROM ${EXISTING} e SEMI JOIN ${NEW_ROWS} n ON ${sameKey} ORDER BY 1`,
  );
  const removed = matched.map((row) => snapshot.files[Number(row.i)]!);
  if (removed.length === 0) return { query: newRows, inputRows, removed, readFiles: snapshot.files };

  const oldColumns = new Set(snapshot.schema.fields.map((f) => f.name));
  const keptColumns = fit.columns.map(({ name, type }) =>
    oldColumns.has(name) ? `e.${quoteIdent(name)}` : `CAST(NULL AS ${type}) AS ${quoteIdent(name)}`,
  );
  const rewritten = matched.map((row) => String(row.i)).join(', ');
  const keptRows =
    `SELECT ${keptColumns.join(', ')} FROM ${EXISTING} e ANTI JOIN ${NEW_ROWS} n ON ${sameKey}` +
    ` WHERE e.${FILE_INDEX_COLUMN} IN (${rewritten})`;
  return { query: `${keptRows} UNION ALL BY NAME ${newRows}`, inputRows, removed, readFiles: snapshot.files };
}
