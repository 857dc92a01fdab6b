/** `rewrite-manifests <table>`: Iceberg's rewrite_manifests, one replace snapshot. Ctrl-C cancels before the commit. */
import type { RewriteManifestsResult } from '../../ops/iceberg-rewrite-manifests';
import type { CliContext, CommandOutput } from '../context';
import type { RewriteManifestsFlags } from '../maintenance-program';
import { renderTable } from '../output';
import { interruptible } from './interrupt';
import { progressLine } from './write';

export async function rewriteManifests(ctx: CliContext, table: string, flags: RewriteManifestsFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const dryRun = flags.dryRun ?? false;
  return interruptible(ctx, async (signal) => {
    const result = await api.rewriteManifests(
      { location: table, ...ctx.location },
      { ...(flags.targetSize !== undefined && { targetSize: flags.targetSize }), dryRun, signal, onProgress: progressLine(ctx) },
      { dryRun },
    );
    return { result, text: report(result, dryRun) };
  });
}

function report(result: RewriteManifestsResult, dryRun: boolean): string {
  if (result.plan.length === 0) return 'nothing to rewrite (no spec has more data manifests than it needs); nothing committed\n';
  const table = renderTable(
    ['spec', 'manifests', 'entries', 'manifests after'],
    result.plan.map((p) => [p.specId, p.manifests, p.entries, p.manifestsAfter]),
  );
  const outcome = dryRun
    ? 'dry run: nothing changed\n'
    : `committed snapshot ${result.snapshotId}: ${result.manifestsRemoved} data manifests replaced by ${result.manifestsAdded}\n`;
  return table + outcome;
}
