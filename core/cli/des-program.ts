/** DES shard archive commands. Loads only commander: handlers load when run. */
import type { Command } from 'commander';
import { runCommand } from './context';
import { duration, ratio, zstdLevel } from './option-parsers';
import { MAINTENANCE_DEFAULTS } from '../ops/maintenance/defaults';

export interface DesLsFlags {
  shard?: string;
  includeDeleted?: boolean;
}
export interface DesGetFlags {
  out?: string;
  includeDeleted?: boolean;
}

export interface DesTombstoneFlags {
  reason: string;
  ticket?: string;
  by?: string;
}
export interface DesRepackFlags {
  shard?: string;
  minDeletionRatio: number;
  recompress?: number;
  grace: number;
  dryRun?: boolean;
}

type Options = (command: Command) => Command;

export function addDesCommands(program: Command, locationOptions: Options): void {
  const des = program.command('des').description('DES shard archives: list, get, tombstone, repack (verify <archive> checks them)');

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

  locationOptions(des.command('tombstone'))
    .description("mark an entry deleted in its shard's sidecar (guarded against concurrent writers); repack drops it")
    .argument('<archive>')
    .argument('<uid>')
    .requiredOption('--reason <text>', 'why it is deleted (kept in the sidecar)')
    .option('--ticket <id>', 'ticket or request id')
    .option('--by <name>', 'who deletes it (default: the OS user)')
    .action((archive: string, uid: string, opts: DesTombstoneFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/des-maintenance')).desTombstone(ctx, archive, uid, opts)),
    );

  locationOptions(des.command('repack'))
    .description('rewrite shards without tombstoned and corrupt entries as <name>_R001.des (then R002 …), swap atomically, delete replaced shards after the grace period')
    .argument('<archive>')
    .option('--shard <name>', 'only this shard, whatever its deletion ratio')
    .option('--min-deletion-ratio <r>', 'repack shards with at least this share of tombstoned entries', ratio, MAINTENANCE_DEFAULTS.desMinDeletionRatio)
    .option('--recompress <zstd:N>', 're-encode compressed payloads with zstd at level N (every shard)', zstdLevel)
    .option('--grace <duration>', 'keep replaced shards this long for readers that listed before the swap', duration, MAINTENANCE_DEFAULTS.desGraceMs)
    .option('--dry-run', 'print the plan, change nothing')
    .action((archive: string, opts: DesRepackFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/des-maintenance')).desRepack(ctx, archive, opts)),
    );
}
