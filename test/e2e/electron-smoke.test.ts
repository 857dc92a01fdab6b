/**
 * Starts the real desktop app with Playwright's Electron driver and checks the lockdown and the bridge.
 * Runs only where the Electron binary is installed (`require('electron')` names an existing file);
 * elsewhere it is skipped and says why.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function electronBinary(): { path?: string; reason?: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path !== 'string') return { reason: 'require("electron") did not return a binary path' };
    if (!existsSync(path)) return { reason: `the Electron binary ${path} is not installed (its download is not reachable here)` };
    return { path };
  } catch (e) {
    return { reason: `require("electron") failed: ${(e as Error).message}` };
  }
}

const binary = electronBinary();
if (!binary.path) console.warn(`electron-smoke skipped: ${binary.reason}`);

describe.skipIf(!binary.path)('Electron app', () => {
  let app: ElectronApplication;
  let home: string;

  beforeAll(async () => {
    if (!existsSync(join(root, 'out', 'main', 'index.js'))) execFileSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
    home = await mkdtemp(join(tmpdir(), 'lakebench-electron-'));
    app = await _electron.launch({ executablePath: binary.path, args: [root], env: { ...process.env, LAKEBENCH_HOME: home } });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('opens a sandboxed window whose page reaches the engine only through window.lakebench', async () => {
    const page = await app.firstWindow();
    const exposed = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      lakebench: typeof (globalThis as { lakebench?: unknown }).lakebench,
    }));
    expect(exposed).toEqual({ require: 'undefined', process: 'undefined', lakebench: 'object' });

    const workspace = await page.evaluate(() =>
      (globalThis as unknown as { lakebench: { workspace(a: object): Promise<{ isSample: boolean; tables: { name: string }[] }> } }).lakebench.workspace({}),
    );
    expect(workspace.isSample).toBe(true);
    expect(workspace.tables.map((t) => t.name)).toContain('orders');

    const refused = await page.evaluate(() =>
      (globalThis as unknown as { lakebench: { lsPage(a: object): Promise<unknown> } }).lakebench.lsPage({ location: 42 }).then(
        () => 'accepted',
        (e: { code?: string }) => e.code,
      ),
    );
    expect(refused).toBe('USAGE');

    // Navigation away from the app page is blocked.
    const before = page.url();
    await page.evaluate(() => void (location.href = 'https://example.com/'));
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
  });
});
