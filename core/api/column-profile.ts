/**
 * The column explorer's numbers: a profile of the columns of a held result (all, or those the explorer
 * shows first), computed by DuckDB over the
 * whole result table (not the rows the grid has fetched). Rounds, each aggregating all the columns it
 * covers in one scan:
 *   0. the summary: counts, nulls, min and max. The explorer shows it first: it is the cheap part
 *      (a fifth of round 1 over 1.5M rows and 12 columns; the distinct estimates are most of the rest);
 *   1. distinct estimates (HyperLogLog), and min and max on each histogram's scale;
 *   2. a histogram per number/time column (equal-width bins between that min and max) and the exact
 *      most frequent values of each text column that repeats (a group-by per column: cheaper than a
 *      top-k sketch followed by a scan counting its candidates, and exact).
 * Nested and binary columns get counts and distinct estimates only.
 */
import { quoteIdent } from '../sql-text';
import type { SqlSession } from '../sql/session';
import type { JsonValue } from '../sql/json-values';
import type { ResultColumn } from './types';
import type { ColumnKind, ColumnProfile, HistogramBin, ResultProfile, TopValue } from './workbench';
import { columnKind } from './column-kind';

const HISTOGRAM_BINS = 20;
const TOP_VALUES = 5;
/** Above this share of distinct values a column's top values say nothing (ids, free text). */
const MOSTLY_DISTINCT = 0.9;

/** The value a histogram bins: doubles for numbers, epoch milliseconds for times (one scale for all). */
function binnedValue(column: string, kind: ColumnKind, type: string): string {
  if (kind === 'number') return `${column}::DOUBLE`;
  return type === 'TIMESTAMP WITH TIME ZONE' ? `epoch_ms(${column})` : `epoch_ms(${column}::TIMESTAMP)`;
}

function numberOf(value: JsonValue | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

interface Stats {
  nonNull: number;
  distinct: number;
  min: JsonValue;
  max: JsonValue;
}

interface Bounds {
  lo: number;
  hi: number;
}

/** The SELECT list of the summary (round 0) for column i. */
function summarySelect(i: number, ident: string, kind: ColumnKind): string {
  return [`count(${ident}) AS n${i}`, ...(kind === 'other' ? [] : [`min(${ident}) AS lo${i}`, `max(${ident}) AS hi${i}`])].join(', ');
}

/** The SELECT list of round 1 for column i. */
function estimateSelect(i: number, ident: string, kind: ColumnKind, type: string): string {
  const parts = [`approx_count_distinct(${ident}) AS d${i}`];
  if (kind === 'number' || kind === 'time') parts.push(`min(${binnedValue(ident, kind, type)}) AS blo${i}`, `max(${binnedValue(ident, kind, type)}) AS bhi${i}`);
  return parts.join(', ');
}

/** Histogram rows ({key: upper edge, value: count}) as bins with both edges. */
function binsOf(entries: JsonValue | undefined, lo: number): HistogramBin[] {
  if (!Array.isArray(entries)) return [];
  let from = lo;
  return entries.map((entry) => {
    const { key, value } = entry as { key: JsonValue; value: JsonValue };
    const bin = { from, to: Number(key), count: numberOf(value) };
    from = bin.to;
    return bin;
  });
}

/**
 * The TOP_VALUES most frequent values of each of `columns`, counted exactly (a group-by per column: these
 * columns repeat, so their groups are few), ties in value order so that the list is stable between runs.
 */
function topValuesSql(source: string, columns: number[], ident: string[]): string {
  const counts = columns.map((i) => `SELECT ${i} AS i, ${ident[i]}::VARCHAR AS value, count(*) AS n FROM ${source} WHERE ${ident[i]} IS NOT NULL GROUP BY ${ident[i]}`);
  return `SELECT i, value, n FROM (${counts.join(' UNION ALL ')}) QUALIFY row_number() OVER (PARTITION BY i ORDER BY n DESC, value) <= ${TOP_VALUES} ORDER BY i, n DESC, value`;
}

/** The table holding a result: its qualified SQL name and its column names by position (they may differ from the result's). */
export interface ProfiledTable {
  name: string;
  columnNames: string[];
}

/** Round 0's answer for some columns: `total` and, per column i, `n<i>`, `lo<i>`, `hi<i>`. */
export type ProfileSummary = Record<string, JsonValue>;

/** The summary (round 0) of the result's columns: one scan of cheap aggregates. */
export async function summarizeResult(session: SqlSession, table: ProfiledTable, columns: ResultColumn[], signal?: AbortSignal): Promise<ProfileSummary> {
  const ident = table.columnNames.map(quoteIdent);
  const selects = columns.map((c, i) => summarySelect(i, ident[i], columnKind(c.type)));
  return (await session.query(`SELECT ${['count(*) AS total', ...selects].join(', ')} FROM ${table.name}`, { signal })).rows[0];
}

/** A profile of the summary alone: counts, nulls, min and max, without distinct estimates, histograms or top values. */
export function summaryProfile(columns: ResultColumn[], summary: ProfileSummary): ResultProfile {
  const rows = numberOf(summary.total);
  return {
    rows,
    columnCount: columns.length,
    columns: columns.map((_, i): ColumnProfile => {
      const kind = columnKind(columns[i].type);
      const nonNull = numberOf(summary[`n${i}`]);
      return {
        index: i,
        name: columns[i].name,
        type: columns[i].type,
        kind,
        nulls: rows - nonNull,
        ...(kind !== 'other' && nonNull > 0 && { min: summary[`lo${i}`] ?? null, max: summary[`hi${i}`] ?? null }),
      };
    }),
  };
}

/** Profiles the result's columns; `summary`: their round 0, when made already. */
export async function profileResult(session: SqlSession, table: ProfiledTable, columns: ResultColumn[], signal?: AbortSignal, summary?: ProfileSummary): Promise<ResultProfile> {
  const indexes = columns.map((_, i) => i);
  const source = table.name;
  const kinds = columns.map((c) => columnKind(c.type));
  const ident = table.columnNames.map(quoteIdent);
  const binned = columns.map((c, i) => (kinds[i] === 'number' || kinds[i] === 'time' ? binnedValue(ident[i], kinds[i], c.type) : ''));

  // Rounds 0 (unless made) and 1 in one scan: counts, nulls, min and max, distinct estimates, min and max on the histogram's scale.
  const selects = [...(summary ? [] : ['count(*) AS total', ...indexes.map((i) => summarySelect(i, ident[i], kinds[i]))]), ...indexes.map((i) => estimateSelect(i, ident[i], kinds[i], columns[i].type))];
  const first = { ...summary, ...(await session.query(`SELECT ${selects.join(', ')} FROM ${source}`, { signal })).rows[0] };
  const rows = numberOf(first.total);
  const stats: Stats[] = []; // by column index
  for (const i of indexes) {
    stats[i] = { nonNull: numberOf(first[`n${i}`]), distinct: numberOf(first[`d${i}`]), min: first[`lo${i}`] ?? null, max: first[`hi${i}`] ?? null };
  }
  // Pass 2: histograms between those bounds (one aggregate over all those columns) and the most frequent
  // values of text columns that repeat (one exact group-by per column).
  const histograms = new Map<number, HistogramBin[]>();
  const bounds = new Map<number, Bounds>();
  const binSelects: string[] = [];
  const repeating: number[] = [];
  indexes.forEach((i) => {
    const { nonNull, distinct } = stats[i];
    if (nonNull === 0) return;
    if (binned[i]) {
      const lo = Number(first[`blo${i}`]);
      const hi = Number(first[`bhi${i}`]);
      if (lo === hi) return histograms.set(i, [{ from: lo, to: hi, count: nonNull }]);
      bounds.set(i, { lo, hi });
      // Round edges read well for numbers; for times they would not fall on days.
      binSelects.push(`histogram(${binned[i]}, equi_width_bins(${lo}::DOUBLE, ${hi}::DOUBLE, ${HISTOGRAM_BINS}, ${kinds[i] === 'number'})) AS h${i}`);
    } else if (kinds[i] === 'text' && distinct < nonNull * MOSTLY_DISTINCT) {
      repeating.push(i);
    }
  });
  const [binRows, topRows] = await Promise.all([
    binSelects.length ? session.query(`SELECT ${binSelects.join(', ')} FROM ${source}`, { signal }) : undefined,
    repeating.length ? session.query(topValuesSql(source, repeating, ident), { signal }) : undefined,
  ]);
  for (const [i, { lo }] of bounds) histograms.set(i, binsOf(binRows?.rows[0][`h${i}`], lo));
  const tops = new Map<number, TopValue[]>(repeating.map((i) => [i, []]));
  for (const row of topRows?.rows ?? []) tops.get(Number(row.i))!.push({ value: String(row.value), count: numberOf(row.n) });

  return {
    rows,
    columnCount: columns.length,
    columns: indexes.map((i): ColumnProfile => {
      const { nonNull, distinct, min, max } = stats[i];
      return {
        index: i,
        name: columns[i].name,
        type: columns[i].type,
        kind: kinds[i],
        nulls: rows - nonNull,
        // HyperLogLog can overshoot a little; more distinct values than values is never right.
        distinct: Math.min(distinct, nonNull),
        ...(kinds[i] !== 'other' && nonNull > 0 && { min, max }),
        ...(histograms.has(i) && { histogram: histograms.get(i) }),
        ...(tops.has(i) && { top: tops.get(i) }),
      };
    }),
  };
}
