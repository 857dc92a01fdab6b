/** `queries`: the catalog's query history. */
import type { CliContext, CommandOutput } from '../context';
import { renderTable } from '../output';

export async function queries(ctx: CliContext, flags: { search?: string; limit: number }): Promise<CommandOutput> {
  const entries = await (await ctx.api()).queryHistory({ search: flags.search, limit: flags.limit });
  const rows = entries.map((q) => [q.startedAt, q.status, q.rows, q.durationMs, q.sql.replace(/\s+/g, ' ')]);
  return { result: entries, text: renderTable(['started', 'status', 'rows', 'ms', 'sql'], rows) };
}
