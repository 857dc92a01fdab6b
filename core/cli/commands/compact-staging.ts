/** `compact-staging <location> [--into <table>]`: a Lakeside staging area into a Delta table. Ctrl-C cancels before the commit. */
import type { CompactStagingResult } from '../../ops/compact-staging';
import type { CliContext, CommandOutput } from '../context';
import type { CompactStagingFlags } from '../maintenance-program';
import { interruptible } from './interrupt';
import { progressLine } from './write';

export async function compactStaging(ctx: CliContext, location: string, flags: CompactStagingFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const into = flags.into ?? `${location.replace(/\/+$/, '')}/delta`;
  return interruptible(ctx, async (signal) => {
    const ops = await import('../../ops/compact-staging');
    const staging = api.open({ location, ...ctx.location });
    const result = await api.maintenance('compact-staging', { location: into, ...ctx.location }, (target) =>
      ops.compactStaging(staging, target, { dryRun: flags.dryRun, signal, onProgress: progressLine(ctx) }),
    );
    return { result, text: report(result) };
  });
}

function report(result: CompactStagingResult): string {
  const lines: string[] = [];
  if (result.resumedRuns > 0) lines.push(`finished ${result.resumedRuns} earlier run(s) whose commit had landed`);
  const taken = `${result.records} records from ${result.sourcesRead} files into ${result.partitions} partitions`;
  if (result.dryRun) lines.push(`dry run: nothing changed; would write ${taken}`);
  else if (result.version !== undefined) lines.push(`committed version ${result.version}: ${taken}`);
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
  return lines.join('\n') + '\n';
}
