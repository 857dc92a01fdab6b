/**
 * `compact-staging <location> [--into <table> | --lakeside]`: a Lakeside staging area into a Delta table,
 * or into the bucket's own Lakeside layout. Ctrl-C cancels before the commit.
 */
import { LakebenchError } from '../../errors';
import { stagingTarget } from '../../formats/lakeside/staging-target';
import type { CompactStagingResult } from '../../ops/compact-staging';
import type { CliContext, CommandOutput } from '../context';
import type { CompactStagingFlags } from '../maintenance-program';
import { interruptible } from './interrupt';
import { progressLine } from './write';

export async function compactStaging(ctx: CliContext, location: string, flags: CompactStagingFlags): Promise<CommandOutput | number> {
  if (flags.lakeside && flags.into) throw new LakebenchError('USAGE', '--lakeside writes into <location> itself: leave out --into', { object: location });
  const api = await ctx.api();
  const into = flags.into ?? stagingTarget(location);
  return interruptible(ctx, async (signal) => {
    const options = { dryRun: flags.dryRun, signal, onProgress: progressLine(ctx) };
    if (flags.lakeside) {
      const { compactStagingIntoLakeside } = await import('../../ops/compact-staging-lakeside');
      const result = await api.maintenance('compact-staging', { location, ...ctx.location }, (bucket) => compactStagingIntoLakeside(bucket, options), {
        variant: 'own-staging',
      });
      return { result, text: report(result, '_lakeside_log version') };
    }
    const ops = await import('../../ops/compact-staging');
    const staging = api.open({ location, ...ctx.location });
    const result = await api.maintenance('compact-staging', { location: into, ...ctx.location }, (target) =>
      ops.compactStaging(staging, target, options),
    );
    return { result, text: report(result, 'version') };
  });
}

/** `committed` names what the version counts: the Delta table's versions or the `_lakeside_log`'s. */
function report(result: CompactStagingResult, committed: string): string {
  const lines: string[] = [];
  if (result.resumedRuns > 0) lines.push(`finished ${result.resumedRuns} earlier run(s) whose commit had landed`);
  const taken = `${result.records} records from ${result.sourcesRead} files into ${result.partitions} partitions`;
  if (result.dryRun) lines.push(`dry run: nothing changed; would write ${taken}`);
  else if (result.version !== undefined) lines.push(`committed ${committed} ${result.version}: ${taken}`);
  else lines.push('nothing staged; nothing committed');
  for (const p of result.plan) {
    const partition = Object.entries(p.partition).map(([k, v]) => `${k}=${v}`).join('/') || '(unpartitioned)';
    lines.push(`  ${partition}: ${p.files} files, ${p.records} records`);
  }
  if (result.quarantined > 0) {
    const where = result.quarantineObjects.length > 0 ? ` in ${result.quarantineObjects.join(', ')}` : '';
    lines.push(`${result.quarantined} records ${result.dryRun ? 'would be quarantined' : 'quarantined'}${where}`);
  }
  if (result.sourcesDeleted > 0) lines.push(`${result.sourcesDeleted} staged files deleted`);
  if (result.cleanupDeferred) lines.push(`the taken staged files are not all deleted yet (${result.cleanupDeferred}); the next run deletes them first`);
  return lines.join('\n') + '\n';
}
