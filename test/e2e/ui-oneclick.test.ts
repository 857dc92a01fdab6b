/**
 * One click to data, end to end in Chromium: every kind of table in the explorer (Delta, Parquet folder,
 * Iceberg, Lakeside, LakeSync, DES) has Preview and Query at hand (buttons on hover and focus, a
 * double-click, a context menu with Query, Preview, Insert name, Copy location and Open history); an
 * expanded table lists its columns and types; the tree is keyboard-navigable as a WAI-ARIA tree; plain
 * folders and the sample's staging area say what they are. Screenshots go to /tmp/shots/oneclick-*.png.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures';
import { writeLakeSync, writeLakeside } from '../helpers/lake-buckets';
import { writeArchive } from '../helpers/des-writer';
import { appPerFile } from './app-fixture';
import { doneStatus, explorerEntry, firstValue, shotBoth } from './page-driver';
import { ROOT } from './ui-harness';

let page: Page;

const app = appPerFile('oneclick', async (lake) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
  await cp(fixture('iceberg', 'java', 'bunnies'), join(lake, 'bunnies'), { recursive: true });
  await writeLakeSync(join(lake, 'sync'));
  await writeLakeside(join(lake, 'shop'));
  const entries = [1, 2, 3].map((uid) => ({ uid: String(uid), bytes: new TextEncoder().encode(`doc ${uid}`), codec: 'none' as const, meta: { name: `doc-${uid}.txt` } }));
  await writeArchive(join(lake, 'media'), [{ name: '00', entries }]);
  await mkdir(join(lake, 'raw'));
  await writeFile(join(lake, 'raw', 'a.csv'), 'id,name\n1,x\n');
  await writeFile(join(lake, 'raw', 'b.csv'), 'id,name\n2,y\n');
});
const { poll } = app;
beforeAll(async () => {
  page = app.page;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
});

const TABLES = [
  { key: 'orders', layout: 'delta' },
  { key: 'customers', layout: 'parquet' },
  { key: 'bunnies', layout: 'iceberg' },
  { key: 'shop', layout: 'lakeside' },
  { key: 'sync', layout: 'lakesync' },
] as const;

const entry = (key: string) => explorerEntry(page, `${key}/`);
const activeTabTitle = () => page.locator('[data-testid="editor-tab"][aria-selected="true"] span').first().textContent();
/** The editor's visible text, its lines joined (Monaco wraps long lines and draws spaces as no-break spaces). */
const editorText = async () => (await page.locator('[data-testid="sql-editor"] .view-lines').innerText()).replace(/\s+/g, ' ');
const focusedKey = () => page.evaluate(() => document.activeElement?.getAttribute('data-key'));

async function badged(key: string, layout: string): Promise<void> {
  await poll(() => entry(key).getByTestId('table-badge').textContent()).toBe(layout);
}

describe('Preview and Query on every kind of table', () => {
  it.each(TABLES)('$layout: Preview shows its first rows in the grid beside the table view', async ({ key, layout }) => {
    await badged(key, layout);
    await entry(key).hover();
    await entry(key).getByTestId('tree-preview').click();
    await poll(activeTabTitle).toBe(`${key} preview`);
    const status = await doneStatus(page);
    expect(status).toMatch(/^\d+ rows? /);
    // The preview is capped and reads what the table holds: the same count as SQL over the lake, up to 100.
    const rows = Number(/^(\d+)/.exec(status)![1]);
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(100);
    await poll(() => page.getByTestId('table-view').count().then(async (n) => n + (await page.locator('[data-testid$="-view"]').count()))).toBeGreaterThan(0);
  });

  it('Query opens a new SQL tab over the table, not yet run', async () => {
    await entry('orders').hover();
    await entry('orders').getByTestId('tree-query').click();
    await poll(activeTabTitle).toBe('orders');
    await poll(editorText).toContain('SELECT * FROM "orders" LIMIT 100');
    expect(await page.getByTestId('result-status').count()).toBe(0);
  });

  it('a double-click on a table previews it', async () => {
    const total = Number(await firstValue(page, 'select count(*) from customers'));
    await entry('customers').dblclick();
    await poll(activeTabTitle).toBe('customers preview');
    expect(await doneStatus(page)).toMatch(new RegExp(`^${Math.min(total, 100)} rows `));
  });

  it('a DES archive previews as its entry browser and has no SQL Query', async () => {
    await badged('media', 'des');
    await entry('media').hover();
    expect(await entry('media').getByTestId('tree-query').count()).toBe(0);
    await entry('media').getByTestId('tree-preview').click();
    await poll(() => page.getByTestId('archive-tab-entries').count()).toBe(1);
  });
});

describe('the tree', () => {
  it('is a WAI-ARIA tree whose expanded tables list their columns and types', async () => {
    const tree = page.getByRole('tree');
    expect(await tree.count()).toBe(1);
    expect(await entry('orders').getAttribute('role')).toBe('treeitem');
    expect(await entry('orders').getAttribute('aria-level')).toBe('1');
    if ((await entry('orders').getAttribute('aria-expanded')) === 'true') await entry('orders').click();
    expect(await entry('orders').getAttribute('aria-expanded')).toBe('false');
    await entry('orders').click();
    expect(await entry('orders').getAttribute('aria-expanded')).toBe('true');
    const column = (name: string) => page.locator(`[data-testid="explorer-column"][data-key="orders/#${name}"]`);
    await poll(() => column('order_id').count()).toBe(1);
    expect(await column('order_id').locator('.tree-type').textContent()).toMatch(/^(long|integer|bigint)$/i);
    expect(await column('discount').count()).toBe(1); // added by schema evolution: the latest schema
    await shotBoth(page, 'oneclick-columns');
  });

  it('moves with the arrow keys, Home and End, expands and collapses with Right and Left', async () => {
    await entry('bunnies').focus();
    expect(await focusedKey()).toBe('bunnies/');
    await page.keyboard.press('ArrowRight'); // expands
    await poll(() => entry('bunnies').getAttribute('aria-expanded')).toBe('true');
    // Its children (columns, then folders) load lazily: Right moves into the first once it is there.
    await poll(() => page.locator('[role="treeitem"][data-key^="bunnies/"]').count()).toBeGreaterThan(1);
    await page.keyboard.press('ArrowRight');
    await poll(focusedKey).toMatch(/^bunnies\/./);
    await page.keyboard.press('ArrowLeft'); // to the parent
    await poll(focusedKey).toBe('bunnies/');
    await page.keyboard.press('ArrowLeft'); // collapses
    await poll(() => entry('bunnies').getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('Home');
    const first = await page.locator('[role="treeitem"]').first().getAttribute('data-key');
    await poll(focusedKey).toBe(first);
    await page.keyboard.press('ArrowDown');
    await poll(focusedKey).toBe(await page.locator('[role="treeitem"]').nth(1).getAttribute('data-key'));
    await page.keyboard.press('End');
    await poll(focusedKey).toBe(await page.locator('[role="treeitem"]').last().getAttribute('data-key'));
    // One tab stop: only the focused item is in the tab order.
    expect(await page.locator('[role="treeitem"][tabindex="0"]').count()).toBe(1);
  });

  it('keeps the focus on its item while rows above it come in', async () => {
    expect(await entry('bunnies').getAttribute('aria-expanded')).toBe('false');
    await entry('customers').focus();
    // A click event that does not move the focus: bunnies/ (above customers/) opens, its columns and folders drawn at once.
    await entry('bunnies').dispatchEvent('click');
    await poll(() => page.locator('[data-testid="explorer-column"][data-key^="bunnies/#"]').count()).toBeGreaterThan(0);
    expect(await focusedKey()).toBe('customers/');
    await page.keyboard.press('ArrowUp'); // the keys still act on it: up to bunnies' last child
    await poll(focusedKey).toMatch(/^bunnies\/./);
    await entry('bunnies').click();
    await poll(() => entry('bunnies').getAttribute('aria-expanded')).toBe('false');
  });

  it('Enter on a table opens it; Shift+F10 opens its menu, Esc closes it and gives the focus back', async () => {
    await entry('customers').focus();
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('table-view').locator('h3').textContent()).toBe('customers');
    await page.keyboard.press('Shift+F10');
    await poll(() => page.getByRole('menu').count()).toBe(1);
    expect(await page.getByRole('menuitem').allTextContents()).toEqual(['Preview', 'Query', 'Insert name', 'Copy location', 'Open history']);
    await poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('menuitem');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Query');
    await page.keyboard.press('Escape');
    await poll(() => page.getByRole('menu').count()).toBe(0);
    await poll(focusedKey).toBe('customers/');
  });
});

describe('the context menu', () => {
  it('inserts the table name into the editor at the cursor', async () => {
    await page.getByTestId('new-tab').click();
    await page.locator('[data-testid="sql-editor"] .monaco-editor .view-lines').click();
    await page.keyboard.insertText('select count(*) from ');
    await entry('orders').click({ button: 'right' });
    await page.getByTestId('menu-insert-name').click();
    await poll(editorText).toContain('select count(*) from "orders"');
    await page.keyboard.press('ControlOrMeta+Enter');
    expect(await doneStatus(page)).toMatch(/^1 row /);
  });

  it('copies the table location', async () => {
    await entry('orders').click({ button: 'right' });
    await shotBoth(page, 'oneclick-menu');
    await page.getByTestId('menu-copy-path').click();
    await poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(join(app.dir, 'lake', 'orders'));
  });

  it('opens the history', async () => {
    await entry('orders').click({ button: 'right' });
    await page.getByTestId('menu-history').click();
    await poll(() => page.getByTestId('table-view').locator('h3').textContent()).toBe('orders');
    await poll(() => page.getByTestId('table-tab-history').getAttribute('class')).toBe('on');
  });
});

describe('folders that are no table', () => {
  // The earlier tests leave tables expanded: the folders are below the tree's drawn rows until scrolled to.
  beforeAll(async () => {
    await page.getByTestId('explorer-tree').evaluate((tree) => tree.scrollTo({ top: tree.scrollHeight }));
  });

  it('the sample staging area says what it is and names the table it compacts into', async () => {
    await entry('staging').click();
    await poll(() => page.locator('[data-testid="explorer-note"][data-key="staging/"]').textContent()).toBe(
      'staging area (data/ + schema/) of the Delta table staging/delta: compact it into that table with Maintenance › Staging',
    );
    await entry('staging').click();
  });

  it('a plain folder counts its objects and offers an import of them', async () => {
    await entry('raw').click();
    await poll(() => page.locator('[data-testid="explorer-note"][data-key="raw/"]').textContent()).toBe('plain folder: 2 objects; import them into a table');
    await entry('raw').click({ button: 'right' });
    await page.getByTestId('menu-import').click();
    await poll(() => page.getByTestId('import-inputs').inputValue()).toBe(`${join(app.dir, 'lake', 'raw')}/*`);
    expect(await page.getByTestId('import-location').inputValue()).toBe(`${join(app.dir, 'lake')}/raw_table`);
    await shotBoth(page, 'oneclick-import-folder');
    await page.keyboard.press('Escape');
    await poll(() => page.getByTestId('import-dialog').count()).toBe(0);
  });

  it('left no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
