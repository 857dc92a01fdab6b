/** `compact <table>`: bin-pack small files into files near the target size, one commit (Delta OPTIMIZE, Iceberg replace). Ctrl-C cancels before the commit. */
import { partitionLabel } from '../../ops/bin-pipeline';
import type { CompactResult } from '../../ops/compact';
import type { CliContext, CommandOutput } from '../context';
import type { CompactFlags } from '../maintenance-program';
import { renderTable } from '../output';
import { byteSize } from './byte-size';
import { interruptible } from './interrupt';
import { progressLine } from './write';

export async function compact(ctx: CliContext, table: string, flags: CompactFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const dryRun = flags.dryRun ?? false;
  return interruptible(ctx, async (signal) => {
    const result = await api.compact(
      { location: table, ...ctx.location },
      {
        targetSize: flags.targetSize,
        minFiles: flags.minFiles,
        where: flags.where,
        sortBy: flags.sortBy,
        scratchLimit: flags.scratchLimit,
        dryRun,
        signal,
        onProgress: progressLine(ctx),
      },
      { dryRun },
    );
    return { result, text: report(result, dryRun) };
  });
}

function report(result: CompactResult, dryRun: boolean): string {
  if (result.plan.length === 0) return 'nothing to compact (no partition has enough small files); nothing committed\n';
  const rows = result.plan.map((p) => {
    return [partitionLabel(p.partition), p.files, byteSize(p.bytes), p.outputFiles];
  });
  const table = renderTable(['partition', 'files', 'bytes', 'output files'], rows);
  const outcome = dryRun
    ? 'dry run: nothing changed\n'
    : `committed ${result.snapshotId !== undefined ? `snapshot ${result.snapshotId}` : `version ${result.version}`}: ${result.filesRemoved} files (${byteSize(result.bytesRemoved)}) ` +
      `replaced by ${result.filesAdded} (${byteSize(result.bytesAdded)})` +
      (result.deleteFilesRemoved ? `; ${result.deleteFilesRemoved} delete files applied and dropped` : '') +
      '\n';
  return table + outcome;
}
