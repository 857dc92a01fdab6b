/** `demo <dir>`: writes the built-in sample lake. */
import type { CliContext, CommandOutput } from '../context';
import { renderTable } from '../output';

export async function demo(ctx: CliContext, dir: string): Promise<CommandOutput> {
  ctx.err(`writing the sample lake to ${dir} …\n`);
  const tables = await (await ctx.api()).demo(dir);
  const text = `sample lake written to ${dir}\n` + renderTable(['name', 'layout', 'location'], tables.map((t) => [t.name, t.layout, t.location]));
  return { result: { dir, tables }, text };
}
