/** `ls` and `tables`: what is at a location (or in a catalog). */
import type { FoundTable } from '../../api/types';
import { LakebenchError } from '../../errors';
import type { CliContext, CommandOutput } from '../context';
import { renderTable } from '../output';

export async function ls(ctx: CliContext, location: string, flags: { recursive?: boolean }): Promise<CommandOutput> {
  const result = await (await ctx.api()).ls({ location, ...ctx.location, recursive: flags.recursive });
  const rows = result.entries.map((e) => [e.lastModified ?? '', e.kind === 'prefix' ? 'PRE' : e.size, e.key]);
  return { result, text: renderTable(['modified', 'size', 'key'], rows) };
}

/** The tables under a location, or (without one) in every catalog given with --catalog. */
export async function tables(ctx: CliContext, location: string | undefined): Promise<CommandOutput> {
  const api = await ctx.api();
  const where = location === undefined ? api.catalogs.list() : [location];
  if (where.length === 0) throw new LakebenchError('USAGE', 'tables wants a location, or --catalog <name>=<uri> to list a catalog');
  const found: FoundTable[] = [];
  for (const at of where) found.push(...(await api.tables({ location: at, ...ctx.location }, { versions: true })));
  const text = found.length
    ? renderTable(
        ['name', 'layout', 'versions', 'current', 'location'],
        found.map((t) => [t.name, t.layout, t.versions ?? '', t.currentVersion ?? '', t.location]),
      )
    : `no tables found under ${where.join(', ')}\n`;
  return { result: found, text };
}
