/** `history`, `files`, `partitions`, `schema`: one table at a version (as far as its format offers them). */
import type { CliContext, CommandOutput } from '../context';
import type { VersionFlags } from '../main';
import { cellText, renderTable } from '../output';
import { tableArgs } from './args';

/** ` at version 3`, or nothing for a table without versions. */
const atVersion = (version: string | undefined): string => (version === undefined ? '' : ` at version ${version}`);

const partitionText = (values: Record<string, string | null>): string =>
  Object.entries(values)
    .map(([k, v]) => `${k}=${v ?? 'NULL'}`)
    .join('/');

export async function history(ctx: CliContext, table: string, flags: VersionFlags): Promise<CommandOutput> {
  const commits = await (await ctx.api()).history(tableArgs(ctx, table, flags));
  const rows = commits.map((c) => [c.version, c.timestamp, c.operation ?? '', cellText(c.operationMetrics ?? '')]);
  return { result: commits, text: renderTable(['version', 'timestamp', 'operation', 'metrics'], rows) };
}

export async function files(ctx: CliContext, table: string, flags: VersionFlags): Promise<CommandOutput> {
  const result = await (await ctx.api()).files(tableArgs(ctx, table, flags));
  const rows = result.files.map((f) => [f.path, f.size, f.stats?.numRecords ?? '', partitionText(f.partitionValues), f.modificationTime]);
  const text = `${result.location}${atVersion(result.version)}: ${result.files.length} files\n` +
    renderTable(['path', 'size', 'rows', 'partition', 'modified'], rows);
  return { result, text };
}

export async function partitions(ctx: CliContext, table: string, flags: VersionFlags): Promise<CommandOutput> {
  const result = await (await ctx.api()).partitions(tableArgs(ctx, table, flags));
  const rows = result.partitions.map((p) => [partitionText(p.partitionValues) || '(unpartitioned)', p.files, p.rows ?? '?', p.bytes]);
  const text = `${result.location}${atVersion(result.version)}\n` + renderTable(['partition', 'files', 'rows', 'bytes'], rows);
  return { result, text };
}

export async function schema(ctx: CliContext, table: string, flags: VersionFlags): Promise<CommandOutput> {
  const result = await (await ctx.api()).schema(tableArgs(ctx, table, flags));
  const rows = result.fields.map((f) => [
    f.name,
    cellText(f.type),
    f.nullable === undefined ? '' : f.nullable ? 'yes' : 'no',
    result.partitionColumns.includes(f.name) ? 'yes' : '',
  ]);
  const text = `${result.location}${atVersion(result.version)}\n` + renderTable(['column', 'type', 'nullable', 'partition'], rows);
  return { result, text };
}
