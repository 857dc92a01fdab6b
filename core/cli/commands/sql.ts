/** `sql`: streams a query's rows to stdout as they arrive; Ctrl-C cancels the query. */
import { parseTableBinding } from '../../api/table-binding';
import { EXIT_OK, type CliContext } from '../context';
import type { SqlFlags } from '../main';
import { createChunkWriter } from '../output';
import { interruptible } from './interrupt';

export async function sql(ctx: CliContext, query: string, flags: SqlFlags): Promise<number> {
  const tables = flags.table.map((spec) => ({ ...parseTableBinding(spec), ...ctx.location }));
  const api = await ctx.api();
  return interruptible(ctx, async (signal) => {
    const writer = createChunkWriter(ctx.json ? 'json' : flags.format, ctx.out);
    for await (const chunk of api.sql({ sql: query, tables, lake: flags.lake, ...ctx.location }, { signal })) {
      writer.write(chunk);
    }
    writer.end();
    return EXIT_OK;
  });
}
