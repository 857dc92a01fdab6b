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
    // The last loaded name is on screen at the bottom.
    const lastKey = `big/file-${String(now - 2).padStart(6, '0')}.json`; // `now` counts big/ itself
    await tree.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await poll(() => page.locator(`[data-testid="explorer-entry"][data-key="${lastKey}"]`).count()).toBe(1);
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
