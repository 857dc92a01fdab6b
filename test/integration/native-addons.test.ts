/**
 * How better-sqlite3 reaches each runtime from one install (core/native/sqlite-addon.ts): the build script
 * given a target, a separate build made and loaded through the engine's selection, and electron-builder's
 * packaging of the Electron build.
 *
 * What cannot run here: Electron itself (its binary and headers cannot be downloaded), so the Electron
 * build is checked as a plan (the commands and environment the script would use) and the packaging with a
 * stand-in Electron distribution; the build-and-load path runs for this machine's Node instead.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../core/api/doctor';
import { addonFolderName, sqliteAddonPath, sqliteNativeBinding, type RuntimeTarget } from '../../core/native/sqlite-addon';
import { ROOT, runCli } from '../helpers/cli-process';

const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const SCRIPT = join(ROOT, 'scripts', 'build-sqlite-addon.ts');

interface Plan {
  target: RuntimeTarget;
  out: string;
  steps: Array<{ tool: string; args: string[]; env: Record<string, string | null> }>;
  noCompile?: string;
}

function buildScript(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [TSX, SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8' });
}

/** For the long runs: a blocked test worker would miss vitest's own heartbeats. */
async function runAsync(command: string, args: string[]): Promise<{ status: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } });
    return { status: 0, output: stdout + stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { status: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

function planFor(args: string[]): Plan {
  const run = buildScript([...args, '--dry-run']);
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Plan;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakebench-native-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the build script', () => {
  it("plans Electron's build for the installed Electron: prebuilt first, then compiled against Electron's headers", () => {
    const electronVersion = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('electron/package.json'), 'utf8')).version as string;
    const plan = planFor([]);
    expect(plan.target).toEqual({ runtime: 'electron', version: electronVersion, platform: process.platform, arch: process.arch });
    expect(plan.out).toBe(join(ROOT, 'out', 'native', addonFolderName(plan.target)));
    expect(plan.steps.map((s) => s.tool)).toEqual(['prebuild-install', 'node-gyp']);
    expect(plan.steps[0].args).toEqual(['--runtime', 'electron', '--target', electronVersion, '--platform', process.platform, '--arch', process.arch]);
    expect(plan.steps[1].args).toContain('--dist-url=https://electronjs.org/headers');
    expect(plan.steps[1].args).toContain(`--target=${electronVersion}`);
    // npm's nodedir setting points at Node's headers: it must not reach an Electron build.
    expect(plan.steps[1].env).toMatchObject({ npm_config_nodedir: null });
  });

  it('plans another platform as a prebuilt download only, and says why', () => {
    const plan = planFor(['--target', '38.8.6', '--platform', 'darwin', '--arch', 'arm64']);
    expect(plan.out).toBe(join(ROOT, 'out', 'native', 'electron-38.8.6-darwin-arm64'));
    expect(plan.steps.map((s) => s.tool)).toEqual(['prebuild-install']);
    expect(plan.noCompile).toContain('darwin-arm64');
  });

  it('refuses an unknown runtime', () => {
    const run = buildScript(['--runtime', 'deno', '--dry-run']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--runtime must be electron or node');
  });

  it("builds a separate copy for this Node, loads it through the engine's selection, and leaves npm's build alone", async () => {
    const npmBuild = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const before = statSync(npmBuild).mtimeMs;
    const out = join(dir, 'node-addon');
    const run = await runAsync(process.execPath, [TSX, SCRIPT, '--runtime', 'node', '--out', out]);
    expect(run.status, run.output).toBe(0);
    const built = join(out, 'better_sqlite3.node');
    expect(JSON.parse(readFileSync(join(out, 'addon.json'), 'utf8'))).toMatchObject({ runtime: 'node', version: process.versions.node, how: expect.stringMatching(/^(prebuilt|compiled)$/) });
    expect(statSync(npmBuild).mtimeMs).toBe(before);

    const binding = sqliteNativeBinding(undefined, ROOT, { LAKEBENCH_SQLITE_ADDON: built });
    expect(binding).toBe(built);
    const db = new Database(':memory:', { nativeBinding: binding });
    expect((db.prepare('select 40 + 2 as n').get() as { n: number }).n).toBe(42);
    db.close();

    // The engine in another process picks it too, and says so.
    const doctor = await runCli(['doctor', '--json'], { LAKEBENCH_HOME: join(dir, 'home'), LAKEBENCH_SQLITE_ADDON: built });
    const sqlite = (JSON.parse(doctor.stdout) as DoctorReport).nativeModules.find((m) => m.name === 'better-sqlite3');
    expect(sqlite).toMatchObject({ ok: true, loadedFrom: built });

    // A second run finds it up to date.
    expect(buildScript(['--runtime', 'node', '--out', out]).stderr).toContain('is up to date');
  }, 300_000);
});

describe('packaging (electron-builder --dir, with a stand-in Electron distribution)', () => {
  // A version no real Electron has, so the addon folder seeded for it can never be mistaken for a real build.
  const target: RuntimeTarget = { runtime: 'electron', version: '0.0.0-lakebench-packaging-check', platform: 'linux', arch: 'x64' };
  const seeded = join(ROOT, 'out', 'native', addonFolderName(target));

  afterAll(() => rm(seeded, { recursive: true, force: true }));

  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    "packs Electron's better-sqlite3 build outside app.asar, where the engine looks for it, without rebuilding node_modules",
    async () => {
      // out/ is built by the test run's global setup.
      expect(existsSync(join(ROOT, 'out', 'main', 'engine-process.js'))).toBe(true);
      // The hook finds this build up to date (compiling for Electron needs its headers, not reachable here).
      await mkdir(seeded, { recursive: true });
      await cp(join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), join(seeded, 'better_sqlite3.node'));
      const electronDist = join(dir, 'electron-dist');
      await mkdir(electronDist, { recursive: true });
      await writeFile(join(electronDist, 'electron'), '#!/bin/sh\necho stand-in\n', { mode: 0o755 });
      await writeFile(join(electronDist, 'LICENSE'), '');
      const output = join(dir, 'release');
      const npmBuild = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
      const before = statSync(npmBuild).mtimeMs;

      const run = await runAsync('npx', [
        'electron-builder',
        '--dir',
        '--linux',
        '--x64',
        `-c.electronDist=${electronDist}`,
        `-c.electronVersion=${target.version}`,
        `-c.directories.output=${output}`,
      ]);
      expect(run.status, run.output).toBe(0);
      expect(run.output).toContain(`${seeded} is up to date`);

      const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as { npmRebuild?: boolean; beforePack?: string };
      expect(config.npmRebuild).toBe(false);
      expect(existsSync(join(ROOT, config.beforePack!))).toBe(true);
      const resources = join(output, 'linux-unpacked', 'resources');
      expect(existsSync(sqliteAddonPath(join(resources, 'app.asar'), target))).toBe(true);
      expect(existsSync(join(resources, 'sample-lake'))).toBe(true);
      expect(statSync(npmBuild).mtimeMs).toBe(before);
    },
    180_000,
  );
});
