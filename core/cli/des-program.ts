/** DES shard archive commands (reading; tombstone and repack are not built yet). Loads only commander: handlers load when run. */
import type { Command } from 'commander';
import { runCommand } from './context';

export interface DesLsFlags {
  shard?: string;
  includeDeleted?: boolean;
}
export interface DesGetFlags {
  out?: string;
  includeDeleted?: boolean;
}

type Options = (command: Command) => Command;

export function addDesCommands(program: Command, locationOptions: Options): void {
  const des = program.command('des').description('DES shard archives: list entries and get their bytes');

  locationOptions(des.command('ls'))
    .description('entries of an archive: uid, shard, size, codec, created_at, meta, tombstoned')
    .argument('<archive>', 'folder (local or S3) holding .des shards and .meta sidecars')
    .option('--shard <name>', 'only this shard')
    .option('--include-deleted', 'also list tombstoned entries')
    .action((archive: string, opts: DesLsFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/des')).desLs(ctx, archive, opts)),
    );

  locationOptions(des.command('get'))
    .description("an entry's original bytes (to stdout, or --out)")
    .argument('<archive>')
    .argument('<uid>')
    .option('--out <file>', 'write the bytes here instead of stdout')
    .option('--include-deleted', 'allow a tombstoned entry')
    .action((archive: string, uid: string, opts: DesGetFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/des')).desGet(ctx, archive, uid, opts)),
    );
}
