/** `lakebench serve`: the workbench in a browser, on 127.0.0.1 with a token, until Ctrl-C. */
import { join } from 'node:path';
import type { CliContext } from '../context';
import { EXIT_OK } from '../context';

export interface ServeFlags {
  port: number;
  lake?: string;
}

export async function serve(ctx: CliContext, flags: ServeFlags): Promise<number> {
  const [{ createWorkbench }, { startServer }, { resourcesDir }] = await Promise.all([
    import('../../api/workbench-impl'),
    import('../../server/server'),
    import('../../demo/resources'),
  ]);
  const workbench = createWorkbench();
  try {
    if (flags.lake) await workbench.openWorkspace({ location: flags.lake });
    const server = await startServer({
      workbench,
      // resources/ and out/ are both at the package root (`npm run build` writes out/renderer).
      rendererDir: join(resourcesDir(), '..', 'out', 'renderer'),
      port: flags.port,
      log: process.env.LAKEBENCH_DEBUG ? (line) => ctx.err(`${line}\n`) : undefined,
    });
    // The one place the token is shown: the user needs it to open the page.
    ctx.out(`Lakebench: ${server.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return EXIT_OK;
  } finally {
    await workbench.close();
  }
}

