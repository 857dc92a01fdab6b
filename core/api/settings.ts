/** Where the app keeps its state: `$LAKEBENCH_HOME` (default `~/.lakebench`) holds the catalog and the cache. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_CACHE_BYTES = 2 * 1024 ** 3;

export interface ApiOptions {
  /** SQLite file of the catalog; default `$LAKEBENCH_HOME/catalog.sqlite`. */
  catalogPath?: string;
  /** Local copies of remote objects for DuckDB; default `$LAKEBENCH_HOME/cache`. */
  cacheDir?: string;
  /** Cache budget; default 2 GiB. */
  cacheBytes?: number;
}

export type ApiSettings = Required<ApiOptions>;

export function lakebenchHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.LAKEBENCH_HOME || join(homedir(), '.lakebench');
}

export function resolveSettings(options: ApiOptions, env: NodeJS.ProcessEnv = process.env): ApiSettings {
  const home = lakebenchHome(env);
  return {
    catalogPath: options.catalogPath ?? join(home, 'catalog.sqlite'),
    cacheDir: options.cacheDir ?? join(home, 'cache'),
    cacheBytes: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
  };
}

/** The settings of a workbench whose state lives in `home` (default `$LAKEBENCH_HOME`); explicit paths win. */
export function homeSettings(options: ApiOptions & { home?: string }, env: NodeJS.ProcessEnv = process.env): ApiSettings {
  const home = options.home ?? lakebenchHome(env);
  return resolveSettings({
    catalogPath: options.catalogPath ?? join(home, 'catalog.sqlite'),
    cacheDir: options.cacheDir ?? join(home, 'cache'),
    cacheBytes: options.cacheBytes,
  });
}
