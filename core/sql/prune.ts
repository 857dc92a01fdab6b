/**
 * Partition pruning for remote Delta tables: find the files a query can need before any is fetched.
 *
 * DuckDB parses the query (json_serialize_sql). When it is one SELECT over one registered table, the
 * top-level WHERE conjuncts that reference only partition columns are evaluated over a small table of
 * (file index, typed partition values); only the files that pass are fetched, and the query is rewritten
 * to read a view over those files (json_deserialize_sql). A file whose partition values fail a conjunct
 * holds no row that passes it, so the answer is unchanged. Anything else — CTEs, set operations,
 * subqueries, volatile functions, unparsable text — returns undefined: the caller then fetches every file.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddFile } from '../formats/delta/actions';
import { partitionValueToSql } from '../formats/delta/schema';
import { nameParts, quoteIdent, type SqlName } from '../sql-text';
import { partitionValueOf } from '../formats/delta/partition-values';
import { columnType, type ViewSnapshot } from './views';

/** AST nodes as json_serialize_sql writes them: plain JSON objects. */
export type AstNode = { [key: string]: unknown };

export interface PruneTarget {
  /** Name the query uses for the table (the registered view name). */
  name: string;
  partitionColumns: string[];
  /** Temp table written by partsTableSql. */
  partsTable: string;
}

export interface PrunedQuery {
  /** Indexes (into the files given to partsTableSql) of the files the query can need. */
  fileIndexes: number[];
  /** The query rewritten to read `prunedView` instead of the table. */
  sql: string;
}

const FILE_INDEX = '__lakebench_file_index';
/** Node classes whose value is not a function of one file's partition values. */
export const UNPRUNABLE_CLASSES = new Set(['SUBQUERY', 'PARAMETER', 'WINDOW', 'STAR', 'LAMBDA', 'POSITIONAL_REFERENCE', 'COLUMNS']);
/** Functions that give a different answer per row or per call. */
export const VOLATILE_FUNCTIONS = new Set(['random', 'gen_random_uuid', 'uuid', 'uuidv4', 'uuidv7', 'nextval', 'currval', 'setseed']);

/** `CREATE TEMP TABLE partsTable` with one row per file: its index and its typed partition values (never folder names). */
export function partsTableSql(partsTable: string, snapshot: ViewSnapshot, files: readonly AddFile[]): string {
  const columns = [FILE_INDEX, ...snapshot.partitionColumns].map(quoteIdent).join(', ');
  const rows = files.map((add, index) => {
    const values = snapshot.partitionColumns.map((c) => partitionValueToSql(partitionValueOf(snapshot, add, c), columnType(snapshot.schema, c)));
    return `(${[String(index), ...values].join(', ')})`;
  });
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdent(partsTable)} AS SELECT * FROM (VALUES ${rows.join(', ')}) AS t(${columns})`;
}

/**
 * A node without a place in the query text (a constant such as `true`) has query_location 2^64 − 1, which
 * JSON.parse rounds to a double that json_deserialize_sql then refuses: such locations become 0 (they only
 * place error messages).
 */
const UNKNOWN_LOCATION = /"query_location":\s*\d{16,}/g;

export async function serialize(connection: DuckDBConnection, sql: string): Promise<AstNode | undefined> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
  const parsed = JSON.parse(String(reader.getRows()[0][0]).replace(UNKNOWN_LOCATION, '"query_location":0')) as { error?: boolean; statements?: AstNode[] };
  return parsed.error || parsed.statements?.length !== 1 ? undefined : parsed.statements[0];
}

export async function deserialize(connection: DuckDBConnection, statement: AstNode): Promise<string> {
  // DuckDB marks nodes it made itself (the CAST of DATE '…') with query_location = 2^64-1, which a JS
  // number cannot hold; the rounded value fails to deserialize. The location only serves error messages.
  const json = JSON.stringify({ error: false, statements: [statement] }, (key, value: unknown) =>
    key === 'query_location' && !Number.isSafeInteger(value) ? undefined : value,
  );
  const reader = await connection.runAndReadAll('SELECT json_deserialize_sql($1::JSON)', [json]);
  return String(reader.getRows()[0][0]);
}

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null;
}

/** The single table of a plain SELECT (no CTEs), or undefined. */
export function singleTable(statement: AstNode, name: SqlName): AstNode | undefined {
  const node = statement.node;
  if (!isNode(node) || node.type !== 'SELECT_NODE') return undefined;
  const cteMap = node.cte_map as { map?: unknown[] } | undefined;
  if (cteMap?.map?.length) return undefined;
  const from = node.from_table;
  if (!isNode(from) || from.type !== 'BASE_TABLE' || from.at_clause) return undefined;
  // The FROM names the table exactly as registered: unqualified, or with its catalog and schema.
  const written = [from.catalog_name, from.schema_name, from.table_name].map((p) => String(p ?? '').toLowerCase());
  const wanted = nameParts(name).map((p) => p.toLowerCase());
  const expected = [...Array<string>(3 - wanted.length).fill(''), ...wanted];
  return written.every((part, i) => part === expected[i]) ? from : undefined;
}

export function conjunctsOf(where: AstNode): AstNode[] {
  if (where.type !== 'CONJUNCTION_AND') return [where];
  return (where.children as AstNode[]).flatMap(conjunctsOf);
}

/**
 * True when every column in the expression is a partition column of the table (qualified, if at all, by
 * the table's name or alias) and nothing in it varies per row or per call. Strips the qualifiers in place,
 * so the expression can be evaluated over the parts table.
 */
function prunable(node: unknown, partitions: Set<string>, qualifiers: Set<string>): boolean {
  if (Array.isArray(node)) return node.every((child) => prunable(child, partitions, qualifiers));
  if (!isNode(node)) return true;
  if (typeof node.class === 'string' && UNPRUNABLE_CLASSES.has(node.class)) return false;
  if (node.class === 'FUNCTION' && VOLATILE_FUNCTIONS.has(String(node.function_name).toLowerCase())) return false;
  if (node.class === 'COLUMN_REF') {
    const names = node.column_names as string[];
    const column = names[names.length - 1].toLowerCase();
    const qualified = names.length === 2 && qualifiers.has(names[0].toLowerCase());
    if (!partitions.has(column) || (names.length !== 1 && !qualified)) return false;
    node.column_names = [names[names.length - 1]];
    return true;
  }
  return Object.values(node).every((child) => prunable(child, partitions, qualifiers));
}

/**
 * The files `sql` can need and the query rewritten over `prunedView`, or undefined when the query does
 * not have the shape this can prove safe (the caller then reads every file).
 */
export async function pruneQuery(
  connection: DuckDBConnection,
  sql: string,
  target: PruneTarget,
  prunedView: string,
): Promise<PrunedQuery | undefined> {
  // Without the word WHERE there is no filter to prune by: spare the parse.
  if (target.partitionColumns.length === 0 || !/\bwhere\b/i.test(sql)) return undefined;
  const statement = await serialize(connection, sql);
  const from = statement && singleTable(statement, target.name);
  const where = (statement?.node as AstNode | undefined)?.where_clause;
  if (!statement || !from || !isNode(where)) return undefined;

  const partitions = new Set(target.partitionColumns.map((c) => c.toLowerCase()));
  const qualifiers = new Set([String(from.table_name).toLowerCase(), String(from.alias ?? '').toLowerCase()].filter(Boolean));
  // Cloned so stripping qualifiers never touches the user's statement.
  const filters = conjunctsOf(where)
    .map((conjunct) => structuredClone(conjunct))
    .filter((conjunct) => prunable(conjunct, partitions, qualifiers));
  if (filters.length === 0) return undefined;

  const selectFiles = await serialize(connection, `SELECT ${quoteIdent(FILE_INDEX)} FROM ${quoteIdent(target.partsTable)}`);
  if (!selectFiles) return undefined;
  const selectNode = selectFiles.node as AstNode;
  selectNode.where_clause =
    filters.length === 1 ? filters[0] : { class: 'CONJUNCTION', type: 'CONJUNCTION_AND', alias: '', query_location: 0, children: filters };
  const rows = (await connection.runAndReadAll(await deserialize(connection, selectFiles))).getRows();

  from.alias = from.alias || from.table_name;
  from.table_name = prunedView;
  return { fileIndexes: rows.map((row) => Number(row[0])), sql: await deserialize(connection, statement) };
}
