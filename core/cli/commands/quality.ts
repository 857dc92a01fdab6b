/** `check` and `promote`: data quality rules against a table version; exit 1 when a check failed or errored. */
import type { CheckReport } from '../../api/quality';
import type { LakebenchApi } from '../../api/api';
import { parseTableBinding } from '../../api/table-binding';
import { LakebenchError } from '../../errors';
import { parseRules, readRules, type QualityCheck } from '../../quality/rules';
import type { CliContext, CommandOutput } from '../context';
import type { CheckFlags, PromoteFlags } from '../quality-program';
import { renderTable } from '../output';
import { interruptible } from './interrupt';

/** The rules file's checks, or those the app saved for the table (the catalog keys them by the table's URL). */
async function rulesFor(ctx: CliContext, api: LakebenchApi, table: string, file: string | undefined): Promise<QualityCheck[]> {
  if (file !== undefined) return readRules(file);
  const { location } = parseTableBinding(`t=${table}`);
  const url = await api.tableUrl({ location, ...ctx.location });
  const saved = (await api.catalog()).loadQualityRules(url);
  if (!saved?.length) throw new LakebenchError('USAGE', 'no rules saved for this table in the app: give --rules <file>', { object: url });
  return parseRules(JSON.stringify(saved), `the rules saved for ${url}`);
}

export async function check(ctx: CliContext, table: string, flags: CheckFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const rules = await rulesFor(ctx, api, table, flags.rules);
  return interruptible(ctx, async (signal) => {
    const { checkTable } = await import('../../api/quality');
    const report = await checkTable(api, { ...ctx.location, table, rules, writeResults: flags.writeResults }, signal);
    const written = report.resultsTable ? `results appended to ${report.resultsTable.location} (version ${report.resultsTable.version})\n` : '';
    return {
      result: { results: report.results, run_id: report.runId, table: report.table, version: report.version },
      text: checkText(report) + written,
      exitCode: report.passed ? 0 : 1,
    };
  });
}

export async function promote(ctx: CliContext, staging: string, trusted: string, flags: PromoteFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const rules = await rulesFor(ctx, api, staging, flags.rules);
  return interruptible(ctx, async (signal) => {
    const { promoteTable } = await import('../../api/quality');
    const report = await promoteTable(api, { ...ctx.location, staging, trusted, rules }, signal);
    const outcome = report.refused
      ? `not promoted, nothing written: ${report.refused}\n`
      : `promoted ${report.rowsPromoted} rows into ${trusted} (version ${report.version})\n`;
    return {
      result: { promoted: !report.refused, version: report.version, rows: report.rowsPromoted, refused: report.refused, results: report.check.results },
      text: checkText(report.check) + outcome,
      exitCode: report.refused ? 1 : 0,
    };
  });
}

function checkText(report: CheckReport): string {
  const rows = report.results.map((r) => [r.check_name, r.check_type, r.column_name ?? '', r.status, r.failing_rows, r.total_rows, r.details]);
  const version = report.version === null ? '' : ` at version ${report.version}`;
  const counts = ['passed', 'failed', 'error'].map((s) => `${report.results.filter((r) => r.status === s).length} ${s}`).join(', ');
  return `${report.table}${version}\n` + renderTable(['check', 'type', 'column', 'status', 'failing', 'total', 'details'], rows) + `${counts}\n`;
}
