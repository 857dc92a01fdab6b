/**
 * The SQL of each check type over the table view `t`, with the orchestrator's counting rules
 * (formats.md §5): what a failing row is, and a sample of the offending values.
 */
import { LakebenchError } from '../errors';
import { quoteIdent, quoteLiteral } from '../sql-text';
import { CHECK_TYPES } from './check-types';
import type { QualityCheck } from './rules';

/** The view name the table gets while its checks run (custom SQL refers to it). */
export const TABLE_VIEW = 't';
export const SAMPLE_ROWS = 20;

export interface CheckQueries {
  /** A query of one row and one column: the number of failing rows. */
  failing: string;
  /** Up to SAMPLE_ROWS offending rows (or value groups). */
  sample: string;
  /** The result's details for `failing` failing rows. */
  details(failing: number, total: number): string;
}

const t = TABLE_VIEW;

/** Throws a LakebenchError (reported as the check's error) for an unknown type, a missing column or bad params. */
export function checkQueries(check: QualityCheck, columns: readonly string[], customSql?: string): CheckQueries {
  const params = check.params ?? {};
  switch (check.check_type) {
    case 'uniqueness': {
      const c = column(check, columns);
      const groups = `SELECT ${c}, count(*) AS occurrences FROM ${t} WHERE ${c} IS NOT NULL GROUP BY ${c} HAVING count(*) > 1`;
      return {
        failing: `SELECT count(*) FROM (${groups})`,
        sample: `${groups} ORDER BY occurrences DESC, ${c} LIMIT ${SAMPLE_ROWS}`,
        details: (n) => `${n} duplicated value(s) in ${check.column_name}`,
      };
    }
    case 'not_null': {
      const c = column(check, columns);
      return rowCheck(`${c} IS NULL`, (n) => `${n} null value(s) in ${check.column_name}`);
    }
    case 'accepted_values': {
      const c = column(check, columns);
      const accepted = params.accepted;
      if (!Array.isArray(accepted) || accepted.length === 0) throw paramError(check, 'params.accepted must be a non-empty list');
      const list = accepted.map((v) => literal(check, v)).join(', ');
      return rowCheck(`${c} IS NOT NULL AND ${c} NOT IN (${list})`, (n) => `${n} value(s) of ${check.column_name} not in [${accepted.join(', ')}]`);
    }
    case 'positive': {
      const c = column(check, columns);
      return rowCheck(`${c} IS NOT NULL AND ${c} <= 0`, (n) => `${n} value(s) of ${check.column_name} ≤ 0`);
    }
    case 'range': {
      const c = column(check, columns);
      const bounds: string[] = [];
      if (params.min_value !== undefined && params.min_value !== null) bounds.push(`${c} < ${literal(check, params.min_value)}`);
      if (params.max_value !== undefined && params.max_value !== null) bounds.push(`${c} > ${literal(check, params.max_value)}`);
      if (bounds.length === 0) throw paramError(check, 'range needs params.min_value, params.max_value or both');
      const span = `[${params.min_value ?? '-∞'}, ${params.max_value ?? '∞'}]`;
      return rowCheck(`${c} IS NOT NULL AND (${bounds.join(' OR ')})`, (n) => `${n} value(s) of ${check.column_name} outside ${span}`);
    }
    case 'row_count_range': {
      const min = params.min_count ?? null;
      const max = params.max_count ?? null;
      if (min === null && max === null) throw paramError(check, 'row_count_range needs params.min_count, params.max_count or both');
      const outside = [min !== null && `n < ${literal(check, min)}`, max !== null && `n > ${literal(check, max)}`].filter(Boolean).join(' OR ');
      const counted = `(SELECT count(*) AS n FROM ${t})`;
      return {
        failing: `SELECT CASE WHEN ${outside} THEN 1 ELSE 0 END FROM ${counted}`,
        sample: `SELECT n AS row_count FROM ${counted} WHERE ${outside}`,
        details: (n, total) => (n === 0 ? `${total} rows, within [${min ?? 0}, ${max ?? '∞'}]` : `${total} rows, outside [${min ?? 0}, ${max ?? '∞'}]`),
      };
    }
    case 'no_future_dates': {
      const c = column(check, columns);
      // As the orchestrator's SQL: a timestamp later than today's midnight counts as "future".
      return rowCheck(`${c} IS NOT NULL AND ${c} > current_date`, (n) => `${n} value(s) of ${check.column_name} after the current date`);
    }
    case 'custom_sql': {
      if (customSql === undefined) throw paramError(check, 'custom_sql needs params.sql');
      return {
        failing: `SELECT count(*) FROM (${customSql})`,
        sample: `SELECT * FROM (${customSql}) LIMIT ${SAMPLE_ROWS}`,
        details: (n) => (n === 0 ? 'the query returned no rows' : `the query returned ${n} row(s)`),
      };
    }
    default:
      throw new LakebenchError('USAGE', `unknown check_type "${check.check_type}" (known: ${CHECK_TYPES.join(', ')})`, {
        object: check.name,
      });
  }
}

function rowCheck(failingWhere: string, details: (n: number) => string): CheckQueries {
  return {
    failing: `SELECT count(*) FROM ${t} WHERE ${failingWhere}`,
    sample: `SELECT * FROM ${t} WHERE ${failingWhere} LIMIT ${SAMPLE_ROWS}`,
    details,
  };
}

/** The check's column, quoted as the table spells it; an error naming the columns when it has none such. */
function column(check: QualityCheck, columns: readonly string[]): string {
  if (!check.column_name) throw paramError(check, `${check.check_type} needs column_name`);
  const found = columns.find((c) => c.toLowerCase() === check.column_name!.toLowerCase());
  if (!found) throw new LakebenchError('NOT_FOUND', `column "${check.column_name}" is not in the table (columns: ${columns.join(', ')})`, { object: check.name });
  return quoteIdent(found);
}

function literal(check: QualityCheck, value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return quoteLiteral(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  throw paramError(check, `${JSON.stringify(value)} is not a number, string or boolean`);
}

function paramError(check: QualityCheck, message: string): LakebenchError {
  return new LakebenchError('USAGE', message, { object: check.name });
}
