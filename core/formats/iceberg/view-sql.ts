/**
 * The DuckDB view of an Iceberg snapshot over local copies of its files. Pure: paths and plan in,
 * SQL text out, so every rule is testable without I/O.
 *
 * - Columns are read by field id: read_parquet's `schema` option maps each id to the column's name
 *   and type at the snapshot (so renames and type promotions are right) and gives columns a file
 *   lacks their initial default (or NULL). Files written without field ids are read by the names the
 *   table's name mapping gives each id; files needing per-file constants (identity partition values of
 *   columns missing from the file) are read in groups sharing those constants.
 * - Position deletes and deletion vectors: an anti-join on (file, file_row_number). A delete row names
 *   its data file by recorded path; it counts only for data files whose sequence number is ≤ the
 *   delete file's, which the join through the data files' (recorded path, local path, sequence) enforces.
 * - Equality deletes: a row is gone when a delete file of a higher sequence number, in its partition
 *   (or global, for an unpartitioned delete spec), holds equal values (nulls equal) in the delete's columns.
 */
import { quoteIdent, quoteLiteral, quoteLiteralList, quoteName, type SqlName } from '../../sql-text';
import type { PositionRanges } from './deletion-vector';

export interface ViewColumn {
  fieldId: number;
  name: string;
  /** DuckDB type of the column at the snapshot. */
  duckdbType: string;
  /** SQL for rows of files lacking the column: its initial default, or a typed NULL. */
  missingSql: string;
}

export interface ViewDataFile {
  /** Local path DuckDB reads. */
  path: string;
  /** Recorded location in canonical form (paths.ts), as position deletes name it. */
  recordedPath: string;
  sequenceNumber: number;
  /** Partition identity (spec id and tuple), for equality delete scoping. */
  partitionKey: string;
  /** For files without field ids: the file's column name for each field id it holds (name mapping). */
  physicalNames?: ReadonlyMap<number, string>;
  /** SQL values of columns the file lacks but its partition fixes (identity transforms), by field id. */
  constants?: ReadonlyMap<number, string>;
}

export interface ViewPositionDeletes {
  path: string;
  sequenceNumber: number;
}

export interface ViewDeletionVector {
  /** Local path of the data file the vector belongs to. */
  dataPath: string;
  ranges: PositionRanges;
}

export interface ViewEqualityDeletes {
  path: string;
  sequenceNumber: number;
  /** Undefined for deletes of an unpartitioned spec, which apply in every partition. */
  partitionKey?: string;
  equalityIds: number[];
}

export interface IcebergViewInput {
  columns: ViewColumn[];
  files: ViewDataFile[];
  positionDeletes?: ViewPositionDeletes[];
  deletionVectors?: ViewDeletionVector[];
  equalityDeletes?: ViewEqualityDeletes[];
  /** Columns equality deletes compare that the snapshot's schema no longer has (dropped), by field id. */
  extraColumns?: ViewColumn[];
}

const FILE = '__lakebench_file';
const ROW = 'file_row_number';
const DELETE_FILE = '__lakebench_delete';
const SEQ = '__lakebench_seq';
const PART = '__lakebench_partition';
const DATA = '__lakebench_data';
const INFO = '__lakebench_info';

const eqColumn = (id: number) => `__lakebench_eq_${id}`;

/** A SQL expression of a recorded path in canonical form (paths.ts canonicalLocation, in SQL). */
function canonicalSql(expr: string): string {
  return `regexp_replace(regexp_replace(regexp_replace(${expr}, '^s3[an]?://', 's3://', 'i'), '^file:(//)?/', '/', 'i'), '/+$', '')`;
}

/** One entry of read_parquet's `schema` map. Defaults go in as text (the map needs one value type); DuckDB casts them back. */
function structEntry(column: ViewColumn, name: string, defaultSql: string): string {
  return `${column.fieldId}: {name: ${quoteLiteral(name)}, type: ${quoteLiteral(column.duckdbType)}, default_value: CAST((${defaultSql}) AS VARCHAR)}`;
}

/** One read_parquet over files sharing how their columns are found. */
function groupSql(columns: ViewColumn[], files: ViewDataFile[], withRowIds: boolean): string {
  const [first] = files;
  const extra = withRowIds ? `, filename = ${quoteLiteral(FILE)}, ${ROW} = true` : '';
  const list = quoteLiteralList(files.map((f) => f.path));
  const valueOf = (column: ViewColumn) => first!.constants?.get(column.fieldId) ?? column.missingSql;
  if (!first!.physicalNames) {
    const schema = columns.map((c) => structEntry(c, c.name, valueOf(c))).join(', ');
    return `SELECT * FROM read_parquet(${list}, schema = MAP {${schema}}, hive_partitioning = false${extra})`;
  }
  const names = first!.physicalNames;
  const select = columns.map((c) => {
    const physical = names.get(c.fieldId);
    const expr = physical === undefined ? valueOf(c) : `CAST(${quoteIdent(physical)} AS ${c.duckdbType})`;
    return `${expr} AS ${quoteIdent(c.name)}`;
  });
  if (withRowIds) select.push(quoteIdent(FILE), ROW);
  return `SELECT ${select.join(', ')} FROM read_parquet(${list}, union_by_name = true, hive_partitioning = false${extra})`;
}

function groupKey(file: ViewDataFile): string {
  return JSON.stringify([file.physicalNames ? [...file.physicalNames] : null, file.constants ? [...file.constants] : null]);
}

function valuesSql(rows: string[][], alias: string, columns: string[]): string {
  return `(VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}) AS ${alias}(${columns.map(quoteIdent).join(', ')})`;
}

/** Rows (file, pos) to remove: position delete rows scoped by sequence number, and deletion vectors. */
function positionDeletesSql(input: IcebergViewInput): string | undefined {
  const parts: string[] = [];
  const deletes = input.positionDeletes ?? [];
  if (deletes.length > 0) {
    const deleteFiles = valuesSql(deletes.map((d) => [quoteLiteral(d.path), String(d.sequenceNumber)]), 'dl', ['path', 'seq']);
    const dataFiles = valuesSql(
      input.files.map((f) => [quoteLiteral(f.recordedPath), quoteLiteral(f.path), String(f.sequenceNumber)]),
      'df',
      ['recorded', 'path', 'seq'],
    );
    parts.push(
      `SELECT df.path AS f, d.pos AS pos FROM read_parquet(${quoteLiteralList(deletes.map((d) => d.path))}, union_by_name = true, ` +
        `hive_partitioning = false, filename = ${quoteLiteral(DELETE_FILE)}) AS d ` +
        `JOIN ${deleteFiles} ON d.${quoteIdent(DELETE_FILE)} = dl.path ` +
        `JOIN ${dataFiles} ON ${canonicalSql('d.file_path')} = df.recorded AND df.seq <= dl.seq`,
    );
  }
  const vectors = (input.deletionVectors ?? []).filter((v) => v.ranges.length > 0);
  if (vectors.length > 0) {
    const rows = vectors.flatMap((v) => v.ranges.map(([first, last]) => [quoteLiteral(v.dataPath), `${first}::BIGINT`, `${last}::BIGINT`]));
    parts.push(`SELECT dv.f AS f, unnest(generate_series(dv.first, dv.last)) AS pos FROM ${valuesSql(rows, 'dv', ['f', 'first', 'last'])}`);
  }
  return parts.length === 0 ? undefined : parts.join(' UNION ALL ');
}

/** One NOT EXISTS per set of equality ids. */
function equalityConditions(input: IcebergViewInput, columnOf: (id: number) => { column: ViewColumn; name: string }): string[] {
  const bySet = new Map<string, ViewEqualityDeletes[]>();
  for (const d of input.equalityDeletes ?? []) {
    const key = [...d.equalityIds].sort((a, b) => a - b).join(',');
    bySet.set(key, [...(bySet.get(key) ?? []), d]);
  }
  return [...bySet.values()].map((deletes) => {
    const ids = deletes[0]!.equalityIds;
    const schema = ids.map((id) => structEntry(columnOf(id).column, `c${id}`, 'NULL')).join(', ');
    const files = valuesSql(
      deletes.map((d) => [quoteLiteral(d.path), String(d.sequenceNumber), d.partitionKey === undefined ? 'NULL::VARCHAR' : quoteLiteral(d.partitionKey)]),
      'dl',
      ['path', SEQ, PART],
    );
    const rows =
      `SELECT e.*, dl.${SEQ}, dl.${PART} FROM read_parquet(${quoteLiteralList(deletes.map((d) => d.path))}, schema = MAP {${schema}}, ` +
      `hive_partitioning = false, filename = ${quoteLiteral(DELETE_FILE)}) AS e JOIN ${files} ON e.${quoteIdent(DELETE_FILE)} = dl.path`;
    const matches = ids.map((id) => `e.${quoteIdent(`c${id}`)} IS NOT DISTINCT FROM ${DATA}.${quoteIdent(columnOf(id).name)}`);
    return (
      `NOT EXISTS (SELECT 1 FROM (${rows}) AS e WHERE e.${SEQ} > ${INFO}.seq ` +
      `AND (e.${PART} IS NULL OR e.${PART} = ${INFO}.part) AND ${matches.join(' AND ')})`
    );
  });
}

/** `CREATE OR REPLACE VIEW name AS …` reading exactly the given files with their deletes applied. */
export function icebergViewSql(name: SqlName, input: IcebergViewInput): string {
  const projection = input.columns.map((c) => `${DATA}.${quoteIdent(c.name)}`);
  if (input.files.length === 0) {
    const empty = input.columns.map((c) => `CAST(NULL AS ${c.duckdbType}) AS ${quoteIdent(c.name)}`);
    return `CREATE OR REPLACE VIEW ${quoteName(name)} AS SELECT ${empty.join(', ')} WHERE false`;
  }
  // Equality-delete columns dropped from the schema are still read, under hidden names.
  const extra = (input.extraColumns ?? []).map((c) => ({ ...c, name: eqColumn(c.fieldId) }));
  const readColumns = [...input.columns, ...extra];
  const columnOf = (id: number) => {
    const column = readColumns.find((c) => c.fieldId === id)!;
    return { column, name: column.name };
  };
  const positions = positionDeletesSql(input);
  const equalities = equalityConditions(input, columnOf);
  const withRowIds = positions !== undefined || equalities.length > 0;

  const groups = new Map<string, ViewDataFile[]>();
  for (const file of input.files) groups.set(groupKey(file), [...(groups.get(groupKey(file)) ?? []), file]);
  const data = [...groups.values()].map((files) => groupSql(readColumns, files, withRowIds)).join(' UNION ALL BY NAME ');

  let from = `(${data}) AS ${DATA}`;
  const conditions: string[] = [];
  if (positions !== undefined) {
    conditions.push(
      `NOT EXISTS (SELECT 1 FROM (${positions}) AS p WHERE p.f = ${DATA}.${quoteIdent(FILE)} AND p.pos = ${DATA}.${ROW})`,
    );
  }
  if (equalities.length > 0) {
    const info = valuesSql(
      input.files.map((f) => [quoteLiteral(f.path), String(f.sequenceNumber), quoteLiteral(f.partitionKey)]),
      INFO,
      ['path', 'seq', 'part'],
    );
    from += ` JOIN ${info} ON ${INFO}.path = ${DATA}.${quoteIdent(FILE)}`;
    conditions.push(...equalities);
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return `CREATE OR REPLACE VIEW ${quoteName(name)} AS SELECT ${projection.join(', ')} FROM ${from}${where}`;
}
