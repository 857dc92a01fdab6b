/**
 * The explorer on a 100,000-object folder in one prefix: the first page shows without listing the
 * rest, scrolling loads further pages lazily, the filter works on the loaded names, and objects show
 * their size and modification time.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale, launchBrowser, serve, SHOTS } from './ui-harness';

const OBJECTS = 100_000;
/** A folder whose name holds `#` (the separator of the columns-loading row's old key), with more than one listing page (500) of objects. */
const HASHED = 'runs#2026';
const HASHED_OBJECTS = 620;
let dir: string;
let server: { child: ChildProcess; url: string };
let context: BrowserContext;
let page: Page;

function poll<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 30_000 });
}

/** Entries loaded so far, from the explorer's footer. */
async function loaded(): Promise<number> {
  return Number(((await page.getByTestId('explorer-count').textContent()) ?? '').replace(/[^\d]/g, ''));
}

beforeAll(async () => {
  buildIfStale();
  dir = await mkdtemp(join(tmpdir(), 'lakebench-ui-explorer-'));
  const big = join(dir, 'lake', 'big');
  mkdirSync(big, { recursive: true });
  for (let i = 0; i < OBJECTS; i++) writeFileSync(join(big, `file-${String(i).padStart(6, '0')}.json`), `{"i":${i}}\n`);
  mkdirSync(join(dir, 'lake', HASHED));
  for (let i = 0; i < HASHED_OBJECTS; i++) writeFileSync(join(dir, 'lake', HASHED, `run-${String(i).padStart(4, '0')}.json`), '{}\n');
  await mkdir(SHOTS, { recursive: true });
  server = await serve(join(dir, 'lake'), join(dir, 'home'));
  context = await launchBrowser(join(dir, 'profile'));
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(server.url);
}, 240_000);

afterAll(async () => {
  await context?.close();
  server?.child.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the explorer on 100,000 objects', () => {
  it('shows the first page of the folder without listing the rest', async () => {
    await page.locator('[data-testid="explorer-entry"][data-key="big/"]').click();
    const first = page.locator('[data-testid="explorer-entry"][data-key="big/file-000000.json"]');
    await first.waitFor();
    expect(await loaded()).toBeLessThan(2000); // one page (plus the root), not 100,000
    expect(await first.getByTestId('entry-size').textContent()).toBe('8 B');
    expect(await first.getByTestId('entry-modified').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    // Only the rows in view are in the DOM.
    expect(await page.getByTestId('explorer-entry').count()).toBeLessThan(100);
    await page.screenshot({ path: join(SHOTS, 'explorer-100k.png') });
  });

  it('loads further pages as the list is scrolled', async () => {
    const before = await loaded();
    const tree = page.locator('.tree');
    for (let i = 0; i < 3; i++) {
      await tree.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await poll(() => page.locator('[data-testid="explorer-more"]', { hasText: 'Loading' }).count()).toBe(0);
    }
    await poll(loaded).toBeGreaterThan(before);
    const now = await loaded();
    expect(now).toBeLessThan(OBJECTS);
    // The last loaded name is on screen at the bottom. Reaching the bottom may load one more page, so the
    // last name is read again after each scroll.
    await poll(async () => {
      await tree.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      const lastKey = `big/file-${String((await loaded()) - 3).padStart(6, '0')}.json`; // the count includes the root's two folders
      return page.locator(`[data-testid="explorer-entry"][data-key="${lastKey}"]`).count();
    }).toBe(1);
  });

  it('filters the loaded names', async () => {
    await page.getByTestId('explorer-filter').fill('file-00012');
    // file-000120 … file-000129 (the open folder big/ stays visible above them).
    await poll(() => page.locator('[data-testid="explorer-entry"][data-key^="big/file-"]').count()).toBe(10);
    expect(await page.locator('[data-testid="explorer-entry"][data-key^="big/file-"]').first().getAttribute('data-key')).toBe('big/file-000120.json');
    await page.screenshot({ path: join(SHOTS, 'explorer-100k-filter.png') });
    await page.getByTestId('explorer-filter').fill('');
  });
});

describe('a folder with # in its name', () => {
  it('loads its next page when scrolled to its end', async () => {
    const tree = page.locator('.tree');
    await page.locator('[data-testid="explorer-entry"][data-key="big/"]').click(); // folded: the hashed folder comes next
    const hashed = page.locator(`[data-testid="explorer-entry"][data-key="${HASHED}/"]`);
    await hashed.click();
    const last = page.locator(`[data-testid="explorer-entry"][data-key="${HASHED}/run-${String(HASHED_OBJECTS - 1).padStart(4, '0')}.json"]`);
    // The first page ends at 500; scrolling to its "more" row must fetch the rest.
    await poll(async () => {
      await tree.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      return last.count();
    }).toBe(1);
    expect(await page.locator('[data-testid="explorer-more"]').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'explorer-hashed-folder.png') });
  });
});
