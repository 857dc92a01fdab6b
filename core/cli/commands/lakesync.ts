/** `lakesync compact`: a LakeSync bucket's resolved tables into Delta tables, one commit each, skipped when up to date. */
import type { CliContext, CommandOutput } from '../context';
import type { LakesyncCompactFlags } from '../lakesync-program';
import { renderTable } from '../output';
import { interruptible } from './interrupt';
import { progressLine } from './write';

export async function lakesyncCompact(ctx: CliContext, location: string, flags: LakesyncCompactFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const dryRun = flags.dryRun ?? false;
  return interruptible(ctx, async (signal) => {
    const { lakesyncCompact } = await import('../../ops/lakesync-compact');
    const into = api.open({ location: flags.into, ...ctx.location });
    const cache = await api.cache();
    const result = await api.maintenance(
      'lakesync-compact',
      { location, ...ctx.location },
      (bucket) => lakesyncCompact(bucket, into, { dryRun, cache, signal, onProgress: progressLine(ctx) }),
      { dryRun },
    );
    const rows = result.tables.map((t) => [t.table, t.location, t.rows, t.upToDate ? 'up to date' : dryRun ? 'would write' : `version ${t.version ?? '-'}`]);
    const text = renderTable(['table', 'delta table', 'rows', 'outcome'], rows) + (dryRun ? 'dry run: nothing written\n' : '');
    return { result, text };
  });
}
