/**
 * The results grid's filters and the SQL they become: each filter is one condition on one column, the
 * conditions are ANDed into a WHERE clause, and the filtered result is the original statement wrapped
 * in a SELECT (the engine runs it as a new query, so sorting, profiles and exports see the filtered rows).
 */
import { quoteIdent, quoteLiteral } from '../../../core/sql-text';

export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'starts with' | 'is null' | 'is not null';

export const FILTER_OPS: readonly FilterOp[] = ['=', '!=', '<', '<=', '>', '>=', 'contains', 'starts with', 'is null', 'is not null'];

export interface ResultFilter {
  column: string;
  op: FilterOp;
  /** The value as typed (absent for the null tests). */
  value?: string;
  /** Compare the column cast to this type (time ranges compare as TIMESTAMP, whatever the column's time type). */
  cast?: 'TIMESTAMP';
}

/** Whether `op` needs a value. */
export function takesValue(op: FilterOp): boolean {
  return op !== 'is null' && op !== 'is not null';
}

const NUMBER = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

/** A typed value as a SQL literal: numbers stay numbers, everything else a string DuckDB casts to the column's type. */
function literal(value: string): string {
  return NUMBER.test(value.trim()) ? value.trim() : quoteLiteral(value);
}

/** One filter as a SQL condition. */
export function filterCondition(filter: ResultFilter): string {
  const column = filter.cast ? `${quoteIdent(filter.column)}::${filter.cast}` : quoteIdent(filter.column);
  const value = filter.value ?? '';
  switch (filter.op) {
    case 'is null':
      return `${column} IS NULL`;
    case 'is not null':
      return `${column} IS NOT NULL`;
    case 'contains':
      return `${column}::VARCHAR ILIKE ${quoteLiteral(`%${escapeLike(value)}%`)} ESCAPE '\\'`;
    case 'starts with':
      return `${column}::VARCHAR LIKE ${quoteLiteral(`${escapeLike(value)}%`)} ESCAPE '\\'`;
    default:
      return `${column} ${filter.op} ${literal(value)}`;
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The WHERE clause of `filters` (without the keyword), '' when there are none. */
export function whereClause(filters: readonly ResultFilter[]): string {
  return filters.map(filterCondition).join(' AND ');
}

/** The statement `sql` filtered: its rows that pass every filter. */
export function filteredSql(sql: string, filters: readonly ResultFilter[]): string {
  if (filters.length === 0) return sql;
  const statement = sql.replace(/[\s;]+$/, '');
  // The newline ends a trailing `-- comment` in the statement before the closing parenthesis.
  return `SELECT * FROM (\n${statement}\n) AS filtered WHERE ${whereClause(filters)}`;
}

/** A histogram bar as filters: (from, to], the first bar from its lower edge inclusive. */
export function rangeFilters(column: string, bar: { from: string; to: string; first: boolean; cast?: 'TIMESTAMP' }): ResultFilter[] {
  const { from, to, first, cast } = bar;
  return [
    { column, op: first ? '>=' : '>', value: from, ...(cast && { cast }) },
    { column, op: '<=', value: to, ...(cast && { cast }) },
  ];
}
