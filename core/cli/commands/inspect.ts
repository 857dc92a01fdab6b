/**
 * `history`, `files`, `manifests`, `partitions`, `schema`: one table at a version (as far as its format
 * offers them). Columns a format fills only sometimes (a parent, refs, a file's content or sequence
 * number, field ids, specs) are shown when some row has them.
 */
import type { FileEntry, PartitionSpec } from '../../api/types';
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

/** The columns of `columns` whose value some row has (the first `always` are always shown). */
function someHave<R>(rows: readonly R[], columns: [string, (row: R) => unknown][], always: number): [string, (row: R) => unknown][] {
  return columns.filter(([, value], i) => i < always || rows.some((row) => value(row) !== undefined));
}

function renderRows<R>(rows: readonly R[], columns: [string, (row: R) => unknown][], always: number): string {
  const shown = someHave(rows, columns, always);
  return renderTable(
    shown.map(([name]) => name),
    rows.map((row) => shown.map(([, value]) => value(row) ?? '')),
  );
}

export async function history(ctx: CliContext, table: string, flags: VersionFlags): Promise<CommandOutput> {
  const commits = await (await ctx.api()).history(tableArgs(ctx, table, flags));
  const text = renderRows(
    commits,
    [
      ['version', (c) => c.version],
      ['timestamp', (c) => c.timestamp],
      ['operation', (c) => c.operation ?? ''],
      ['parent', (c) => c.parent],
      ['refs', (c) => c.refs?.join(', ')],
      ['metrics', (c) => cellText(c.operationMetrics ?? '')],
    ],
    3,
  );
  return { result: commits, text };
}

const FILE_COLUMNS: [string, (f: FileEntry) => unknown][] = [
  ['path', (f) => f.path],
  ['size', (f) => f.size],
  ['rows', (f) => f.stats?.numRecords ?? ''],
  ['partition', (f) => partitionText(f.partitionValues)],
  ['content', (f) => f.content],
  ['seq', (f) => f.sequenceNumber],
  ['spec', (f) => f.specId],
  ['deleted by vector', (f) => f.deletionVector?.cardinality],
  ['modified', (f) => f.modificationTime],
];

export async function files(ctx: CliContext, table: string, flags: VersionFlags): Promise<CommandOutput> {
  const result = await (await ctx.api()).files(tableArgs(ctx, table, flags));
  const text = `${result.location}${atVersion(result.version)}: ${result.files.length} files\n` + renderRows(result.files, FILE_COLUMNS, 4);
  return { result, text };
}

export async function manifests(ctx: CliContext, table: string, flags: VersionFlags): Promise<CommandOutput> {
  const result = await (await ctx.api()).manifests(tableArgs(ctx, table, flags));
  const plusMinus = (added?: number, existing?: number, deleted?: number) => `+${added ?? '?'} ${existing ?? '?'} −${deleted ?? '?'}`;
  const rows = result.manifests.map((m) => [
    m.path,
    m.content,
    m.specId,
    m.sequenceNumber,
    plusMinus(m.addedFiles, m.existingFiles, m.deletedFiles),
    plusMinus(m.addedRows, m.existingRows, m.deletedRows),
    m.addedVersion ?? '',
  ]);
  const text =
    `${result.location}${atVersion(result.version)}: ${result.manifests.length} manifests\n` +
    renderTable(['path', 'content', 'spec', 'seq', 'files +added existing −deleted', 'rows +added existing −deleted', 'added by'], rows);
  return { result, text };
}

/** `spec 0: id_bucket = bucket[4](id), date = identity(date)`, one line per spec. */
function specsText(specs: readonly PartitionSpec[]): string {
  return specs
    .map((spec) => {
      const fields = spec.fields.map((f) => `${f.name} = ${f.transform ?? 'identity'}(${f.source ?? f.name})`);
      return `spec ${spec.specId}: ${fields.length ? fields.join(', ') : 'unpartitioned'}\n`;
    })
    .join('');
}

export async function partitions(ctx: CliContext, table: string, flags: VersionFlags): Promise<CommandOutput> {
  const result = await (await ctx.api()).partitions(tableArgs(ctx, table, flags));
  const text =
    `${result.location}${atVersion(result.version)}\n` +
    specsText(result.specs ?? []) +
    renderRows(
      result.partitions,
      [
        ['partition', (p) => partitionText(p.partitionValues) || '(unpartitioned)'],
        ['files', (p) => p.files],
        ['rows', (p) => p.rows ?? '?'],
        ['bytes', (p) => p.bytes],
        ['spec', (p) => p.specId],
      ],
      4,
    );
  return { result, text };
}

export async function schema(ctx: CliContext, table: string, flags: VersionFlags): Promise<CommandOutput> {
  const result = await (await ctx.api()).schema(tableArgs(ctx, table, flags));
  const schemaId = result.schemaId === undefined ? '' : ` (schema ${result.schemaId})`;
  const text =
    `${result.location}${atVersion(result.version)}${schemaId}\n` +
    renderRows(
      result.fields,
      [
        ['column', (f) => f.name],
        ['type', (f) => cellText(f.type)],
        ['nullable', (f) => (f.nullable === undefined ? '' : f.nullable ? 'yes' : 'no')],
        ['partition', (f) => (result.partitionColumns.includes(f.name) ? 'yes' : '')],
        ['id', (f) => f.id],
      ],
      4,
    );
  return { result, text };
}
