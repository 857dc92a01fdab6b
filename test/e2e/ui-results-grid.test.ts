/**
 * The results grid's depth end to end (`lakebench serve` on a copy of the sample lake, Debian's Chromium):
 * numbers without binary noise unless asked, the exact row count without scrolling, the column explorer
 * profiled over the whole result, filters from it and from a column's menu that become a WHERE clause,
 * the value viewer for JSON, binary and long text, and columns resized, hidden and moved. At 1440×900
 * and 1280×800, in light and dark; screenshots go to /tmp/shots/grid-*.png.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { appPerFile } from './app-fixture';
import { ROOT, runSqlIn } from './ui-harness';

let page: Page;

const app = appPerFile('grid', async (lake) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
});
const { poll, shot } = app;
beforeAll(() => {
  page = app.page;
});

const ROWS = 200_000;
/** Per row i: a 4-way group with a null every 10th row, an amount with binary noise, a JSON struct, bytes. */
const QUERY = `select i as id, case when i % 10 = 0 then null else 'g' || (i % 4) end as grp,
  (i * 0.1 + 651470.0900000018)::DOUBLE as amount, {'k': i, 'tags': ['a', 'b']} as nested, '\\xDE\\xAD'::BLOB as raw,
  repeat('long text ', 40) as note from range(${ROWS}) t(i)`;

/** Rows of QUERY whose grp is `value` (counted here, to hold the app's numbers to). */
function groupCount(value: string): number {
  let n = 0;
  for (let i = 0; i < ROWS; i++) if (i % 10 !== 0 && `g${i % 4}` === value) n++;
  return n;
}

const runSql = (sql: string) => runSqlIn(page, sql);

function cell(row: number, column: number) {
  return page.locator(`[data-testid="results-grid"] [data-row-index="${row}"] [data-col="${column}"]`);
}

const rowCount = () => page.getByTestId('result-rowcount').textContent();
const headerNames = () => page.locator('.grid-th-name').allTextContents();

describe('the results grid', () => {
  it('rounds binary noise away unless exact numbers are asked for, and knows the exact row count without scrolling', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await runSql(QUERY);
    await poll(rowCount).toBe(`${ROWS.toLocaleString('en-US')} rows`);
    expect(await cell(0, 2).textContent()).toBe('651470.09');
    await page.getByTestId('exact-numbers').check();
    expect(await cell(0, 2).textContent()).toBe(String(651470.0900000018));
    await page.getByTestId('exact-numbers').uncheck();
    expect(await cell(1, 2).textContent()).toBe(String(Number((0.1 + 651470.0900000018).toPrecision(12))));
  });

  it('profiles every column over the whole result in the column explorer', async () => {
    await page.getByTestId('toggle-column-explorer').click();
    const grp = page.locator('[data-testid="column-card"][data-column="grp"]');
    await poll(() => grp.getByTestId('column-nulls').textContent()).toBe('10% null');
    // The summary paints first; the distinct estimates, histograms and top values come with the whole profile.
    await poll(() => grp.getByTestId('column-distinct').textContent()).toBe('~4 distinct');
    const top = await grp.locator('.top-value-text').allTextContents();
    expect(top.sort()).toEqual(['g0', 'g1', 'g2', 'g3']);
    const counts = await grp.locator('.top-value-count').allTextContents();
    const byValue = Object.fromEntries((await grp.locator('.top-value-text').allTextContents()).map((v, k) => [v, counts[k]]));
    expect(byValue.g1).toBe(groupCount('g1').toLocaleString('en-US'));
    const id = page.locator('[data-testid="column-card"][data-column="id"]');
    expect(await id.getByTestId('column-range').textContent()).toBe(`0…${ROWS - 1}`);
    expect(await id.locator('.histogram-bar').count()).toBeGreaterThan(5);
    expect(await page.locator('[data-testid="column-card"][data-column="nested"]').getByTestId('column-range').count()).toBe(0);
    await shot('grid-explorer-1440');
  });

  it('filters on a top value, shows the WHERE clause, and clears it', async () => {
    const grp = page.locator('[data-testid="column-card"][data-column="grp"]');
    await grp.locator('.top-value', { hasText: 'g3' }).click();
    await poll(rowCount).toBe(`${groupCount('g3').toLocaleString('en-US')} rows`);
    expect(await page.getByTestId('filter-sql').textContent()).toBe(`WHERE "grp" = 'g3'`);
    expect(await page.getByTestId('filter-chip').count()).toBe(1);
    await page.getByTestId('filter-clear').click();
    await poll(rowCount).toBe(`${ROWS.toLocaleString('en-US')} rows`);
  });

  it("filters from a column's menu, and a histogram bar filters to its range", async () => {
    await page.getByTestId('col-menu-id').click();
    await page.getByTestId('menu-filter').click();
    await page.getByTestId('filter-op').selectOption('<');
    await page.getByTestId('filter-value').fill('1234');
    await page.getByTestId('filter-add').click();
    await poll(rowCount).toBe('1,234 rows');
    expect(await page.getByTestId('filter-sql').textContent()).toBe('WHERE "id" < 1234');
    // The profile is the filtered result's: id now runs 0…1233.
    const id = page.locator('[data-testid="column-card"][data-column="id"]');
    await poll(() => id.getByTestId('column-range').textContent()).toBe('0…1233');
    const bars = id.locator('.histogram-bar');
    await bars.first().click();
    expect(await page.getByTestId('filter-chip').count()).toBe(3);
    const [lower, upper] = /"id" >= (\S+) AND "id" <= (\S+)$/.exec((await page.getByTestId('filter-sql').textContent()) ?? '')!.slice(1).map(Number);
    expect(lower).toBe(0);
    await poll(rowCount).toBe(`${(Math.floor(upper) + 1).toLocaleString('en-US')} rows`);
    await shot('grid-filtered-1440');
    await page.getByTestId('filter-clear').click();
    await poll(rowCount).toBe(`${ROWS.toLocaleString('en-US')} rows`);
    await page.getByTestId('toggle-column-explorer').click();
  });

  it('opens JSON, binary and long text in the value viewer', async () => {
    await cell(0, 3).dblclick();
    const body = page.getByTestId('value-body');
    expect(JSON.parse((await body.textContent()) ?? '')).toEqual({ k: 0, tags: ['a', 'b'] });
    expect(await body.textContent()).toContain('\n  "k": 0'); // indented
    await cell(0, 4).click();
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('value-summary').textContent()).toBe('2 bytes');
    expect(await body.textContent()).toMatch(/^00000000 {2}de ad/);
    await cell(0, 5).dblclick();
    expect(await page.getByTestId('value-summary').textContent()).toBe(`${'long text '.repeat(40).length} characters`);
    await shot('grid-value-viewer-1440');
    await page.getByRole('button', { name: 'Close the value viewer' }).click();
    expect(await page.getByTestId('value-viewer').count()).toBe(0);
  });

  it('resizes, hides and moves columns, and keeps that layout when the result is filtered', async () => {
    const header = page.getByTestId('col-grp').locator('..');
    const before = (await header.boundingBox())!.width;
    const handle = (await page.getByTestId('col-resize-grp').boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    for (let step = 1; step <= 5; step++) await page.mouse.move(handle.x + 24 * step, handle.y + handle.height / 2);
    await page.mouse.up();
    await poll(async () => Math.round((await header.boundingBox())!.width - before)).toBeGreaterThan(100);
    expect((await cell(0, 1).boundingBox())!.width).toBeCloseTo((await header.boundingBox())!.width, 0);

    await page.getByTestId('col-menu-note').click();
    await page.getByTestId('menu-hide').click();
    expect(await headerNames()).toEqual(['id', 'grp', 'amount', 'nested', 'raw']);
    expect(await cell(0, 5).count()).toBe(0);

    await page.getByTestId('col-menu-id').click();
    await page.getByTestId('menu-move-right').click();
    expect(await headerNames()).toEqual(['grp', 'id', 'amount', 'nested', 'raw']);
    // Drag a header onto another: it goes before it.
    await page.getByTestId('col-raw').dragTo(page.getByTestId('col-grp'));
    expect(await headerNames()).toEqual(['raw', 'grp', 'id', 'amount', 'nested']);

    // Arrow keys follow the order shown: right of raw (col 4) is grp (col 1).
    await cell(0, 4).click();
    await page.keyboard.press('ArrowRight');
    await poll(() => cell(0, 1).getAttribute('class')).toContain('focused');

    // A filter re-runs the statement: same columns, so the same layout.
    await page.getByTestId('col-menu-amount').click();
    await page.getByTestId('menu-filter').click();
    await page.getByTestId('filter-op').selectOption('is not null');
    await page.getByTestId('filter-add').click();
    await poll(() => page.getByTestId('filter-chip').count()).toBe(1);
    await poll(rowCount).toBe(`${ROWS.toLocaleString('en-US')} rows`);
    expect(await headerNames()).toEqual(['raw', 'grp', 'id', 'amount', 'nested']);
    await shot('grid-layout-1440');
    await page.getByTestId('filter-clear').click();
  }, 120_000);

  it('fits 1280×800 in both themes with the explorer and viewer open', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('toggle-column-explorer').click();
    await page.locator('[data-testid="column-card"]').first().waitFor();
    await cell(0, 3).dblclick();
    const grid = (await page.getByTestId('results-grid').boundingBox())!;
    expect(grid.width).toBeGreaterThan(400);
    await shot('grid-1280-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot('grid-1280-dark');
    await page.setViewportSize({ width: 1440, height: 900 });
    await shot('grid-1440-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('logged no console errors, HTTP errors included', () => {
    expect(app.errors).toEqual([]);
  });
});
