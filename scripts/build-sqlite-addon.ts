/**
 * Builds better-sqlite3 for one runtime into out/native/<runtime>-<version>-<platform>-<arch>/, apart from
 * npm's build in node_modules (see core/native/sqlite-addon.ts for why and how the engine picks it).
 *
 *   npx tsx scripts/build-sqlite-addon.ts                      # Electron as installed, this platform
 *   npx tsx scripts/build-sqlite-addon.ts --target 38.8.6 --platform darwin --arch arm64
 *   npx tsx scripts/build-sqlite-addon.ts --runtime node --target 22.23.3 --out /tmp/addon
 *   … --dry-run                                               # print the plan as JSON, run nothing
 *
 * A prebuilt binary is fetched first (prebuild-install, from better-sqlite3's GitHub releases); when that
 * cannot be had (offline, no binary for that target), it is compiled with node-gyp against the runtime's
 * headers (Electron's from electronjs.org; Node's from `--nodedir` or npm's `nodedir` setting) — which
 * works only for this machine's own platform and architecture. Work happens in a copy of the package, so
 * npm's build in node_modules is never touched. Skipped when the output exists (`--force` rebuilds).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { addonFolderName, NATIVE_DIR, SQLITE_ADDON_FILE, type RuntimeTarget } from '../core/native/sqlite-addon';

const root = resolve(import.meta.dirname, '..');
const requireHere = createRequire(import.meta.url);
const ELECTRON_HEADERS = 'https://electronjs.org/headers';
/** The parts of the better-sqlite3 package a build needs. */
const PACKAGE_PARTS = ['package.json', 'binding.gyp', 'src', 'deps', 'lib'];

interface Step {
  tool: 'prebuild-install' | 'node-gyp';
  args: string[];
  /** Environment overrides; `null` removes a variable. */
  env: Record<string, string | null>;
}

interface Plan {
  target: RuntimeTarget;
  out: string;
  steps: Step[];
  /** Why compiling is not among the steps, when it is not. */
  noCompile?: string;
}

function installedElectronVersion(): string {
  const manifest = join(dirname(requireHere.resolve('electron/package.json')), 'package.json');
  return JSON.parse(readFileSync(manifest, 'utf8')).version as string;
}

function plan(options: { runtime: string; target?: string; platform: string; arch: string; out?: string; nodedir?: string }): Plan {
  if (options.runtime !== 'electron' && options.runtime !== 'node') throw new Error(`--runtime must be electron or node, not ${options.runtime}`);
  const runtime = options.runtime;
  const version = (options.target ?? (runtime === 'electron' ? installedElectronVersion() : process.versions.node)).replace(/^v/, '');
  const target: RuntimeTarget = { runtime, version, platform: options.platform, arch: options.arch };
  const out = options.out ? resolve(options.out) : join(root, NATIVE_DIR, addonFolderName(target));
  const prebuilt: Step = {
    tool: 'prebuild-install',
    args: ['--runtime', runtime, '--target', version, '--platform', target.platform, '--arch', target.arch],
    env: {},
  };
  if (target.platform !== process.platform || target.arch !== process.arch) {
    return { target, out, steps: [prebuilt], noCompile: `compiling for ${target.platform}-${target.arch} needs a ${target.platform}-${target.arch} machine` };
  }
  // npm exports its `nodedir` setting to scripts; for Electron it would point node-gyp at Node's headers.
  const headers = runtime === 'electron' ? [`--dist-url=${ELECTRON_HEADERS}`] : options.nodedir ? [`--nodedir=${options.nodedir}`] : [];
  const compile: Step = {
    tool: 'node-gyp',
    args: ['rebuild', '--release', `--target=${version}`, `--arch=${target.arch}`, ...headers],
    env: runtime === 'electron' ? { npm_config_nodedir: null, npm_config_runtime: 'electron' } : {},
  };
  return { target, out, steps: [prebuilt, compile] };
}

function toolScript(tool: Step['tool']): string {
  return tool === 'node-gyp' ? requireHere.resolve('node-gyp/bin/node-gyp.js') : requireHere.resolve('prebuild-install/bin.js');
}

function run(step: Step, cwd: string): boolean {
  const env = { ...process.env };
  for (const [name, value] of Object.entries(step.env)) {
    if (value === null) delete env[name];
    else env[name] = value;
  }
  console.error(`build-sqlite-addon: ${step.tool} ${step.args.join(' ')}`);
  return spawnSync(process.execPath, [toolScript(step.tool), ...step.args], { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
}

function execute(p: Plan): 'prebuilt' | 'compiled' {
  const source = dirname(requireHere.resolve('better-sqlite3/package.json'));
  const work = mkdtempSync(join(tmpdir(), 'lakebench-sqlite-addon-'));
  try {
    for (const part of PACKAGE_PARTS) cpSync(join(source, part), join(work, part), { recursive: true });
    let how: 'prebuilt' | 'compiled' | undefined;
    for (const step of p.steps) {
      if (run(step, work)) {
        how = step.tool === 'prebuild-install' ? 'prebuilt' : 'compiled';
        break;
      }
    }
    const built = join(work, 'build', 'Release', SQLITE_ADDON_FILE);
    if (!how || !existsSync(built)) {
      throw new Error(
        `no better-sqlite3 build for ${addonFolderName(p.target)}: the prebuilt binary could not be fetched` +
          (p.noCompile ? ` and ${p.noCompile}` : ' and compiling it failed (see above)'),
      );
    }
    mkdirSync(p.out, { recursive: true });
    copyFileSync(built, join(p.out, SQLITE_ADDON_FILE));
    const betterSqlite3 = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')).version as string;
    writeFileSync(join(p.out, 'addon.json'), JSON.stringify({ ...p.target, how, betterSqlite3, builtAt: new Date().toISOString() }, null, 2) + '\n');
    return how;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    runtime: { type: 'string', default: 'electron' },
    target: { type: 'string' },
    platform: { type: 'string', default: process.platform },
    arch: { type: 'string', default: process.arch },
    out: { type: 'string' },
    nodedir: { type: 'string', default: process.env.npm_config_nodedir },
    force: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
  },
});

try {
  const p = plan({ runtime: values.runtime!, target: values.target, platform: values.platform!, arch: values.arch!, out: values.out, nodedir: values.nodedir });
  if (values['dry-run']) {
    console.log(JSON.stringify(p, null, 2));
  } else if (!values.force && existsSync(join(p.out, SQLITE_ADDON_FILE))) {
    console.error(`build-sqlite-addon: ${p.out} is up to date`);
  } else {
    const how = execute(p);
    console.error(`build-sqlite-addon: ${how} ${join(p.out, SQLITE_ADDON_FILE)}`);
  }
} catch (e) {
  console.error(`build-sqlite-addon: ${(e as Error).message}`);
  process.exit(1);
}
