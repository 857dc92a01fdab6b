/**
 * The `lakebench` command line. This module loads only commander and tiny modules, so `--help` and
 * `--version` answer at once; each command's handler (and with it DuckDB, the AWS SDK, parquet-wasm)
 * is imported when that command runs. esbuild keeps those dynamic imports as separate chunks.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { version } from '../../package.json';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runCommand } from './context';
import { count, duration, list } from './option-parsers';
import { OUTPUT_FORMATS } from './output';
import { addMaintenanceCommands } from './maintenance-program';
import { addQualityCommands } from './quality-program';
import { addLakesyncCommands } from './lakesync-program';
import { addDesCommands } from './des-program';
import { IMPORT_FORMATS, IMPORT_MODES, type ImportArgs } from '../api/types';
import { networkStats } from '../storage/s3-retry';
import type { DiffFlags } from './commands/diff';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0–65535');
  return n;
};

const versionOptions = (command: Command): Command =>
  command
    .option('--version <n>', 'read the table at version n')
    .option('--as-of <timestamp>', 'read the latest version committed at or before an ISO-8601 time');

/**
 * Options every command takes. They are declared per command, not on the program, because the program's
 * own `--version` must not swallow `history <table> --version 3` (positional options keep them apart).
 */
const jsonOption = (command: Command): Command =>
  command.option('--json', 'print one JSON document on stdout (logs go to stderr)');
const locationOptions = (command: Command): Command =>
  jsonOption(command)
    .option('--endpoint <url>', 'S3-compatible endpoint (MinIO, R2, …); uses path-style addressing')
    .option('--region <region>', 'S3 region')
    .option('--profile <name>', 'AWS profile for credentials')
    .option('--timeout <duration>', 'give up after this long (e.g. 30s, 10m): requests in flight are aborted, exit 1', duration)
    .option(
      '--catalog <name=uri>',
      'an Iceberg catalog (repeatable): a SQL catalog (SQLite file or sqlite:///path, ?catalog=<catalog_name>) or a REST catalog ' +
        '(http(s)://…, ?warehouse=<name>); its tables are locations and SQL tables <name>.<namespace>.<table>',
      collect,
      [],
    )
    .option('--catalog-token <token>', 'bearer token for REST catalogs (default: $LAKEBENCH_CATALOG_TOKEN)')
    .option('--catalog-credential <id:secret>', 'OAuth2 client credentials for REST catalogs (default: $LAKEBENCH_CATALOG_CREDENTIAL)');

export function buildProgram(): Command {
  const program = new Command('lakebench')
    .description('Workbench for data lakes: browse buckets, query Delta tables at any version, import and delete.')
    .version(version, '-V, --version', 'print the lakebench version')
    .enablePositionalOptions()
    // Usage errors read like every other error: `lakebench: <message>` (subcommands inherit this).
    .configureOutput({ outputError: (text, write) => write(`lakebench: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  locationOptions(program.command('ls'))
    .description('list prefixes and objects with size and date (all pages)')
    .argument('<location>', 'local folder, s3://bucket/prefix or r2://account/bucket/prefix')
    .option('-r, --recursive', 'list every object below, not just one level')
    .action((location: string, opts: { recursive?: boolean }, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/browse')).ls(ctx, location, opts)),
    );

  locationOptions(program.command('tables'))
    .description(
      'find tables under a location, of every format Lakebench reads, with their versions (capabilities with --json); ' +
        "a catalog's name (or none, with --catalog) lists the catalog's tables",
    )
    .argument('[location]')
    .action((location: string | undefined, _opts: object, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/browse')).tables(ctx, location)),
    );

  const inspections = {
    history: "a table's versions (commits, snapshots): version, time, operation, parent, branches and tags, metrics",
    files: 'live data files (and delete files) with size, partition values and stats',
    manifests: "an Iceberg table's manifests: content, spec, files and rows added, existing and deleted",
    partitions: 'files, rows (from stats) and bytes per partition (per spec, with transforms)',
    schema: 'columns, types, field ids and partition columns',
  } as const;
  for (const [name, description] of Object.entries(inspections) as [keyof typeof inspections, string][]) {
    versionOptions(locationOptions(program.command(name)))
      .description(description)
      .argument('<table>', 'table location (a folder, an Iceberg metadata file, or <catalog>.<namespace>.<table>)')
      .action((table: string, opts: VersionFlags, cmd: Command) =>
        runCommand(cmd, async (ctx) => (await import('./commands/inspect'))[name](ctx, table, opts)),
      );
  }

  locationOptions(program.command('diff'))
    .description('rows added, removed and changed between two versions: counts, per partition and samples (whole rows, or by --key)')
    .argument('<table>', 'table location (a folder, an Iceberg metadata file, or <catalog>.<namespace>.<table>)')
    .requiredOption('--from <version>', 'the older version')
    .requiredOption('--to <version>', 'the newer version')
    .option('--key <columns>', 'columns that identify a row, comma-separated (default: compare whole rows)', list)
    .option('--limit <n>', 'sample rows of each kind', count, 20)
    .action((table: string, opts: DiffFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/diff')).diff(ctx, table, opts)),
    );

  locationOptions(program.command('sql'))
    .description('run DuckDB SQL over tables at any version, printing rows as they arrive (Ctrl-C cancels)')
    .argument('<query>')
    .option('--table <name=location[@version|@timestamp]>', 'make a table available as a view (repeatable)', collect, [])
    .option('--lake <location>', 'make every table under a location available by its folder name')
    .addOption(new Option('--format <format>', 'output format (--json = json)').choices(OUTPUT_FORMATS).default('table'))
    .action((query: string, opts: SqlFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/sql')).sql(ctx, query, opts)),
    );

  locationOptions(program.command('import'))
    .description('import CSV, NDJSON/JSON or Parquet files into a Delta table (created when absent), in one commit; into an existing Iceberg table: appended by one append snapshot')
    .argument('<table>')
    .argument('<files...>', 'files or glob patterns')
    .addOption(new Option('--format <format>', 'input format (default: from each file extension)').choices(IMPORT_FORMATS))
    .option('--partition-by <columns>', 'partition columns of a new table, comma-separated', list)
    .addOption(new Option('--mode <mode>', 'how rows join the table').choices(IMPORT_MODES).default('append'))
    .option('--key <columns>', 'merge key columns, comma-separated (with --mode merge)', list)
    .option('--audit-columns', 'add _source_file and _ingested_at columns')
    .option('--bad-rows <file>', 'write malformed rows here instead of failing')
    .action((table: string, files: string[], opts: ImportFlags, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/write')).importFiles(ctx, table, files, opts)),
    );

  locationOptions(program.command('delete'))
    .description('delete the rows matching a SQL predicate, in one commit')
    .argument('<table>')
    .requiredOption('--where <predicate>', 'SQL boolean expression over the table columns')
    .action((table: string, opts: { where: string }, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/write')).deleteRows(ctx, table, opts.where)),
    );

  addMaintenanceCommands(program, locationOptions);
  addQualityCommands(program, locationOptions);
  addLakesyncCommands(program, locationOptions);
  addDesCommands(program, locationOptions);

  jsonOption(program.command('queries'))
    .description('past SQL queries from the catalog, newest first')
    .option('--search <text>', 'only queries whose SQL or tables contain this text')
    .option('--limit <n>', 'at most n queries', count, 20)
    .action((opts: { search?: string; limit: number }, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/queries')).queries(ctx, opts)),
    );

  jsonOption(program.command('demo'))
    .description('write the sample lake (orders, customers, staging) to a folder')
    .argument('<dir>')
    .action((dir: string, _opts: object, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/demo')).demo(ctx, dir)),
    );

  jsonOption(program.command('doctor'))
    .description('check that the engine can run here: Node/Electron, native modules, DuckDB, catalog, cache, AWS settings')
    .action((_opts: object, cmd: Command) => runCommand(cmd, async (ctx) => (await import('./commands/doctor')).doctor(ctx)));

  program
    .command('serve')
    .description('open the workbench in a browser: serves the app and its API on 127.0.0.1 with a random token')
    .option('--port <n>', 'port to listen on (0 = any free port)', port, 0)
    .option('--lake <location>', 'open this lake or folder (default: the last one, or the sample lake)')
    .action((opts: { port: number; lake?: string }, cmd: Command) =>
      runCommand(cmd, async (ctx) => (await import('./commands/serve')).serve(ctx, opts)),
    );

  return program;
}

export interface VersionFlags {
  version?: string;
  asOf?: string;
}

export interface SqlFlags {
  table: string[];
  lake?: string;
  format: (typeof OUTPUT_FORMATS)[number];
}

export interface ImportFlags {
  format?: ImportArgs['format'];
  partitionBy?: string[];
  mode: NonNullable<ImportArgs['mode']>;
  key?: string[];
  auditColumns?: boolean;
  badRows?: string;
}

/** Runs the CLI and ends the process with its exit status (0 ok, 1 failed, 2 usage, 130 cancelled). */
export async function main(argv: string[]): Promise<never> {
  // The AWS SDK warns on every run under Node 20 about its future Node 22 requirement: a note for
  // developers, not for someone listing a bucket; stderr is kept for our own messages.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // `lakebench … | head` closes stdout early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? EXIT_OK : EXIT_FAILED));
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    // Commander has printed the message or help already; help and version exit 0, the rest are usage errors.
    process.exitCode = e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  // With LAKEBENCH_DEBUG, what the network cost: requests, and retries by operation and by cause.
  if (process.env.LAKEBENCH_DEBUG) process.stderr.write(`lakebench: network: ${JSON.stringify(networkStats)}\n`);
  // Open sockets (S3 keep-alive) and DuckDB threads must not keep a finished command alive.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(process.exitCode ?? EXIT_OK);
}
