/**
 * What e2e tests do on the app's page as a user does: type and run SQL, read result cells, open a table
 * from the explorer, and take screenshots in both themes at both laptop sizes.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { SHOT_DIR } from './app-fixture';
import { runSqlIn } from './ui-harness';

/** Polls until the page settles: a bound on waiting, not a timing assertion (the suite shares 2 cores). */
export function poll<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 60_000 });
}

/** Replaces the editor's text (Monaco: select all, type) and runs it with Ctrl+Enter. */
export const runSql = runSqlIn;

export const cell = (page: Page, row: number, column: number) =>
  page.locator(`[data-testid="results-grid"] [data-row-index="${row}"] [data-col="${column}"]`);

/** Waits for the active tab's run to end and returns its status line. */
export async function doneStatus(page: Page): Promise<string> {
  await poll(() => page.getByTestId('result-status').textContent()).toMatch(/^[\d,]+\+? rows?\b|Failed|Cancelled/);
  return (await page.getByTestId('result-status').textContent()) ?? '';
}

/** Runs `sql` and returns the first cell of its result, once the run is done. */
export async function firstValue(page: Page, sql: string): Promise<string> {
  await runSql(page, sql);
  const status = await doneStatus(page);
  if (!/rows?/.test(status)) throw new Error(`${sql}: ${status}: ${await page.getByTestId('result-error').textContent()}`);
  await cell(page, 0, 0).waitFor();
  return (await cell(page, 0, 0).textContent()) ?? '';
}

export const explorerEntry = (page: Page, key: string) => page.locator(`[data-testid="explorer-entry"][data-key="${key}"]`);

/** Opens the table at `key` (badged `layout` in the explorer) in the table view. */
export async function openTableAt(page: Page, key: string, layout: string): Promise<void> {
  await poll(() => explorerEntry(page, key).getByTestId('table-badge').textContent()).toBe(layout);
  await explorerEntry(page, key).click();
  await poll(() => page.getByTestId('table-view').locator('h3').textContent()).toBe(key.split('/').at(-2));
}

/** Saves a connection `name` to the local folder `path` (the top bar's + Connection), which the app then opens. */
export async function addLocalConnection(page: Page, name: string, path: string): Promise<void> {
  await page.getByTestId('add-connection').click();
  await page.getByTestId('connection-kind').selectOption('local');
  await page.getByTestId('connection-name').fill(name);
  await page.getByTestId('connection-path').fill(path);
  await page.getByTestId('connection-save').click();
  await poll(() => page.getByTestId('workspace-root').textContent()).toBe(path);
}

/** Screenshots `<SHOT_DIR>/<name>-<theme>-<width>.png` in both themes (chosen as a user does) at 1440×900 and 1280×800. */
export async function shotBoth(page: Page, name: string): Promise<void> {
  const shot = (suffix: string) => page.screenshot({ path: join(SHOT_DIR, `${name}-${suffix}.png`) });
  await page.getByTestId('theme').selectOption('light');
  await shot('light-1440');
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot('light-1280');
  await page.getByTestId('theme').selectOption('dark');
  await poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  await shot('dark-1280');
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot('dark-1440');
  await page.getByTestId('theme').selectOption('light');
}
