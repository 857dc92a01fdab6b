/** `repack <table>`: purge rows, quarantine corrupt files, recompress — one commit. Ctrl-C cancels before the commit. */
import type { RepackResult } from '../../ops/repack';
import type { CliContext, CommandOutput } from '../context';
import type { RepackFlags } from '../maintenance-program';
import { interruptible } from './interrupt';
import { progressLine } from './write';

export async function repack(ctx: CliContext, table: string, flags: RepackFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  return interruptible(ctx, async (signal) => {
    const { repackTable } = await import('../../ops/repack');
    const result = await api.maintenance('repack', { location: table, ...ctx.location }, (store) =>
      repackTable(store, {
        purgeWhere: flags.purgeWhere,
        purge: flags.purge,
        dropCorrupt: flags.dropCorrupt,
        recompressLevel: flags.recompress,
        dryRun: flags.dryRun,
        signal,
        onProgress: progressLine(ctx),
      }),
    );
    return { result, text: report(result) };
  });
}

function report(result: RepackResult): string {
  const lines: string[] = [];
  if (result.dryRun) lines.push('dry run: nothing changed');
  lines.push(
    result.version !== undefined
      ? `committed version ${result.version}: ${result.filesRewritten} files replaced by ${result.filesAdded}`
      : result.dryRun
        ? `would replace ${result.filesRewritten} files by ${result.filesAdded}`
        : 'nothing to rewrite; nothing committed',
  );
  if (result.rowsPurged > 0) lines.push(`rows purged: ${result.rowsPurged}`);
  for (const q of result.quarantined) {
    const copy = q.copy ? ` (copy: ${q.copy})` : '';
    lines.push(`quarantined ${q.object}${copy}: rows salvaged ${q.rowsSalvaged}, lost ${q.rowsLost} — ${q.problem}`);
  }
  if (result.purgedObjects.length > 0) {
    lines.push(`${result.dryRun ? 'would delete' : 'deleted'} ${result.purgedObjects.length} objects:`);
    lines.push(...result.purgedObjects.map((o) => `  ${o}`));
  }
  return lines.join('\n') + '\n';
}
