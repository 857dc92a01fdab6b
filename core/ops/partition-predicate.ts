/**
 * Predicates over partition columns, decided per file from the log's partition values without reading
 * any data (delete removes whole partitions this way; compact picks the partitions to work on).
 */
import type { AddFile } from '../formats/delta/actions';
import { partitionValueToSql } from '../formats/delta/schema';
import type { Snapshot } from '../formats/delta/table';
import { quoteIdent, quoteLiteral } from '../sql-text';
import { partitionValueOf } from '../formats/delta/partition-values';
import { columnType } from '../sql/views';
import type { ScratchDb } from './scratch-db';

const PARTITIONS_TABLE = 'lb_partition_values';
const FILE_INDEX = '__lb_file_index';

/**
 * The files among `files` whose partition values satisfy `predicate`. Throws DuckDB's binder error when
 * the predicate names a column other than the partition columns (or is not valid SQL).
 */
export async function filesMatchingPartitions(
  db: ScratchDb,
  snapshot: Snapshot,
  files: readonly AddFile[],
  predicate: string,
): Promise<AddFile[]> {
  if (files.length === 0) return [];
  const columns = snapshot.partitionColumns;
  const rows = files.map((file, index) => {
    const values = columns.map((name) => partitionValueToSql(partitionValueOf(snapshot, file, name), columnType(snapshot.schema, name)));
    return `(${[String(index), ...values].join(', ')})`;
  });
  await db.connection.run(
    `CREATE OR REPLACE TEMP TABLE ${PARTITIONS_TABLE} AS SELECT * FROM (VALUES ${rows.join(', ')})
       v(${[FILE_INDEX, ...columns].map(quoteIdent).join(', ')})`,
  );
  const hits = await runPredicateQuery(db, `SELECT ${FILE_INDEX} AS i FROM ${PARTITIONS_TABLE} WHERE (${predicate})`);
  return hits.map((row) => files[Number(row.i)]!);
}

/**
 * The column names a predicate refers to, from DuckDB's own parser (json_serialize_sql), so that a
 * filter meant for partition columns can be refused naming the data column it touches. Throws the
 * parser's message when the text is not a single valid expression.
 */
export async function predicateColumns(db: ScratchDb, predicate: string): Promise<string[]> {
  const [row] = await runPredicateQuery(db, `SELECT json_serialize_sql(${quoteLiteral(`SELECT 1 WHERE (${predicate})`)}) AS tree`);
  const tree = JSON.parse(String(row!.tree)) as { error?: boolean; error_message?: string; statements?: unknown[] };
  if (tree.error || tree.statements?.length !== 1) throw new Error(tree.error_message ?? 'not a single expression');
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.class === 'COLUMN_REF' && Array.isArray(record.column_names)) names.add(String(record.column_names[0]));
      Object.values(record).forEach(walk);
    }
  };
  walk(tree.statements);
  return [...names];
}

/** A prepared statement runs exactly one statement: a predicate cannot smuggle in a second one. */
export async function runPredicateQuery(db: ScratchDb, sql: string): Promise<Record<string, unknown>[]> {
  const prepared = await db.connection.prepare(sql);
  return (await prepared.runAndReadAll()).getRowObjectsJS();
}
