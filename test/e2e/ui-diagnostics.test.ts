/**
 * Diagnostics in the app (web mode, Debian's Chromium): Help → Diagnostics shows the `lakebench doctor`
 * report; and an engine that cannot start (a damaged catalog) puts that report in front of the user, with
 * what to do, instead of failing panel by panel. Screenshots: /tmp/shots/diagnostics-*.png.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPerFile, SHOT_DIR } from './app-fixture';
import { startApp } from './ui-harness';

const app = appPerFile('diagnostics', (lake) => mkdir(lake, { recursive: true }).then(() => undefined));

describe('Diagnostics', () => {
  it('opens from Help and shows the runtime, the native modules, DuckDB, catalog, cache and AWS settings', async () => {
    const { page, poll } = app;
    await page.getByTestId('help').click();
    await page.getByTestId('open-diagnostics').click();
    const report = page.getByTestId('diagnostics-report');
    await poll(() => report.isVisible()).toBe(true);
    const text = await report.textContent();
    expect(text).toContain(`Node ${process.versions.node}`);
    expect(text).toMatch(/@duckdb\/node-apiok \(v\d+\.\d+/);
    expect(text).toMatch(/better-sqlite3ok \(SQLite 3\./);
    expect(text).toContain(join(app.dir, 'home', 'catalog.sqlite'));
    expect(await page.getByTestId('diagnostics').textContent()).toContain('No problems found.');
    await app.shot('diagnostics-light');
    await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    await app.shot('diagnostics-dark');
    await page.keyboard.press('Escape');
    await poll(() => page.getByTestId('diagnostics').count()).toBe(0);
    expect(app.errors).toEqual([]);
  });

  it('puts the report in front when the engine cannot start, naming the problem and what to do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lakebench-ui-broken-'));
    await mkdir(join(dir, 'home'), { recursive: true });
    await mkdir(join(dir, 'lake'));
    await writeFile(join(dir, 'home', 'catalog.sqlite'), 'not a database '.repeat(200));
    const errors: string[] = [];
    const broken = await startApp(join(dir, 'lake'), dir, errors);
    try {
      const page = broken.page;
      const overlay = page.getByTestId('diagnostics');
      await expect.poll(() => overlay.locator('h3').textContent(), { timeout: 60_000 }).toBe('The engine cannot start');
      const problems = page.getByTestId('diagnostics-problems');
      await expect.poll(() => problems.isVisible(), { timeout: 60_000 }).toBe(true);
      expect(await problems.textContent()).toContain(`the catalog ${join(dir, 'home', 'catalog.sqlite')}`);
      expect(await problems.textContent()).toContain('What to do: move the file away');
      // Not dismissable: the app cannot work until the problem is fixed.
      await page.keyboard.press('Escape');
      expect(await overlay.isVisible()).toBe(true);
      await page.screenshot({ path: join(SHOT_DIR, 'diagnostics-engine-cannot-start.png') });
      // The only console errors are the refused calls themselves (HTTP 503).
      expect(errors.filter((e) => !e.includes('status of 503'))).toEqual([]);
    } finally {
      await broken.stop();
    }
  });
});
