/**
 * `diff`: the rows that differ between two versions of a table, by a key or by whole rows: counts, counts
 * per partition and the first rows of each kind.
 */
import { diffRows } from '../../api/row-diff';
import type { DiffRow, RowDiffResult } from '../../api/workbench';
import type { CliContext, CommandOutput } from '../context';
import { renderTable } from '../output';

export interface DiffFlags {
  from: string;
  to: string;
  key?: string[];
  limit?: number;
}

const rowsTable = (title: string, columns: string[], rows: DiffRow[]): string =>
  rows.length ? `\n${title}\n` + renderTable(columns, rows.map((row) => columns.map((c) => row[c]))) : '';

function diffText(result: RowDiffResult): string {
  const by = result.key.length ? `by key (${result.key.join(', ')})` : 'by whole rows';
  const counts = `added ${result.added}, removed ${result.removed}${result.key.length ? `, changed ${result.changed}` : ''}`;
  let text = `${result.location}: version ${result.from} → ${result.to}, ${by}\n${counts}\n`;
  if (result.partitions.length) {
    const shown = result.partitionCount > result.partitions.length ? ` (first ${result.partitions.length} of ${result.partitionCount})` : '';
    text +=
      `\nper partition${shown}\n` +
      renderTable(
        [...result.partitionColumns, 'added', 'removed', ...(result.key.length ? ['changed'] : [])],
        result.partitions.map((p) => [...result.partitionColumns.map((c) => p.partition[c]), p.added, p.removed, ...(result.key.length ? [p.changed] : [])]),
      );
  }
  text += rowsTable('added rows', result.columns, result.sample.added);
  text += rowsTable('removed rows', result.columns, result.sample.removed);
  if (result.sample.changed.length) {
    const lines = result.sample.changed.flatMap((row) =>
      row.columns.map((column) => [...result.key.map((k) => row.key[k]), column, row.before[column], row.after[column]]),
    );
    text += `\nchanged rows\n` + renderTable([...result.key, 'column', 'before', 'after'], lines);
  }
  return text;
}

export async function diff(ctx: CliContext, table: string, flags: DiffFlags): Promise<CommandOutput> {
  const result = await diffRows(await ctx.api(), { location: table, ...ctx.location, from: flags.from, to: flags.to, key: flags.key, limit: flags.limit });
  return { result, text: diffText(result) };
}
