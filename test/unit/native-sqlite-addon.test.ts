/** Which better-sqlite3 addon a runtime loads (core/native/sqlite-addon.ts): the selection alone, no loading. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { addonFolderName, currentTarget, sqliteAddonPath, sqliteNativeBinding, SQLITE_ADDON_ENV, type RuntimeTarget } from '../../core/native/sqlite-addon';

const electron: RuntimeTarget = { runtime: 'electron', version: '38.8.6', platform: 'linux', arch: 'x64' };
const node: RuntimeTarget = { runtime: 'node', version: '22.23.3', platform: 'linux', arch: 'x64' };
const root = join('/opt', 'Lakebench', 'resources', 'app.asar');
const everything = () => true;
const nothing = () => false;

describe('the better-sqlite3 addon for a runtime', () => {
  it('names a folder per runtime, version, platform and architecture', () => {
    expect(addonFolderName(electron)).toBe('electron-38.8.6-linux-x64');
    expect(addonFolderName({ ...node, version: 'v22.23.3' })).toBe('node-22.23.3-linux-x64');
    expect(addonFolderName({ ...electron, platform: 'darwin', arch: 'arm64' })).toBe('electron-38.8.6-darwin-arm64');
  });

  it('reads the runtime from process.versions', () => {
    expect(currentTarget({ ...process.versions, electron: '38.8.6' }).runtime).toBe('electron');
    expect(currentTarget({ ...process.versions, electron: '38.8.6' }).version).toBe('38.8.6');
    const { electron: _electron, ...plain } = { ...process.versions, electron: undefined };
    expect(currentTarget(plain as NodeJS.ProcessVersions)).toMatchObject({ runtime: 'node', version: process.versions.node });
  });

  it("leaves Node to npm's build in node_modules", () => {
    expect(sqliteNativeBinding(node, root, {}, everything)).toBeUndefined();
  });

  it("gives Electron its own build, outside app.asar where electron-builder unpacks it", () => {
    const path = sqliteNativeBinding(electron, root, {}, everything)!;
    expect(path).toBe(join('/opt', 'Lakebench', 'resources', 'app.asar.unpacked', 'out', 'native', 'electron-38.8.6-linux-x64', 'better_sqlite3.node'));
    expect(sqliteAddonPath('/src/lakebench', electron)).toBe(join('/src/lakebench', 'out', 'native', 'electron-38.8.6-linux-x64', 'better_sqlite3.node'));
  });

  it('says what is missing and what to run when Electron has no build', () => {
    try {
      sqliteNativeBinding(electron, '/src/lakebench', {}, nothing);
      expect.unreachable();
    } catch (e) {
      expect(isLakebenchError(e, 'ENVIRONMENT')).toBe(true);
      expect((e as Error).message).toContain('no build for Electron 38.8.6 (linux-x64)');
      expect((e as Error).message).toContain('npm run native:electron');
      expect((e as { object?: string }).object).toBe(sqliteAddonPath('/src/lakebench', electron));
    }
  });

  it(`takes an explicit file from ${SQLITE_ADDON_ENV}, in any runtime, and refuses one that is not there`, () => {
    const env = { [SQLITE_ADDON_ENV]: '/builds/better_sqlite3.node' };
    expect(sqliteNativeBinding(node, root, env, everything)).toBe('/builds/better_sqlite3.node');
    expect(sqliteNativeBinding(electron, root, env, everything)).toBe('/builds/better_sqlite3.node');
    expect(() => sqliteNativeBinding(node, root, env, nothing)).toThrow(/does not exist/);
  });
});

describe('every SQLite open in the engine', () => {
  it('goes through openSqlite, so the app never loads a build made for another runtime', () => {
    const root = join(import.meta.dirname, '..', '..');
    const files = execFileSync('git', ['ls-files', 'core', 'electron'], { cwd: root, encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.ts'));
    const direct = files.filter((f) => f !== 'core/native/sqlite-addon.ts' && /^import (?!type )[^;]*from 'better-sqlite3'/m.test(readFileSync(join(root, f), 'utf8')));
    expect(direct).toEqual([]);
  });
});
