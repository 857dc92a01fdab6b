/**
 * The rows that differ between two versions of a table, computed by DuckDB over the two versions' views.
 * Whole rows: a multiset difference each way (EXCEPT ALL, so a duplicated row counts as often as it
 * occurs). By a key: a FULL OUTER JOIN on the key, so an updated row is one changed row naming the columns
 * that changed rather than one removed and one added. Either way the differing rows go into one temporary
 * table (`kind`, the `from` side's columns f0…, the `to` side's t0…), from which the counts, the counts per
 * partition and the samples are read: the versions are scanned once.
 */
import { LakebenchError } from '../errors';
import { requireView } from '../formats/capabilities';
import { quoteIdent, quoteLiteral } from '../sql-text';
import type { SqlSession } from '../sql/session';
import type { LakebenchApi } from './api';
import type { ChangedRow, DiffRow, JsonValue, PartitionDiff, RowDiffArgs, RowDiffCounts, RowDiffResult } from './workbench';

const DEFAULT_SAMPLE = 20;
const MAX_PARTITIONS = 1000;
const DIFF_TABLE = 'lakebench_row_diff';
type DiffKind = keyof RowDiffCounts;

/** The compared columns' names, and their SQL on each side of the diff table. */
interface DiffColumns {
  names: string[];
  from: string[];
  to: string[];
}

const diffColumns = (names: string[]): DiffColumns => ({ names, from: names.map((_, i) => `f${i}`), to: names.map((_, i) => `t${i}`) });

/** `SELECT "a" AS c0, "b" AS c1 … FROM view`: positions instead of names, so any column name is safe. */
const byPosition = (names: string[], view: string, extra = ''): string => `SELECT ${names.map((n, i) => `${quoteIdent(n)} AS c${i}`).join(', ')}${extra} FROM ${view}`;

function wholeRowSql(columns: DiffColumns): string {
  const side = (alias: string[]) => alias.map((a, i) => `c${i} AS ${a}`).join(', ');
  const except = (left: string, right: string) => `(${byPosition(columns.names, left)} EXCEPT ALL ${byPosition(columns.names, right)})`;
  return `SELECT 'added' AS kind, ${side(columns.to)} FROM ${except('version_to', 'version_from')}
          UNION ALL BY NAME
          SELECT 'removed' AS kind, ${side(columns.from)} FROM ${except('version_from', 'version_to')}`;
}

function keyedSql(columns: DiffColumns, key: string[]): string {
  const at = (name: string) => columns.names.indexOf(name);
  const on = key.map((k) => `f.c${at(k)} IS NOT DISTINCT FROM t.c${at(k)}`).join(' AND ');
  const others = columns.names.map((name, i) => ({ name, i })).filter(({ name }) => !key.includes(name));
  const differs = others.map(({ i }) => `f.c${i} IS DISTINCT FROM t.c${i}`);
  const changedList = others.length
    ? `[x FOR x IN [${others.map(({ name }, j) => `CASE WHEN ${differs[j]} THEN ${quoteLiteral(name)} END`).join(', ')}] IF x IS NOT NULL]`
    : '[]::VARCHAR[]';
  const sides = [...columns.from.map((a, i) => `f.c${i} AS ${a}`), ...columns.to.map((a, i) => `t.c${i} AS ${a}`)].join(', ');
  return `SELECT CASE WHEN f.present IS NULL THEN 'added' WHEN t.present IS NULL THEN 'removed' ELSE 'changed' END AS kind,
                 ${sides}, ${changedList} AS changed
          FROM (${byPosition(columns.names, 'version_from', ', true AS present')}) f
          FULL OUTER JOIN (${byPosition(columns.names, 'version_to', ', true AS present')}) t ON ${on}
          WHERE f.present IS NULL OR t.present IS NULL${differs.length ? ` OR ${differs.join(' OR ')}` : ''}`;
}

/** A key must name one row per version, or "changed" would pair rows at random. */
async function requireUniqueKey(session: SqlSession, key: string[], args: RowDiffArgs, location: string): Promise<void> {
  const keys = key.map(quoteIdent).join(', ');
  const repeated = (view: string) => `(SELECT count(*) FROM (SELECT ${keys} FROM ${view} GROUP BY ALL HAVING count(*) > 1))::BIGINT`;
  const [row] = (await session.query(`SELECT ${repeated('version_from')} AS "from", ${repeated('version_to')} AS "to"`)).rows;
  for (const side of ['from', 'to'] as const) {
    const count = Number(row[side]);
    if (count > 0) {
      throw new LakebenchError(
        'USAGE',
        `key (${key.join(', ')}) is not unique in version ${args[side]}: ${count} key ${count === 1 ? 'value occurs' : 'values occur'} more than once; pick columns that identify one row, or compare whole rows`,
        { object: location },
      );
    }
  }
}

/** One side's columns of a diff row, by name. */
const sideRow = (row: Record<string, JsonValue>, names: string[], aliases: string[]): DiffRow => Object.fromEntries(names.map((n, i) => [n, row[aliases[i]]]));

/** The side a row of this kind is read from: a removed row exists only in `from`. */
const sideOf = (columns: DiffColumns, kind: DiffKind): string[] => (kind === 'removed' ? columns.from : columns.to);

async function samples(session: SqlSession, columns: DiffColumns, key: string[], limit: number): Promise<RowDiffResult['sample']> {
  const read = async (kind: DiffKind) => {
    if (limit === 0) return [];
    // Ordered so that the sample is the same on every run.
    const order = (key.length ? key.map((k) => columns.names.indexOf(k)) : columns.names.map((_, i) => i)).map((i) => sideOf(columns, kind)[i]);
    return (await session.query(`SELECT * FROM ${DIFF_TABLE} WHERE kind = '${kind}' ORDER BY ${order.join(', ')} LIMIT ${limit}`)).rows;
  };
  const [added, removed, changed] = await Promise.all([read('added'), read('removed'), read('changed')]);
  const whole = (kind: DiffKind) => (row: Record<string, JsonValue>) => sideRow(row, columns.names, sideOf(columns, kind));
  return {
    added: added.map(whole('added')),
    removed: removed.map(whole('removed')),
    changed: changed.map((row): ChangedRow => {
      const before = sideRow(row, columns.names, columns.from);
      return {
        key: Object.fromEntries(key.map((k) => [k, before[k]])),
        before,
        after: sideRow(row, columns.names, columns.to),
        columns: (row.changed as string[]) ?? [],
      };
    }),
  };
}

const countsSelect = "count(*) FILTER (kind = 'added') AS added, count(*) FILTER (kind = 'removed') AS removed, count(*) FILTER (kind = 'changed') AS changed";

const countsOf = (row: Record<string, JsonValue>): RowDiffCounts => ({ added: Number(row.added), removed: Number(row.removed), changed: Number(row.changed) });

async function partitionCounts(session: SqlSession, columns: DiffColumns, partitionColumns: string[]): Promise<{ partitions: PartitionDiff[]; count: number }> {
  if (!partitionColumns.length) return { partitions: [], count: 0 };
  const values = partitionColumns.map((name, p) => {
    const i = columns.names.indexOf(name);
    return `CASE WHEN kind = 'removed' THEN f${i} ELSE t${i} END AS p${p}`;
  });
  const groups = partitionColumns.map((_, p) => `p${p}`).join(', ');
  const { rows } = await session.query(
    `SELECT ${groups}, ${countsSelect}, count(*) OVER () AS partition_count FROM (SELECT kind, ${values.join(', ')} FROM ${DIFF_TABLE})
     GROUP BY ${groups} ORDER BY ${groups} LIMIT ${MAX_PARTITIONS}`,
  );
  return {
    partitions: rows.map((row) => ({ partition: Object.fromEntries(partitionColumns.map((name, p) => [name, row[`p${p}`]])), ...countsOf(row) })),
    count: rows.length ? Number(rows[0].partition_count) : 0,
  };
}

export async function diffRows(api: LakebenchApi, args: RowDiffArgs): Promise<RowDiffResult> {
  const { from, to, key = [], limit = DEFAULT_SAMPLE, ...where } = args;
  const table = await api.openTable(where);
  requireView(table.format, 'compare', table.store.url);
  const [schemaFrom, schemaTo] = await Promise.all([api.schema({ ...where, version: from }), api.schema({ ...where, version: to })]);
  const toNames = new Set(schemaTo.fields.map((f) => f.name));
  const columns = diffColumns(schemaFrom.fields.map((f) => f.name).filter((name) => toNames.has(name)));
  const location = schemaTo.location;
  if (!columns.names.length) throw new LakebenchError('USAGE', `version ${from} and version ${to} have no column in common: nothing to compare`, { object: location });
  const missing = key.filter((k) => !columns.names.includes(k));
  if (missing.length) {
    throw new LakebenchError('USAGE', `key column ${missing.join(', ')} is not a column of both version ${from} and version ${to} (columns: ${columns.names.join(', ')})`, {
      object: location,
    });
  }
  const partitionColumns = schemaTo.partitionColumns.filter((c) => columns.names.includes(c));

  const session = await api.openSqlSession({
    tables: [
      { ...where, name: 'version_from', version: from },
      { ...where, name: 'version_to', version: to },
    ],
  });
  try {
    if (key.length) await requireUniqueKey(session, key, args, location);
    await session.run(`CREATE TEMP TABLE ${DIFF_TABLE} AS ${key.length ? keyedSql(columns, key) : wholeRowSql(columns)}`);
    const [totals] = (await session.query(`SELECT ${countsSelect} FROM ${DIFF_TABLE}`)).rows;
    const partitions = await partitionCounts(session, columns, partitionColumns);
    return {
      location,
      from: schemaFrom.version ?? from,
      to: schemaTo.version ?? to,
      key,
      columns: columns.names,
      partitionColumns,
      ...countsOf(totals),
      partitions: partitions.partitions,
      partitionCount: partitions.count,
      sample: await samples(session, columns, key, limit),
    };
  } finally {
    session.close();
  }
}
