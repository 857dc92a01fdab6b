/**
 * Runs a rule set against one table version registered as `t` in a SQL session. Each check ends passed,
 * failed or error; an error (unknown type, missing column, bad params, SQL error, custom SQL that is not
 * a single SELECT) is reported for that check with its message, and the other checks still run.
 */
import { isLakebenchError, LakebenchError } from '../errors';
import type { JsonValue } from '../sql/json-values';
import type { SqlSession } from '../sql/session';
import { quoteLiteral } from '../sql-text';
import { checkQueries, TABLE_VIEW } from './checks';
import type { QualityCheck } from './rules';

export type CheckStatus = 'passed' | 'failed' | 'error';

/** One check's outcome: the orchestrator's `_quality_results` fields, plus a sample of failing rows. */
export interface QualityResult {
  check_name: string;
  check_type: string;
  column_name: string | null;
  status: CheckStatus;
  failing_rows: number;
  total_rows: number;
  /** At most DETAILS_CHARS characters, as the orchestrator keeps. */
  details: string;
  failing_sample: Record<string, JsonValue>[];
}

const DETAILS_CHARS = 1000;

export async function runChecks(session: SqlSession, checks: QualityCheck[], signal?: AbortSignal): Promise<QualityResult[]> {
  const columns = (await session.query(`DESCRIBE ${TABLE_VIEW}`, { signal })).rows.map((r) => String(r.column_name));
  const total = Number((await session.query(`SELECT count(*) AS n FROM ${TABLE_VIEW}`, { signal })).rows[0]!.n);
  const results: QualityResult[] = [];
  for (const check of checks) {
    const base = { check_name: check.name, check_type: check.check_type, column_name: check.column_name ?? null, total_rows: total };
    try {
      const customSql = check.check_type === 'custom_sql' ? await readOnlySelect(session, check, signal) : undefined;
      const queries = checkQueries(check, columns, customSql);
      const failing = Number(Object.values((await session.query(queries.failing, { signal })).rows[0]!)[0]);
      const sample = failing > 0 ? (await session.query(queries.sample, { signal })).rows : [];
      results.push({ ...base, status: failing > 0 ? 'failed' : 'passed', failing_rows: failing, details: clip(queries.details(failing, total)), failing_sample: sample });
    } catch (e) {
      if (isLakebenchError(e, 'CANCELLED')) throw e;
      results.push({ ...base, status: 'error', failing_rows: 0, details: clip(e instanceof Error ? e.message : String(e)), failing_sample: [] });
    }
  }
  return results;
}

/**
 * The custom SQL, when it is one SELECT. DuckDB's own parser decides (json_serialize_sql serializes
 * SELECT statements only), so INSERT, COPY, CREATE, ATTACH, PRAGMA or a second statement are refused
 * before anything runs.
 */
async function readOnlySelect(session: SqlSession, check: QualityCheck, signal?: AbortSignal): Promise<string> {
  const sql = check.params?.sql;
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw new LakebenchError('USAGE', 'custom_sql needs params.sql (a SELECT over the table `t`)', { object: check.name });
  }
  const text = sql.trim().replace(/;\s*$/, '');
  const { rows } = await session.query(`SELECT json_serialize_sql(${quoteLiteral(text)}) AS ast`, { signal });
  const ast = JSON.parse(String(rows[0]!.ast)) as { error?: boolean; error_message?: string; statements?: unknown[] };
  if (ast.error || ast.statements?.length !== 1) {
    throw new LakebenchError('USAGE', `custom SQL must be one read-only SELECT: ${ast.error_message ?? `${ast.statements?.length ?? 0} statements`}`, {
      object: check.name,
    });
  }
  return text;
}

const clip = (text: string): string => (text.length > DETAILS_CHARS ? `${text.slice(0, DETAILS_CHARS - 1)}…` : text);
