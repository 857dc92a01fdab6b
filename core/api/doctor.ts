/**
 * `lakebench doctor`: what this runtime is and whether the engine can run in it — each native module
 * loaded on its own (so one that fails is named, with what to do), DuckDB's version and extensions, the
 * catalog's path and migration level, the cache folder, the AWS settings seen (secrets masked).
 *
 * The same report is the engine's start-up check: the Electron engine process and `lakebench serve` run
 * it when the workbench cannot be created, and show it instead of dying in silence. So this module loads
 * no native module statically: each is imported inside its own check.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { engines, version as lakebenchVersion } from '../../package.json';
import { migrations } from '../catalog/migrations';
import { resolveSettings, type ApiOptions } from './settings';

export interface NativeModuleReport {
  name: string;
  /** `node-api`: one build loads in Node and Electron; `per-runtime`: built for one runtime's ABI. */
  kind: 'node-api' | 'per-runtime';
  ok: boolean;
  /** The version the module reports once loaded (DuckDB's, SQLite's, lz4-napi's package). */
  version?: string;
  /** The addon file loaded, where we choose it. */
  loadedFrom?: string;
  error?: string;
  fix?: string;
}

export interface DoctorProblem {
  what: string;
  fix: string;
}

export interface DoctorReport {
  ok: boolean;
  problems: DoctorProblem[];
  lakebench: string;
  runtime: { node: string; electron?: string; platform: string; arch: string; abi: string; nodeRequired: string };
  nativeModules: NativeModuleReport[];
  duckdb?: { version: string; extensions: Array<{ name: string; loaded: boolean; installed: boolean }> };
  catalog: { path: string; exists: boolean; migrationLevel?: number; latestMigration: number; integrity?: string; error?: string };
  cache: { path: string; files: number; bytes: number; budgetBytes: number };
  aws: Array<{ name: string; value: string }>;
}

const REINSTALL = 'run `npm ci` in the Lakebench folder (or reinstall the app)';
const requireHere = createRequire(import.meta.url);

/** The folder of an installed package, as this module resolves it (found from its entry: `exports` may hide package.json). */
function packageDir(name: string): string {
  for (let dir = dirname(requireHere.resolve(name)); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === name) return dir;
  }
  throw new Error(`the package folder of ${name} was not found`);
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** `>=22.12` is the only form package.json uses; true when `have` satisfies it. */
export function satisfiesMinimum(have: string, required: string): boolean {
  const min = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(required.trim());
  if (!min) return true;
  const parts = have.replace(/^v/, '').split('.').map(Number);
  const wanted = [min[1], min[2] ?? '0', min[3] ?? '0'].map(Number);
  for (let i = 0; i < 3; i++) if ((parts[i] ?? 0) !== wanted[i]) return (parts[i] ?? 0) > wanted[i];
  return true;
}

async function checkDuckDb(): Promise<{ module: NativeModuleReport; duckdb?: DoctorReport['duckdb'] }> {
  const base = { name: '@duckdb/node-api', kind: 'node-api' as const };
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const version = String((await connection.runAndReadAll('select version() as v')).getRowObjects()[0].v);
      const rows = (await connection.runAndReadAll('select extension_name, loaded, installed from duckdb_extensions() order by 1')).getRowObjects();
      const extensions = rows.map((r) => ({ name: String(r.extension_name), loaded: r.loaded === true, installed: r.installed === true }));
      return { module: { ...base, ok: true, version }, duckdb: { version, extensions } };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } catch (e) {
    return { module: { ...base, ok: false, error: errorText(e), fix: REINSTALL } };
  }
}

async function checkLz4(): Promise<NativeModuleReport> {
  const base = { name: 'lz4-napi', kind: 'node-api' as const };
  try {
    const lz4 = (await import('lz4-napi')).default;
    const sample = Buffer.from('lakebench doctor');
    if (!Buffer.from(lz4.uncompressSync(lz4.compressSync(sample))).equals(sample)) throw new Error('a compressed sample did not come back intact');
    const version = JSON.parse(readFileSync(join(packageDir('lz4-napi'), 'package.json'), 'utf8')).version as string;
    return { ...base, ok: true, version };
  } catch (e) {
    return { ...base, ok: false, error: errorText(e), fix: REINSTALL };
  }
}

async function checkSqlite(): Promise<NativeModuleReport> {
  const base = { name: 'better-sqlite3', kind: 'per-runtime' as const };
  let loadedFrom: string | undefined;
  try {
    const { sqliteNativeBinding, openSqlite, SQLITE_ADDON_FILE } = await import('../native/sqlite-addon');
    loadedFrom = sqliteNativeBinding() ?? join(packageDir('better-sqlite3'), 'build', 'Release', SQLITE_ADDON_FILE);
    const db = openSqlite(':memory:');
    try {
      const version = String((db.prepare('select sqlite_version() as v').get() as { v: string }).v);
      return { ...base, ok: true, version: `SQLite ${version}`, loadedFrom };
    } finally {
      db.close();
    }
  } catch (e) {
    const underElectron = process.versions.electron !== undefined;
    return {
      ...base,
      ok: false,
      ...(loadedFrom && { loadedFrom }),
      error: errorText(e),
      fix: underElectron
        ? 'build it for this Electron: `npm run native:electron` in the Lakebench folder (npm start does it), or reinstall the app'
        : `rebuild it for Node ${process.versions.node}: \`npm rebuild better-sqlite3\` in the Lakebench folder`,
    };
  }
}

async function catalogReport(path: string): Promise<DoctorReport['catalog']> {
  const latestMigration = migrations.length;
  if (!existsSync(path)) return { path, exists: false, latestMigration };
  try {
    const { openSqlite } = await import('../native/sqlite-addon');
    // Read-only: the doctor looks, it never migrates or repairs.
    const db = openSqlite(path, { readonly: true, fileMustExist: true });
    try {
      const migrationLevel = db.pragma('user_version', { simple: true }) as number;
      const integrity = String(db.pragma('quick_check', { simple: true }));
      return { path, exists: true, migrationLevel, latestMigration, integrity };
    } finally {
      db.close();
    }
  } catch (e) {
    return { path, exists: true, latestMigration, error: errorText(e) };
  }
}

async function cacheReport(path: string, budgetBytes: number): Promise<DoctorReport['cache']> {
  let files = 0;
  let bytes = 0;
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return; // not created yet
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        files++;
        bytes += (await fs.stat(full)).size;
      }
    }
  }
  await walk(path);
  return { path, files, bytes, budgetBytes };
}

/** Settings the AWS SDK reads, as seen here: ids shortened, secrets never shown. */
const AWS_PLAIN = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE'];
const AWS_SECRET = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

export function maskAccessKeyId(id: string): string {
  return id.length <= 8 ? '****' : `${id.slice(0, 4)}…${id.slice(-4)}`;
}

/** Profile names in an AWS ini file (`[name]` or `[profile name]`), never its values. */
function profilesIn(file: string): string[] {
  try {
    return [...readFileSync(file, 'utf8').matchAll(/^\s*\[(?:profile\s+)?([^\]]+)\]/gm)].map((m) => m[1].trim());
  } catch {
    return [];
  }
}

export function awsSettings(env: NodeJS.ProcessEnv = process.env, home = homedir()): DoctorReport['aws'] {
  const seen: DoctorReport['aws'] = [];
  if (env.AWS_ACCESS_KEY_ID) seen.push({ name: 'AWS_ACCESS_KEY_ID', value: maskAccessKeyId(env.AWS_ACCESS_KEY_ID) });
  for (const name of AWS_SECRET) if (env[name]) seen.push({ name, value: `set (${env[name]!.length} characters, hidden)` });
  for (const name of AWS_PLAIN) if (env[name]) seen.push({ name, value: env[name]! });
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const config = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  const profiles = [...new Set([...profilesIn(credentials), ...profilesIn(config)])];
  if (profiles.length > 0) seen.push({ name: 'profiles', value: profiles.join(', ') });
  return seen;
}

function problemsOf(report: Omit<DoctorReport, 'ok' | 'problems'>): DoctorProblem[] {
  const problems: DoctorProblem[] = [];
  const { runtime, catalog } = report;
  if (!runtime.electron && !satisfiesMinimum(runtime.node, runtime.nodeRequired)) {
    problems.push({ what: `Node ${runtime.node} is older than Lakebench needs (${runtime.nodeRequired})`, fix: 'install Node 22 (nodejs.org, nvm, or `npx node@22`)' });
  }
  for (const m of report.nativeModules) {
    if (!m.ok) problems.push({ what: `${m.name} does not load${m.loadedFrom ? ` from ${m.loadedFrom}` : ''}: ${m.error}`, fix: m.fix ?? REINSTALL });
  }
  if (catalog.error) problems.push({ what: `the catalog ${catalog.path} cannot be read: ${catalog.error}`, fix: 'move the file away (Lakebench creates a new one; saved connections and history are in the old one)' });
  else if (catalog.integrity !== undefined && catalog.integrity !== 'ok') problems.push({ what: `the catalog ${catalog.path} is damaged: ${catalog.integrity}`, fix: 'move the file away; Lakebench creates a new one' });
  else if (catalog.migrationLevel !== undefined && catalog.migrationLevel > catalog.latestMigration) {
    problems.push({ what: `the catalog ${catalog.path} was written by a newer Lakebench (level ${catalog.migrationLevel}, this one knows ${catalog.latestMigration})`, fix: 'update Lakebench, or point LAKEBENCH_HOME elsewhere' });
  }
  return problems;
}

export async function runDoctor(options: ApiOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const settings = resolveSettings(options, env);
  const [duck, lz4, sqlite] = await Promise.all([checkDuckDb(), checkLz4(), checkSqlite()]);
  const [catalog, cache] = await Promise.all([catalogReport(settings.catalogPath), cacheReport(settings.cacheDir, settings.cacheBytes)]);
  const report = {
    lakebench: lakebenchVersion,
    runtime: {
      node: process.versions.node,
      ...(process.versions.electron && { electron: process.versions.electron }),
      platform: process.platform,
      arch: process.arch,
      abi: process.versions.modules,
      nodeRequired: engines.node,
    },
    nativeModules: [duck.module, lz4, sqlite],
    ...(duck.duckdb && { duckdb: duck.duckdb }),
    catalog,
    cache,
    aws: awsSettings(env),
  };
  const problems = problemsOf(report);
  return { ok: problems.length === 0, problems, ...report };
}
