/**
 * A real workbench behind a real `lakebench serve` server on loopback, in a temp LAKEBENCH_HOME, with
 * a temp copy of the sample lake and a stand-in renderer build. Everything is removed by stop().
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkbench, type Workbench } from '../../core/api/workbench-impl';
import { startServer, type RunningServer } from '../../core/server/server';
import { createHttpClient } from '../../renderer/src/api/http-client';
import type { WorkbenchClient } from '../../core/api/workbench';

export const SAMPLE_LAKE = join(import.meta.dirname, '..', '..', 'resources', 'sample-lake');

export interface WorkbenchServer {
  dir: string;
  home: string;
  lake: string;
  workbench: Workbench;
  server: RunningServer;
  token: string;
  origin: string;
  client: WorkbenchClient;
  logs: string[];
  stop(): Promise<void>;
}

export async function startWorkbenchServer(): Promise<WorkbenchServer> {
  const dir = await mkdtemp(join(tmpdir(), 'lakebench-serve-'));
  const home = join(dir, 'home');
  const lake = join(dir, 'lake');
  const rendererDir = join(dir, 'renderer');
  await cp(SAMPLE_LAKE, lake, { recursive: true });
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Lakebench</title><script type="module" src="/assets/app.js"></script>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("lakebench");');
  const workbench = createWorkbench({ home });
  await workbench.openWorkspace({ location: lake });
  const logs: string[] = [];
  const server = await startServer({ workbench, rendererDir, port: 0, log: (line) => logs.push(line) });
  const url = new URL(server.url);
  const token = url.searchParams.get('token')!;
  const client = createHttpClient({ baseUrl: url.origin, token });
  return {
    dir,
    home,
    lake,
    workbench,
    server,
    token,
    origin: url.origin,
    client,
    logs,
    async stop() {
      await server.close();
      await workbench.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
