/** `lakebench serve`: the workbench in a browser, on 127.0.0.1 with a token, until Ctrl-C. */
import { join } from 'node:path';
import type { CliContext } from '../context';
import { EXIT_OK } from '../context';
import { formatDoctor } from './doctor';

export interface ServeFlags {
  port: number;
  lake?: string;
}

export async function serve(ctx: CliContext, flags: ServeFlags): Promise<number> {
  const [{ startWorkbench }, { startServer }, { packageRoot }] = await Promise.all([
    import('../../api/engine-start'),
    import('../../server/server'),
    import('../../package-root'),
  ]);
  const { workbench, failure } = await startWorkbench();
  try {
    // An engine that cannot start still serves the page, which shows the same report as this.
    if (failure) ctx.err(`lakebench: the engine cannot start: ${failure.reason}\n\n${formatDoctor(failure.report)}\n`);
    else if (flags.lake) await workbench.openWorkspace({ location: flags.lake });
    const server = await startServer({
      workbench,
      // `npm run build` (electron-vite) writes the renderer there.
      rendererDir: join(packageRoot(), 'out', 'renderer'),
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
