/**
 * Which compiled better-sqlite3 addon the running process loads.
 *
 * DuckDB (@duckdb/node-api) and lz4-napi are Node-API addons: one build loads in Node and in Electron.
 * better-sqlite3 is built against one runtime's ABI, and Electron's Node has its own. So one install
 * keeps two builds apart: npm's build for the machine's Node stays in node_modules (the CLI, `lakebench
 * serve`, the tests), and Electron's build lives in `out/native/electron-<version>-<platform>-<arch>/`
 * (made by scripts/build-sqlite-addon.ts, which `npm start` and electron-builder's beforePack run). The
 * engine passes the chosen file as better-sqlite3's `nativeBinding`, so nothing is rebuilt in place.
 */
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import Database from 'better-sqlite3';
import { LakebenchError } from '../errors';
import { packageRoot } from '../package-root';

export interface RuntimeTarget {
  runtime: 'node' | 'electron';
  /** Runtime version without a leading `v` (Electron's own version for Electron). */
  version: string;
  platform: string;
  arch: string;
}

/** Where per-runtime builds are kept, relative to the package root (packaged with `out/**`). */
export const NATIVE_DIR = join('out', 'native');
export const SQLITE_ADDON_FILE = 'better_sqlite3.node';
/** Points at an addon file explicitly (a build made elsewhere; the tests' separately built addon). */
export const SQLITE_ADDON_ENV = 'LAKEBENCH_SQLITE_ADDON';

export function currentTarget(versions: NodeJS.ProcessVersions = process.versions): RuntimeTarget {
  return versions.electron
    ? { runtime: 'electron', version: versions.electron, platform: process.platform, arch: process.arch }
    : { runtime: 'node', version: versions.node, platform: process.platform, arch: process.arch };
}

export function addonFolderName(target: RuntimeTarget): string {
  return `${target.runtime}-${target.version.replace(/^v/, '')}-${target.platform}-${target.arch}`;
}

/** Native files cannot load from inside app.asar; electron-builder unpacks them beside it (asarUnpack). */
function outsideAsar(path: string): string {
  return path.replace(`.asar${sep}`, `.asar.unpacked${sep}`);
}

export function sqliteAddonPath(root: string, target: RuntimeTarget): string {
  return outsideAsar(join(root, NATIVE_DIR, addonFolderName(target), SQLITE_ADDON_FILE));
}

/**
 * The `nativeBinding` for better-sqlite3: the file LAKEBENCH_SQLITE_ADDON names, else Electron's own
 * build under Electron, else undefined (npm's build in node_modules, made for this Node).
 */
export function sqliteNativeBinding(
  target: RuntimeTarget = currentTarget(),
  root: string = packageRoot(),
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const explicit = env[SQLITE_ADDON_ENV];
  if (explicit) {
    if (!exists(explicit)) throw new LakebenchError('ENVIRONMENT', `${SQLITE_ADDON_ENV} names a file that does not exist`, { object: explicit });
    return explicit;
  }
  if (target.runtime === 'node') return undefined;
  const path = sqliteAddonPath(root, target);
  if (!exists(path)) {
    throw new LakebenchError(
      'ENVIRONMENT',
      `better-sqlite3 has no build for Electron ${target.version} (${target.platform}-${target.arch}): ${path} is missing. ` +
        'From a checkout, run `npm run native:electron` (npm start does); a packaged app must be reinstalled.',
      { object: path },
    );
  }
  return path;
}

/** Opens a SQLite database with the addon built for this runtime. */
export function openSqlite(path: string, options: Database.Options = {}): Database.Database {
  return new Database(path, { ...options, nativeBinding: sqliteNativeBinding() });
}
