/**
 * The column explorer's numbers: a profile of every column of a held result, computed by DuckDB over the
 * whole result table (not the rows the grid has fetched). Three scans at most, each one aggregate over
 * all columns at once, because one pass over 12 columns costs about what one pass over one column does:
 *   1. counts, nulls, distinct estimates (HyperLogLog), min and max;
 *   2. a histogram per number/time column (equal-width bins between that min and max) and the most
 *      frequent candidates per text column (approx_top_k, a space-saving sketch);
 *   3. the exact counts of those candidates.
 * Nested and binary columns get counts and distinct estimates only.
 */
import { quoteIdent, quoteLiteral } from '../sql-text';
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

/** The SELECT list of pass 1 for column i. */
function statsSelect(i: number, ident: string, kind: ColumnKind, type: string): string {
  const parts = [`count(${ident}) AS n${i}`, `approx_count_distinct(${ident}) AS d${i}`];
  if (kind !== 'other') parts.push(`min(${ident}) AS lo${i}`, `max(${ident}) AS hi${i}`);
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

/** The table holding a result: its qualified SQL name and its column names by position (they may differ from the result's). */
export interface ProfiledTable {
  name: string;
  columnNames: string[];
}

export async function profileResult(session: SqlSession, table: ProfiledTable, columns: ResultColumn[], signal?: AbortSignal): Promise<ResultProfile> {
  const source = table.name;
  const kinds = columns.map((c) => columnKind(c.type));
  const ident = table.columnNames.map(quoteIdent);
  const binned = columns.map((c, i) => (kinds[i] === 'number' || kinds[i] === 'time' ? binnedValue(ident[i], kinds[i], c.type) : ''));

  // Pass 1: counts, nulls, distinct estimates, min and max (also on the histogram's scale).
  const selects = columns.map((c, i) => statsSelect(i, ident[i], kinds[i], c.type));
  const first = (await session.query(`SELECT count(*) AS total, ${selects.join(', ')} FROM ${source}`, { signal })).rows[0];
  const rows = numberOf(first.total);
  const stats: Stats[] = columns.map((_, i) => ({
    nonNull: numberOf(first[`n${i}`]),
    distinct: numberOf(first[`d${i}`]),
    min: first[`lo${i}`] ?? null,
    max: first[`hi${i}`] ?? null,
  }));

  // Pass 2: histograms between those bounds; top-value candidates of text columns that repeat.
  const histograms = new Map<number, HistogramBin[]>();
  const bounds = new Map<number, Bounds>();
  const second: string[] = [];
  columns.forEach((_, i) => {
    const { nonNull, distinct } = stats[i];
    if (nonNull === 0) return;
    if (binned[i]) {
      const lo = Number(first[`blo${i}`]);
      const hi = Number(first[`bhi${i}`]);
      if (lo === hi) return histograms.set(i, [{ from: lo, to: hi, count: nonNull }]);
      bounds.set(i, { lo, hi });
      // Round edges read well for numbers; for times they would not fall on days.
      second.push(`histogram(${binned[i]}, equi_width_bins(${lo}::DOUBLE, ${hi}::DOUBLE, ${HISTOGRAM_BINS}, ${kinds[i] === 'number'})) AS h${i}`);
    } else if (kinds[i] === 'text' && distinct < nonNull * MOSTLY_DISTINCT) {
      second.push(`approx_top_k(${ident[i]}::VARCHAR, ${TOP_VALUES}) AS top${i}`);
    }
  });
  const candidates = new Map<number, string[]>();
  if (second.length) {
    const row = (await session.query(`SELECT ${second.join(', ')} FROM ${source}`, { signal })).rows[0];
    for (const [i, { lo }] of bounds) histograms.set(i, binsOf(row[`h${i}`], lo));
    columns.forEach((_, i) => {
      const top = row[`top${i}`];
      if (Array.isArray(top)) candidates.set(i, top.map(String));
    });
  }

  // Pass 3: the exact counts of the candidates (the sketch only ranks them).
  const tops = new Map<number, TopValue[]>();
  const third = [...candidates].flatMap(([i, values]) =>
    values.map((value, k) => `count(*) FILTER (WHERE ${ident[i]}::VARCHAR = ${quoteLiteral(value)}) AS t${i}_${k}`),
  );
  if (third.length) {
    const row = (await session.query(`SELECT ${third.join(', ')} FROM ${source}`, { signal })).rows[0];
    for (const [i, values] of candidates) {
      const counted = values.map((value, k) => ({ value, count: numberOf(row[`t${i}_${k}`]) }));
      // Ties in value order, so that the list is stable between runs.
      tops.set(i, counted.filter((t) => t.count > 0).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)));
    }
  }

  return {
    rows,
    columns: columns.map((column, i): ColumnProfile => {
      const { nonNull, distinct, min, max } = stats[i];
      return {
        name: column.name,
        type: column.type,
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
