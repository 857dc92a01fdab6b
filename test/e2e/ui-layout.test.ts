/**
 * The shell's layout in Chromium (`lakebench serve` on a copy of the sample lake plus a table of small
 * files): panes resized by drag and by keyboard, collapsed and expanded, reset by double-click, kept per
 * workspace across a reload; the inspector giving way before the explorer or the editor at 1280×800;
 * a 4K window used; overflowing tabs reachable; a confirmed job's progress kept in view; the jobs drawer
 * in words. Screenshots go to /tmp/shots/layout-*.png.
 */
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../core/storage/local';
import { appendCsv } from '../helpers/maintenance-table';
import { appPerFile } from './app-fixture';
import { addLocalConnection, explorerEntry, openTableAt, poll, shotBoth } from './page-driver';
import { ROOT } from './ui-harness';

let page: Page;
let other: string;

const app = appPerFile('layout', async (lake, dir) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
  // Six small files in one partition: something to compact, then tombstones to vacuum.
  for (let i = 0; i < 6; i++) await appendCsv(new LocalStore(join(lake, 'clicks')), dir, `id,page\n${i},/home\n${i + 100},/docs/${i}\n`);
  // A second workspace, opened through a local connection.
  other = join(dir, 'other');
  await mkdir(other);
  await cp(join(ROOT, 'resources', 'sample-lake', 'customers'), join(other, 'customers'), { recursive: true });
});
beforeAll(() => {
  page = app.page;
});

const handle = (pane: string) => page.getByTestId(`pane-handle-${pane}`);
const sizeOf = async (pane: string) => Number(await handle(pane).getAttribute('aria-valuenow'));
const widthOf = async (locator: Locator) => (await locator.boundingBox())?.width ?? 0;
const heightOf = async (locator: Locator) => (await locator.boundingBox())?.height ?? 0;
const monacoWidth = () => widthOf(page.locator('[data-testid="sql-editor"]'));

/** Where to double-click a handle: its end, not the collapse buttons in its middle. */
const AWAY_FROM_BUTTONS = { position: { x: 2, y: 2 } };

/** Drags the pane's handle by `dx`/`dy` pixels with the mouse, in small steps as a hand does. */
async function drag(pane: string, dx: number, dy = 0): Promise<void> {
  const box = (await handle(pane).boundingBox())!;
  // Grab it away from its collapse buttons, which sit in its middle.
  const along = dx !== 0 ? { x: box.width / 2, y: box.height * 0.2 } : { x: box.width * 0.2, y: box.height / 2 };
  const grab = { x: box.x + along.x, y: box.y + along.y };
  await page.mouse.move(grab.x, grab.y);
  await page.mouse.down();
  await page.mouse.move(grab.x + dx, grab.y + dy, { steps: 8 });
  await page.mouse.up();
}

/** True when `inner` lies inside `outer`'s visible box. */
async function inView(inner: Locator, outer: Locator): Promise<boolean> {
  const a = await inner.boundingBox();
  const b = await outer.boundingBox();
  return !!a && !!b && a.y >= b.y - 1 && a.y + a.height <= b.y + b.height + 1 && a.x >= b.x - 1 && a.x + a.width <= b.x + b.width + 1;
}

const truncatedNames = (prefix: string) =>
  page.evaluate(
    (p) =>
      Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="explorer-entry"][data-key^="${p}"] .tree-name`))
        .filter((el) => el.scrollWidth > el.clientWidth)
        .map((el) => el.textContent),
    prefix,
  );

describe('resizing panes', () => {
  it('drags the explorer wider, and its width follows', async () => {
    await explorerEntry(page, 'orders/').waitFor();
    const before = await sizeOf('explorer');
    expect(before).toBe(Math.round(1440 * 0.2)); // the default at 1440 px
    await drag('explorer', 100);
    await poll(() => sizeOf('explorer')).toBe(before + 100);
    expect(Math.round(await widthOf(page.getByTestId('pane-explorer')))).toBe(before + 100);
  });

  it('resizes by keyboard: arrows, Shift+arrows, Home and End', async () => {
    const start = await sizeOf('explorer');
    await handle('explorer').focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await sizeOf('explorer')).toBe(start - 32);
    await page.keyboard.press('Shift+ArrowRight');
    expect(await sizeOf('explorer')).toBe(start - 32 + 80);
    await page.keyboard.press('Home');
    expect(await sizeOf('explorer')).toBe(Number(await handle('explorer').getAttribute('aria-valuemin')));
    await page.keyboard.press('End');
    expect(await sizeOf('explorer')).toBe(Number(await handle('explorer').getAttribute('aria-valuemax')));
    // The editor/results handle moves up and down.
    const editor = await sizeOf('editor');
    await handle('editor').focus();
    await page.keyboard.press('ArrowDown');
    expect(await sizeOf('editor')).toBe(editor + 16);
    expect(Math.round(await heightOf(page.getByTestId('pane-editor')))).toBe(editor + 16);
  });

  it('resets a pane to its default size on double-click', async () => {
    await handle('explorer').dblclick(AWAY_FROM_BUTTONS);
    expect(await sizeOf('explorer')).toBe(Math.round(1440 * 0.2));
    await handle('editor').dblclick(AWAY_FROM_BUTTONS);
    const editor = await sizeOf('editor');
    await drag('editor', 0, -60);
    expect(await sizeOf('editor')).toBe(editor - 60);
    await handle('editor').dblclick(AWAY_FROM_BUTTONS);
    expect(await sizeOf('editor')).toBe(editor);
  });

  it('collapses and expands the explorer, the history, the editor and the results', async () => {
    await drag('explorer', 40);
    const explorer = await sizeOf('explorer');
    await page.getByTestId('pane-toggle-explorer').click();
    expect(await widthOf(page.getByTestId('pane-explorer'))).toBeLessThan(1);
    expect(await page.getByTestId('pane-toggle-explorer').getAttribute('aria-expanded')).toBe('false');
    await page.getByTestId('pane-toggle-explorer').click();
    expect(Math.round(await widthOf(page.getByTestId('pane-explorer')))).toBe(explorer);

    const editorWithHistory = await monacoWidth();
    await page.getByTestId('pane-toggle-history').click();
    expect(await widthOf(page.getByTestId('pane-history'))).toBeLessThan(1);
    await poll(monacoWidth).toBeGreaterThan(editorWithHistory + 150);
    await shotBoth(page, 'layout-history-collapsed');
    await page.getByTestId('pane-toggle-history').click();
    expect(await widthOf(page.getByTestId('pane-history'))).toBeGreaterThan(150);

    const results = await heightOf(page.getByTestId('pane-results'));
    await page.getByTestId('pane-toggle-editor').click();
    expect(await heightOf(page.getByTestId('pane-editor'))).toBeLessThan(1);
    expect(await heightOf(page.getByTestId('pane-results'))).toBeGreaterThan(results + 100);
    await page.getByTestId('pane-toggle-results').click(); // shows the editor again, hides the results
    expect(await heightOf(page.getByTestId('pane-results'))).toBeLessThan(1);
    expect(await heightOf(page.getByTestId('pane-editor'))).toBeGreaterThan(results);
    await page.getByTestId('pane-toggle-results').click();
    expect(await heightOf(page.getByTestId('pane-results'))).toBeGreaterThan(100);
    expect(await heightOf(page.getByTestId('pane-editor'))).toBeGreaterThan(100);
  });
});

describe('sizes per workspace', () => {
  let lakeExplorer = 0;

  it('keeps the sizes across a reload', async () => {
    await handle('explorer').dblclick(AWAY_FROM_BUTTONS);
    await drag('explorer', 64);
    lakeExplorer = await sizeOf('explorer');
    await page.getByTestId('pane-toggle-history').click();
    await page.reload();
    await explorerEntry(page, 'orders/').waitFor();
    expect(await sizeOf('explorer')).toBe(lakeExplorer);
    expect(await widthOf(page.getByTestId('pane-history'))).toBeLessThan(1);
    await page.getByTestId('pane-toggle-history').click();
  });

  it('keeps other sizes for another workspace, and each its own', async () => {
    await addLocalConnection(page, 'Other folder', other);
    await explorerEntry(page, 'customers/').waitFor();
    await poll(() => sizeOf('explorer')).toBe(Math.round(1440 * 0.2)); // its own: the default
    await drag('explorer', -40);
    const otherExplorer = await sizeOf('explorer');
    expect(otherExplorer).toBe(Math.round(1440 * 0.2) - 40);

    await page.getByTestId('connection-select').selectOption({ label: 'lake (folder)' });
    await explorerEntry(page, 'orders/').waitFor();
    await poll(() => sizeOf('explorer')).toBe(lakeExplorer);
    await page.reload();
    await explorerEntry(page, 'orders/').waitFor();
    expect(await sizeOf('explorer')).toBe(lakeExplorer);
    await page.getByTestId('connection-select').selectOption({ label: 'Other folder (local)' });
    await explorerEntry(page, 'customers/').waitFor();
    await poll(() => sizeOf('explorer')).toBe(otherExplorer);
    await page.getByTestId('connection-select').selectOption({ label: 'lake (folder)' });
    await explorerEntry(page, 'orders/').waitFor();
    await handle('explorer').dblclick(AWAY_FROM_BUTTONS); // the defaults again, for the tests below
  });
});

describe('a laptop screen (1280×800)', () => {
  it('keeps partition folder names whole when the inspector opens, and the editor at least 480 px wide', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await explorerEntry(page, 'orders/').click(); // expands the folder and opens the table
    await poll(() => page.getByTestId('table-view').locator('h3').textContent()).toBe('orders');
    await explorerEntry(page, 'orders/order_date=2026-11-01/').waitFor();
    expect(await truncatedNames('orders/')).toEqual([]);
    // The SQL editor itself, beside the history panel.
    expect(await monacoWidth()).toBeGreaterThanOrEqual(480);
    await shotBoth(page, 'layout-table-open');
  });

  it('shrinks a wide inspector first when the window narrows, never the center below 480 px', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await drag('inspector', -400);
    const wide = await sizeOf('inspector');
    expect(wide).toBeGreaterThan(600);
    await page.setViewportSize({ width: 1280, height: 800 });
    await poll(() => sizeOf('inspector')).toBeLessThan(wide);
    expect(await sizeOf('explorer')).toBe(Math.round(1280 * 0.2));
    expect(await widthOf(page.locator('.center'))).toBeGreaterThanOrEqual(480);
    expect(await truncatedNames('orders/')).toEqual([]);
    await shotBoth(page, 'layout-wide-inspector');
    await page.setViewportSize({ width: 1280, height: 800 });
    await handle('inspector').dblclick(AWAY_FROM_BUTTONS);
  });

  it('wraps the table view tabs in a narrow inspector: none is cut off', async () => {
    await handle('inspector').focus();
    await page.keyboard.press('Home'); // its least width
    const inspector = page.getByTestId('pane-inspector');
    const tabs = page.getByTestId('table-tabs').getByRole('tab');
    expect(await tabs.count()).toBeGreaterThan(5);
    for (const tab of await tabs.all()) expect(await inView(tab, inspector)).toBe(true);
    await shotBoth(page, 'layout-narrow-inspector');
    await handle('inspector').dblclick(AWAY_FROM_BUTTONS);
  });

  it('scrolls overflowing editor tabs with buttons, and keeps the active one in view', async () => {
    for (let i = 0; i < 14; i++) await page.getByTestId('new-tab').click();
    const strip = page.locator('[data-testid="editor-tabs"] .tabs');
    const tabs = page.getByTestId('editor-tab');
    // The new tab is active and scrolled into view; the first one is scrolled out.
    expect(await inView(tabs.last(), strip)).toBe(true);
    expect(await inView(tabs.first(), strip)).toBe(false);
    await page.getByTestId('editor-tabs-left').waitFor();
    await page.getByTestId('editor-tabs-right').waitFor();
    await shotBoth(page, 'layout-tabs-overflow');
    // force: a click as the smooth scroll reaches the start lands on a button just disabled, and does nothing.
    while (!(await page.getByTestId('editor-tabs-left').isDisabled())) await page.getByTestId('editor-tabs-left').click({ force: true });
    await poll(() => inView(tabs.first(), strip)).toBe(true);
    await tabs.first().click();
    expect(await tabs.first().getAttribute('aria-selected')).toBe('true');
    // Close the extra tabs again.
    while ((await tabs.count()) > 1) await tabs.last().locator('.tab-close').click();
    await poll(() => page.getByTestId('editor-tabs-left').count()).toBe(0);
  });
});

describe('a confirmed job', () => {
  const run = (operation: string) => page.locator(`[data-testid="mt-job"][data-operation="${operation}"]`).first();

  it('keeps its progress in view in the Maintenance tab after Confirm, even when scrolled to the plan', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await openTableAt(page, 'clicks/', 'delta');
    await page.getByTestId('table-tab-maintenance').click();
    // The jobs drawer open, and a log of a few runs: the panel is taller than the room left for it.
    if (!(await page.getByTestId('jobs-drawer').locator('.jobs-list').count())) await page.getByTestId('jobs-toggle').click();
    for (let i = 0; i < 3; i++) {
      await page.getByTestId('mt-run-verify').click();
      await poll(() => page.locator('[data-testid="mt-log-row"]').count()).toBe(i + 1);
    }
    await page.getByTestId('mt-field-minFiles').fill('2');
    await page.getByTestId('mt-run-compact').click();
    await poll(() => run('compact').getAttribute('data-state')).toBe('done');
    // Vacuum everything the compaction made obsolete: a plan listing six files, to confirm at its foot.
    await page.getByTestId('mt-field-retention').fill('0h');
    await page.getByTestId('mt-field-force').check();
    await page.getByTestId('mt-plan-vacuum').click();
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Plan: would delete 6 files/);
    const inspector = page.getByTestId('pane-inspector');
    await inspector.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    expect(await inView(page.getByTestId('mt-confirm-run'), inspector)).toBe(true);
    expect(await inView(page.getByTestId('mt-runs'), inspector)).toBe(false);

    await page.getByTestId('mt-confirm-run').click();
    await poll(() => run('vacuum').getAttribute('data-state')).toMatch(/running|done/);
    expect(await inView(run('vacuum'), inspector)).toBe(true);
    expect(await inView(run('vacuum').getByTestId('mt-progress'), inspector)).toBe(true);
    await poll(() => run('vacuum').getAttribute('data-state')).toBe('done');
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: deleted 6 files/);
    await shotBoth(page, 'layout-maintenance-after-confirm');
  });

  it('shows readable summaries in the jobs drawer, never raw JSON', async () => {
    if (!(await page.getByTestId('jobs-drawer').locator('.jobs-list').count())) await page.getByTestId('jobs-toggle').click();
    const jobs = page.getByTestId('job');
    await poll(() => jobs.count()).toBeGreaterThanOrEqual(6);
    const text = await page.getByTestId('jobs-drawer').textContent();
    expect(text).not.toMatch(/[{}[\]"]/);
    const results = await page.getByTestId('job-result').allTextContents();
    expect(results).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^deleted 6 files \(/),
        expect.stringMatching(/^plan: would delete 6 files/),
        expect.stringMatching(/^v\d+: 6 files \(.*\) → 1 file \(/),
      ]),
    );
    expect(await page.getByTestId('job').first().textContent()).toContain('Vacuum');
    await shotBoth(page, 'layout-jobs-drawer');
    await page.getByTestId('jobs-toggle').click();
  });

  it('keeps the finished jobs\' result lines after a reload (the engine keeps what each job was)', async () => {
    await page.getByTestId('jobs-toggle').click();
    const before = await page.getByTestId('job-result').allTextContents();
    expect(before.length).toBeGreaterThanOrEqual(3);
    await page.reload();
    await explorerEntry(page, 'orders/').waitFor();
    if (!(await page.getByTestId('jobs-drawer').locator('.jobs-list').count())) await page.getByTestId('jobs-toggle').click();
    await poll(() => page.getByTestId('job-result').allTextContents()).toEqual(before);
    await shotBoth(page, 'layout-jobs-drawer-reloaded');
    await page.getByTestId('jobs-toggle').click();
    await openTableAt(page, 'clicks/', 'delta'); // as before the reload, for the tests that follow
  });
});

describe('a 4K screen (3840×2160)', () => {
  it('gives the panes the room: nothing stays laptop-sized', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    const small = { explorer: await sizeOf('explorer'), inspector: await sizeOf('inspector'), editor: await monacoWidth() };
    await page.setViewportSize({ width: 3840, height: 2160 });
    await poll(() => sizeOf('explorer')).toBeGreaterThan(small.explorer);
    expect(await sizeOf('inspector')).toBeGreaterThan(small.inspector);
    expect(await monacoWidth()).toBeGreaterThan(small.editor * 2);
    expect(await heightOf(page.getByTestId('pane-results'))).toBeGreaterThan(900);
    expect(await truncatedNames('orders/')).toEqual([]);
    await page.screenshot({ path: '/tmp/shots/layout-4k-light.png' });
    // Dragged to its far end, the explorer may take half the screen.
    await drag('explorer', 2000);
    expect(await sizeOf('explorer')).toBeGreaterThan(1500);
    await handle('explorer').dblclick(AWAY_FROM_BUTTONS);
    await page.setViewportSize({ width: 1440, height: 900 });
  });
});

describe('console', () => {
  it('logged no console errors (HTTP errors included)', () => {
    expect(app.errors).toEqual([]);
  });
});
