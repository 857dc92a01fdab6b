/** The LakeSync commands. Like main.ts this loads only commander: handlers load when run. */
import type { Command } from 'commander';
import { runCommand } from './context';

export interface LakesyncCompactFlags {
  into: string;
  dryRun?: boolean;
}
type Options = (command: Command) => Command;

export function addLakesyncCommands(program: Command, locationOptions: Options): void {
  const lakesync = program.command('lakesync').description('LakeSync delta buckets');
  locationOptions(lakesync.command('compact'))
    .description('materialise the resolved state of every LakeSync table into a Delta table (merge by rowId), idempotent')
    .argument('<location>', 'the LakeSync bucket or folder (holds deltas/)')
    .requiredOption('--into <table>', 'the Delta table to write')
    .option('--dry-run', 'print what would be written')
    .action((location: string, opts: LakesyncCompactFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/lakesync')).lakesyncCompact(ctx, location, opts)),
    );
}
