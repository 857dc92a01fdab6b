/**
 * Data quality through the API: run a rule set against a table version (results kept in the catalog,
 * optionally appended to a Delta table in the lake), and the promote gate that copies a staging version
 * into a trusted table only when every check passes (a Delta table, created when absent, or an existing
 * Iceberg table, appended to by one append snapshot).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakebenchError } from '../errors';
import { requireView } from '../formats/capabilities';
import { detectFormat } from '../formats/detect';
import { LATEST } from '../formats/table-format';
import { versionRefOf } from '../formats/version-ref';
import { TABLE_VIEW } from '../quality/checks';
import type { QualityCheck } from '../quality/rules';
import { runChecks, type QualityResult } from '../quality/run';
import { quoteLiteral } from '../sql-text';
import type { LakebenchApi } from './api';
import { parseTableBinding } from './table-binding';
import type { LocationOptions, SqlTableBinding } from './types';

export interface CheckArgs extends LocationOptions {
  /** Table location, optionally `@<version>` or `@<ISO time>`. */
  table: string;
  rules: QualityCheck[];
  /** Also append the results to this Delta table (created when absent). */
  writeResults?: string;
}

export interface CheckReport {
  runId: string;
  /** URL of the table checked. */
  table: string;
  /** The version checked (null for a table without versions). */
  version: string | null;
  results: QualityResult[];
  /** Every check passed. */
  passed: boolean;
  /** Where --write-results appended them (version: a Delta version, or an Iceberg snapshot id). */
  resultsTable?: { location: string; version: number | string };
}

export interface PromoteArgs extends LocationOptions {
  staging: string;
  trusted: string;
  rules: QualityCheck[];
}

export interface PromoteReport {
  check: CheckReport;
  /** The trusted table's new version (a Delta version, or an Iceberg snapshot id as text); undefined when a check did not pass (nothing written). */
  version?: number | string;
  rowsPromoted: number;
  /** Why nothing was written. */
  refused?: string;
}

export async function checkTable(api: LakebenchApi, args: CheckArgs, signal?: AbortSignal): Promise<CheckReport> {
  return withCheckedTable(api, args, signal, async (report) => {
    if (args.writeResults) report.resultsTable = await appendResults(api, args, report);
    return report;
  });
}

export async function promoteTable(api: LakebenchApi, args: PromoteArgs, signal?: AbortSignal): Promise<PromoteReport> {
  return withCheckedTable(api, { ...args, table: args.staging }, signal, async (check, exportRows) => {
    if (!check.passed) {
      const failed = check.results.filter((r) => r.status !== 'passed').map((r) => `${r.check_name} (${r.status}: ${r.details})`);
      return { check, rowsPromoted: 0, refused: `${failed.length} check(s) did not pass: ${failed.join('; ')}` };
    }
    const dir = await mkdtemp(join(tmpdir(), 'lakebench-promote-'));
    try {
      const file = join(dir, 'rows.parquet');
      await exportRows(file);
      // A new trusted table is partitioned like the staging table; an existing one keeps its own.
      const trusted = api.open({ ...args, location: args.trusted });
      const partitionBy = (await detectFormat(trusted)) ? undefined : await partitionColumnsOf(api, args);
      const imported = await api.importFiles({ ...args, location: args.trusted, inputs: [file], format: 'parquet', partitionBy }, { signal });
      return { check, version: imported.version, rowsPromoted: imported.rowsWritten };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

/** Resolves the version, registers it as `t`, runs the checks, records them, then hands over to `next`. */
async function withCheckedTable<T>(
  api: LakebenchApi,
  args: CheckArgs,
  signal: AbortSignal | undefined,
  next: (report: CheckReport, exportRows: (file: string) => Promise<void>) => Promise<T>,
): Promise<T> {
  const { binding, table } = await pinnedBinding(api, args);
  const session = await api.openSqlSession({ ...args, tables: [binding] }, signal);
  try {
    const executedAt = new Date().toISOString();
    const results = await runChecks(session, args.rules, signal);
    const report: CheckReport = {
      runId: randomUUID(),
      table,
      version: binding.version ?? null,
      results,
      passed: results.every((r) => r.status === 'passed'),
    };
    (await api.catalog()).addQualityResults({ runId: report.runId, tableName: table, tableVersion: report.version, executedAt, results });
    return await next(report, (file) => session.run(`COPY (SELECT * FROM ${TABLE_VIEW}) TO ${quoteLiteral(file)} (FORMAT parquet)`, { signal }));
  } finally {
    session.close();
  }
}

/**
 * The table as view `t` at an exact version (the latest when none is asked), so results name the
 * version they saw, and the URL they are kept under; a table that cannot be checked is refused by name.
 */
async function pinnedBinding(api: LakebenchApi, args: CheckArgs): Promise<{ binding: SqlTableBinding; table: string }> {
  const binding = parseTableBinding(`${TABLE_VIEW}=${args.table}`);
  const table = await api.openTable({ ...args, location: binding.location });
  requireView(table.format, 'quality', table.store.url);
  if (table.format.capabilities.versionRefs.length === 0 || !table.schema) return { binding, table: table.store.url };
  const { version } = await table.schema(versionRefOf(table.format, binding, table.store.url));
  return { binding: { name: TABLE_VIEW, location: binding.location, ...(version !== undefined && { version }) }, table: table.store.url };
}

/** The staging table's partition columns, when its format tells them (a Delta table, a hive-partitioned folder). */
async function partitionColumnsOf(api: LakebenchApi, args: PromoteArgs): Promise<string[] | undefined> {
  const { location } = parseTableBinding(`${TABLE_VIEW}=${args.staging}`);
  const table = await api.openTable({ ...args, location });
  return table.partitions ? (await table.partitions(LATEST)).partitionColumns : undefined;
}

/**
 * A version id written as a JSON integer however big (a 64-bit snapshot id would lose digits as a JS
 * number), so the results table's column stays BIGINT. JSON.rawJSON is in Node 22; TypeScript's lib
 * does not know it yet.
 */
function integerJson(version: string): unknown {
  const { rawJSON } = JSON as unknown as { rawJSON(text: string): unknown };
  return /^\d+$/.test(version) ? rawJSON(version) : version;
}

/** Appends the run's results (the `_quality_results` columns plus table_version) to a Delta table, in one commit. */
async function appendResults(api: LakebenchApi, args: CheckArgs, report: CheckReport): Promise<{ location: string; version: number | string }> {
  const executedAt = new Date().toISOString();
  const rows = report.results.map((r) => ({
    check_name: r.check_name,
    check_type: r.check_type,
    table_name: report.table,
    column_name: r.column_name,
    status: r.status,
    failing_rows: r.failing_rows,
    total_rows: r.total_rows,
    details: r.details,
    run_id: report.runId,
    executed_at: executedAt,
    table_version: report.version === null ? null : integerJson(report.version),
  }));
  if (rows.length === 0) throw new LakebenchError('USAGE', 'no results to write: the rules hold no checks', { object: args.writeResults });
  const dir = await mkdtemp(join(tmpdir(), 'lakebench-results-'));
  try {
    const file = join(dir, 'results.ndjson');
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const imported = await api.importFiles({ ...args, location: args.writeResults!, inputs: [file], format: 'ndjson' });
    return { location: api.open({ ...args, location: args.writeResults! }).url, version: imported.version };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
