/** `des tombstone` and `des repack`: the DES archive changes, recorded in the maintenance log. */
import type { DesRepackResult } from '../../ops/des-repack';
import { EXIT_FAILED, type CliContext, type CommandOutput } from '../context';
import type { DesRepackFlags, DesTombstoneFlags } from '../des-program';
import { renderTable } from '../output';
import { byteSize } from './byte-size';
import { interruptible } from './interrupt';
import { notDeleted } from './vacuum';
import { progressLine } from './write';

export async function desTombstone(ctx: CliContext, archive: string, uid: string, flags: DesTombstoneFlags): Promise<CommandOutput> {
  const api = await ctx.api();
  const { tombstoneEntry } = await import('../../ops/des-tombstone');
  const result = await api.maintenance('des-tombstone', { location: archive, ...ctx.location }, (store) =>
    tombstoneEntry(store, { uid, reason: flags.reason, ticket: flags.ticket, deletedBy: flags.by }),
  );
  const text = result.already ? `${uid} in ${result.shard} was already tombstoned; nothing written\n` : `${uid} in ${result.shard} tombstoned (${result.sidecar})\n`;
  return { result, text };
}

export async function desRepack(ctx: CliContext, archive: string, flags: DesRepackFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const dryRun = flags.dryRun ?? false;
  return interruptible(ctx, async (signal) => {
    const { repackArchive } = await import('../../ops/des-repack');
    const result = await api.maintenance(
      'des-repack',
      { location: archive, ...ctx.location },
      (store) =>
        repackArchive(store, {
          shard: flags.shard,
          minDeletionRatio: flags.minDeletionRatio,
          recompressLevel: flags.recompress,
          graceMs: flags.grace,
          dryRun,
          signal,
          onProgress: progressLine(ctx),
        }),
      { dryRun },
    );
    return { result, text: report(result), ...(result.failed?.length && { exitCode: EXIT_FAILED }) };
  });
}

function report(result: DesRepackResult): string {
  const lines: string[] = [];
  if (result.repacked.length) {
    lines.push(renderTable(
      ['shard', 'into', 'entries kept', 'tombstoned dropped', 'corrupt dropped', 'bytes'],
      result.repacked.map((r) => [r.shard, r.into, r.entries, r.tombstonedDropped.length, r.corruptDropped.join(' ') || '0', result.dryRun ? byteSize(r.bytesBefore) : `${byteSize(r.bytesBefore)} → ${byteSize(r.bytesAfter)}`]),
    ));
  }
  for (const s of result.skipped) lines.push(`skipped ${s.shard}: ${s.reason}\n`);
  for (const d of result.deleted) lines.push(`deleted ${d}\n`);
  lines.push(notDeleted(result.failed));
  if (result.estimate) lines.push(`(${result.estimate})\n`);
  const verdict = result.dryRun ? 'dry run: nothing changed' : `${result.repacked.length} shard${result.repacked.length === 1 ? '' : 's'} repacked`;
  return `${lines.join('')}${verdict}\n`;
}
