/**
 * Where the deep-check worker's code is, for each way Lakebench runs:
 * - bundled (the esbuild CLI in dist/, the Electron main bundle in out/main/): the bundler emits it as
 *   an entry of its own, `deep-check-worker.mjs` / `.js`, beside the other entries, and this module sits
 *   in an entry or in `chunks/` one folder below;
 * - from source (tsx scripts, vitest): the .ts file beside this one, run through tsx's loader, which
 *   the worker is given explicitly because vitest's own transform does not reach worker threads.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LakebenchError } from '../../errors';

export interface WorkerSpec {
  url: URL;
  execArgv: string[] | undefined;
}

const BUNDLED = ['./deep-check-worker.mjs', '../deep-check-worker.mjs', './deep-check-worker.js', '../deep-check-worker.js'];
const SOURCE = './deep-check-worker.ts';

export function deepCheckWorkerSpec(): WorkerSpec {
  const bundled = BUNDLED.map((name) => new URL(name, import.meta.url)).find(exists);
  if (bundled) return { url: bundled, execArgv: undefined };
  const source = new URL(SOURCE, import.meta.url);
  if (!exists(source)) {
    throw new LakebenchError('ENVIRONMENT', `the deep-check worker is missing beside ${fileURLToPath(import.meta.url)} (rebuild with npm run build:cli)`, {
      object: fileURLToPath(source),
    });
  }
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
  return { url: source, execArgv: [...process.execArgv, '--import', tsx] };
}

const exists = (url: URL) => url.protocol === 'file:' && existsSync(fileURLToPath(url));
