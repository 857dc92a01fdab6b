/** `ls` and `tables`: what is at a location. */
import type { CliContext, CommandOutput } from '../context';
import { renderTable } from '../output';

export async function ls(ctx: CliContext, location: string, flags: { recursive?: boolean }): Promise<CommandOutput> {
  const result = await (await ctx.api()).ls({ location, ...ctx.location, recursive: flags.recursive });
  const rows = result.entries.map((e) => [e.lastModified ?? '', e.kind === 'prefix' ? 'PRE' : e.size, e.key]);
  return { result, text: renderTable(['modified', 'size', 'key'], rows) };
}

export async function tables(ctx: CliContext, location: string): Promise<CommandOutput> {
  const found = await (await ctx.api()).tables({ location, ...ctx.location });
  const text = found.length
    ? renderTable(['name', 'layout', 'location'], found.map((t) => [t.name, t.layout, t.location]))
    : `no tables found under ${location}\n`;
  return { result: found, text };
}
