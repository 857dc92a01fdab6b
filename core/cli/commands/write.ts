/** `import` and `delete`: jobs that commit one new table version. Ctrl-C cancels before the commit. */
import type { JobProgress } from '../../api/types';
import type { TransferProgress } from '../../ops/maintenance/operations';
import { formatDuration } from '../../units';
import { byteSize } from './byte-size';
import type { CliContext, CommandOutput } from '../context';
import type { ImportFlags } from '../main';
import { interruptible } from './interrupt';

export const progressLine = (ctx: CliContext) => (p: JobProgress) =>
  ctx.err(`${p.phase} ${p.transfer ? transferText(p.transfer) : `${p.done}/${p.total}${p.bytes ? ` (${p.bytes} bytes)` : ''}`}${p.etaMs !== undefined ? `, ${formatDuration(p.etaMs)} left` : ''}\n`);

/** `downloaded 1.2 GB of 4 GB, uploaded 800 MB (scratch 512 MB)`: inputs read so far of all, new files written to the table. */
const transferText = (t: TransferProgress): string =>
  `downloaded ${byteSize(t.downloadedBytes)} of ${byteSize(t.totalBytes)}, uploaded ${byteSize(t.uploadedBytes)} (scratch ${byteSize(t.scratchBytes)})`;

export async function importFiles(ctx: CliContext, table: string, inputs: string[], flags: ImportFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  return interruptible(ctx, async (signal) => {
    const result = await api.importFiles(
      {
        location: table,
        ...ctx.location,
        inputs,
        format: flags.format,
        partitionBy: flags.partitionBy,
        mode: flags.mode,
        key: flags.key,
        auditColumns: flags.auditColumns,
        badRowsPath: flags.badRows,
      },
      { signal, onProgress: progressLine(ctx) },
    );
    const bad = result.badRows ? `; ${result.badRows} bad rows written to ${flags.badRows}` : '';
    const text =
      `${result.created ? 'created the table and ' : ''}committed version ${result.version}: ` +
      `${result.rowsWritten} rows in ${result.filesWritten} files${bad}\n`;
    return { result, text };
  });
}

export async function deleteRows(ctx: CliContext, table: string, where: string): Promise<CommandOutput | number> {
  const api = await ctx.api();
  return interruptible(ctx, async (signal) => {
    const result = await api.deleteWhere({ location: table, ...ctx.location, where }, { signal, onProgress: progressLine(ctx) });
    const text =
      result.version === undefined
        ? 'no rows matched; nothing committed\n'
        : `committed version ${result.version}: ${result.rowsDeleted} rows deleted ` +
          `(${result.filesRemoved} files replaced by ${result.filesAdded})\n`;
    return { result, text };
  });
}
