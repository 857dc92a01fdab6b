/**
 * The maintenance commands (compact, compact-staging, verify, orphans, vacuum, repack, checkpoint,
 * expire, maintain, log). Like main.ts this loads only commander: each handler is imported when it runs.
 */
import type { Command } from 'commander';
import { runCommand } from './context';
import { count, duration, list, size, zstdLevel } from './option-parsers';
import { MAINTENANCE_DEFAULTS } from '../ops/maintenance/defaults';

export interface CompactFlags {
  targetSize: number;
  minFiles: number;
  where?: string;
  sortBy?: string[];
  scratchLimit: number;
  dryRun?: boolean;
}
export interface RewriteManifestsFlags {
  targetSize?: number;
  dryRun?: boolean;
}
export interface CompactStagingFlags {
  into?: string;
  /** Compact into the bucket's own Lakeside layout (parquet/ + _lakeside_log/) instead of a Delta table. */
  lakeside?: boolean;
  dryRun?: boolean;
}
export interface VerifyFlags {
  deep?: boolean;
}
export interface OrphansFlags {
  /** Absent: the format's default (Delta 0, Iceberg 3 days). */
  olderThan?: number;
}
export interface VacuumFlags {
  /** Absent: the table's delta.deletedFileRetentionDuration, else the default. */
  retention?: number;
  dryRun?: boolean;
  force?: boolean;
}
export interface RepackFlags {
  purgeWhere?: string;
  purge?: boolean;
  dropCorrupt?: boolean;
  /** zstd level. */
  recompress?: number;
  dryRun?: boolean;
}
export interface ExpireFlags {
  /** Absent: the table's delta.logRetentionDuration, else the default. */
  logRetention?: number;
  /** Iceberg: snapshot age; absent: the table's history.expire.max-snapshot-age-ms, else 5 days. */
  olderThan?: number;
  /** Iceberg: snapshots kept per branch at least. */
  retainLast?: number;
  dryRun?: boolean;
}
export interface MaintainFlags {
  targetSize: number;
  minFiles: number;
  /** Absent: the table's delta.deletedFileRetentionDuration, else the default. */
  retention?: number;
  /** Absent: the table's delta.logRetentionDuration, else the default. */
  logRetention?: number;
  dryRun?: boolean;
  force?: boolean;
}
export interface LogFlags {
  limit: number;
}

const DEFAULTS = MAINTENANCE_DEFAULTS;

type Options = (command: Command) => Command;

export function addMaintenanceCommands(program: Command, locationOptions: Options): void {
  locationOptions(program.command('compact'))
    .description(
      'bin-pack small files per partition into files near the target size (one OPTIMIZE commit; on Iceberg tables one replace ' +
        'snapshot, deletes applied, and files written under an older partition spec always rewritten into the current one, whatever their size)',
    )
    .argument('<table>')
    .option('--target-size <size>', 'size of the files to write', size, DEFAULTS.targetSize)
    .option('--min-files <n>', 'compact a partition only when it has at least n small files', count, DEFAULTS.minFiles)
    .option('--where <predicate>', 'only partitions matching this filter on partition columns (Iceberg: files whose partition or column bounds might match, any column)')
    .option('--sort-by <columns>', 'sort rows within each new file by these columns', list)
    .option('--scratch-limit <size>', 'local disk space to use at once for downloaded inputs and files not yet uploaded (Delta and Iceberg tables alike)', size, DEFAULTS.scratchLimit)
    .option('--dry-run', 'print the plan, change nothing')
    .action((table: string, opts: CompactFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/compact')).compact(ctx, table, opts)),
    );

  locationOptions(program.command('rewrite-manifests'))
    .description('Iceberg: merge small data manifests by partition into few near the target size (one replace snapshot)')
    .argument('<table>')
    .option('--target-size <size>', 'size of the manifests to write (default 8 MB, as Iceberg)', size)
    .option('--dry-run', 'print the plan, change nothing')
    .action((table: string, opts: RewriteManifestsFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/rewrite-manifests')).rewriteManifests(ctx, table, opts)),
    );

  locationOptions(program.command('compact-staging'))
    .description(
      'compact a Lakeside-style staging area (data/<partition>/*.json|ndjson) into a partitioned Delta table, ' +
        'or with --lakeside into the bucket\'s own Lakeside layout',
    )
    .argument('<location>', 'the staging bucket or folder (holds data/ and optionally schema/schema.json)')
    .option('--into <table>', 'the Delta table to write (default: <location>/delta)')
    .option(
      '--lakeside',
      'write the Lakeside layout in <location> itself instead of a Delta table: parquet/<partition>/part-<time>.parquet ' +
        'files, then one _lakeside_log/<version>.json entry (fails with CONFLICT when another writer took that version; ' +
        'run again). Never implied by an existing _lakeside_log/; not with --into',
    )
    .option('--dry-run', 'print the plan, change nothing')
    .action((location: string, opts: CompactStagingFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/compact-staging')).compactStaging(ctx, location, opts)),
    );

  locationOptions(program.command('verify'))
    .description('check a Delta table, Parquet folder or Parquet file: log, files, footers, row counts (exit 1 on problems)')
    .argument('<location>')
    .option('--deep', 'also decode every page (DuckDB), decompress it on its own and check page CRCs')
    .action((location: string, opts: VerifyFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/verify')).verify(ctx, location, opts)),
    );

  locationOptions(program.command('orphans'))
    .description('objects under a table that no retained version (Iceberg: no metadata file of its metadata log) references, with size and age')
    .argument('<table>')
    .option('--older-than <duration>', 'only orphans at least this old (e.g. 7d; default: all for Delta, 3 days for Iceberg as Iceberg)', duration)
    .action((table: string, opts: OrphansFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/vacuum')).orphans(ctx, table, opts)),
    );

  locationOptions(program.command('vacuum'))
    .description('delete tombstoned files and orphans older than the retention (Iceberg: orphans only; expire removes expired snapshots\' files)')
    .argument('<table>')
    .option('--retention <duration>', "keep files removed or written more recently than this (default: the table's delta.deletedFileRetentionDuration, else 7 days)", duration)
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .option('--force', 'allow a retention under 7 days')
    .action((table: string, opts: VacuumFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/vacuum')).vacuum(ctx, table, opts)),
    );

  locationOptions(program.command('repack'))
    .description('rewrite files in one commit: purge rows, quarantine corrupt files, recompress')
    .argument('<table>')
    .option('--purge-where <predicate>', 'physically remove the rows matching this predicate')
    .option('--purge', 'with --purge-where: also make the rows unreadable at every retained version (right to erasure)')
    .option('--drop-corrupt', 'quarantine files verify finds corrupt, keeping their readable rows')
    .option('--recompress <zstd:N>', 'rewrite files with zstd at level N', zstdLevel)
    .option('--dry-run', 'print the plan, change nothing')
    .action((table: string, opts: RepackFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/repack')).repack(ctx, table, opts)),
    );

  locationOptions(program.command('checkpoint'))
    .description('write a checkpoint at the latest version')
    .argument('<table>')
    .action((table: string, _opts: object, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/vacuum')).checkpoint(ctx, table)),
    );

  locationOptions(program.command('expire'))
    .description('Delta: delete log entries older than the log retention that a later checkpoint makes unnecessary; Iceberg: expire_snapshots')
    .argument('<table>')
    .option('--log-retention <duration>', "keep log entries younger than this (default: the table's delta.logRetentionDuration, else 30 days)", duration)
    .option('--older-than <duration>', "Iceberg: expire snapshots older than this (default: the table's history.expire.max-snapshot-age-ms, else 5 days)", duration)
    .option('--retain-last <n>', "Iceberg: keep at least this many snapshots per branch (default: the table's history.expire.min-snapshots-to-keep, else 1)", count)
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .action((table: string, opts: ExpireFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/vacuum')).expire(ctx, table, opts)),
    );

  locationOptions(program.command('maintain'))
    .description('compact → checkpoint → rewrite-manifests (Iceberg) → expire → vacuum, for cron')
    .argument('<table>')
    .option('--target-size <size>', 'compaction target file size', size, DEFAULTS.targetSize)
    .option('--min-files <n>', 'compaction minimum small files per partition', count, DEFAULTS.minFiles)
    .option('--retention <duration>', "vacuum retention (default: the table's delta.deletedFileRetentionDuration, else 7 days)", duration)
    .option('--log-retention <duration>', "log retention for expire (default: the table's delta.logRetentionDuration, else 30 days)", duration)
    .option('--dry-run', 'print each step\'s plan, change nothing')
    .option('--force', 'allow a vacuum retention under 7 days')
    .action((table: string, opts: MaintainFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/maintain')).maintain(ctx, table, opts)),
    );

  locationOptions(program.command('log'))
    .description('the maintenance log: operations run, status, versions and files before and after')
    .argument('[table]', 'only this table')
    .option('--limit <n>', 'at most n entries', count, 50)
    .action((table: string | undefined, opts: LogFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/maintain')).log(ctx, table, opts)),
    );
}
