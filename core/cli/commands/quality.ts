/** `check` and `promote`: data quality rules against a table version; exit 1 when a check failed or errored. */
import type { CheckReport } from '../../api/quality';
import { readRules } from '../../quality/rules';
import type { CliContext, CommandOutput } from '../context';
import type { CheckFlags, PromoteFlags } from '../quality-program';
import { renderTable } from '../output';
import { interruptible } from './interrupt';

export async function check(ctx: CliContext, table: string, flags: CheckFlags): Promise<CommandOutput | number> {
  const rules = await readRules(flags.rules);
  const api = await ctx.api();
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
  const rules = await readRules(flags.rules);
  const api = await ctx.api();
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
