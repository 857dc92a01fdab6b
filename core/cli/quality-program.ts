/** The data quality commands (check, promote). Like main.ts this loads only commander: handlers load when run. */
import type { Command } from 'commander';
import { runCommand } from './context';

export interface CheckFlags {
  /** Absent: the rules saved for the table in the app (the catalog). */
  rules?: string;
  writeResults?: string;
}
export interface PromoteFlags {
  rules?: string;
}

type Options = (command: Command) => Command;

export function addQualityCommands(program: Command, locationOptions: Options): void {
  locationOptions(program.command('check'))
    .description('run data quality checks on a table (table@version for a version); exit 1 when any failed or errored')
    .argument('<table>', 'table location, optionally @<version>')
    .option('--rules <file>', 'JSON or YAML list of checks ({name, check_type, column_name?, params?}); default: the rules saved for the table in the app')
    .option('--write-results <table>', 'also append the results to this Delta table')
    .action((table: string, opts: CheckFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/quality')).check(ctx, table, opts)),
    );

  locationOptions(program.command('promote'))
    .description('copy a staging table into a trusted table in one commit, only when every check passes')
    .argument('<staging>', 'staging table location, optionally @<version>')
    .argument('<trusted>', 'trusted table location (created when absent)')
    .option('--rules <file>', "the checks that must pass; default: the staging table's rules saved in the app")
    .action((staging: string, trusted: string, opts: PromoteFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/quality')).promote(ctx, staging, trusted, opts)),
    );
}
