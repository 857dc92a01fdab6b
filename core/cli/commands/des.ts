/** `des ls` and `des get`: the entries of a DES archive and one entry's original bytes. */
import { writeFile } from 'node:fs/promises';
import type { CliContext, CommandOutput } from '../context';
import type { DesGetFlags, DesLsFlags } from '../des-program';
import { renderTable } from '../output';

export async function desLs(ctx: CliContext, archive: string, flags: DesLsFlags): Promise<CommandOutput> {
  const api = await ctx.api();
  const { archiveEntries } = await import('../../formats/des/archive');
  const all = await archiveEntries(api.open({ location: archive, ...ctx.location }), { shard: flags.shard });
  const entries = flags.includeDeleted ? all : all.filter((e) => !e.tombstoned);
  const rows = entries.map((e) => [e.uid, e.shard, e.size, e.codec, e.created_at ?? '', e.meta === null ? '' : JSON.stringify(e.meta), e.tombstoned ? 'yes' : '']);
  const hidden = all.length - entries.length;
  const text = renderTable(['uid', 'shard', 'size', 'codec', 'created_at', 'meta', 'tombstoned'], rows) +
    `${entries.length} entries${hidden ? ` (${hidden} tombstoned not shown: --include-deleted)` : ''}\n`;
  return { result: entries, text };
}

export async function desGet(ctx: CliContext, archive: string, uid: string, flags: DesGetFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const { readEntry } = await import('../../formats/des/archive');
  const { bytes, shard, skipped } = await readEntry(api.open({ location: archive, ...ctx.location }), uid, { includeDeleted: flags.includeDeleted });
  for (const s of skipped) ctx.err(`lakebench: skipped ${s.shard}: ${s.problem}\n`);
  if (flags.out) {
    await writeFile(flags.out, bytes);
    return { result: { uid, shard, bytes: bytes.length, out: flags.out }, text: `${uid} (${bytes.length} bytes from ${shard}) written to ${flags.out}\n` };
  }
  if (ctx.json) return { result: { uid, shard, bytes: bytes.length, base64: Buffer.from(bytes).toString('base64') }, text: '' };
  await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (e) => (e ? reject(e) : resolve())));
  return 0;
}
