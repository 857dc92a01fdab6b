/**
 * The Files and Partitions tabs of a Delta table bigger than a page (issue 17), end to end in Chromium
 * against `lakebench serve`: a generated table of 3,000 files over 250 days (a checkpoint and the commits
 * after it; the tabs read only its log) shows the exact totals, and its last pages hold the rows the
 * page size leaves there. Screenshots in both themes at 1440×900 and 1280×800 go to /tmp/shots/big-table-*.png.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAGE_ROWS } from '../../renderer/src/stores/table-view';
import { type BigTableShape, writeBigDeltaTable } from '../helpers/big-delta-table';
import { appPerFile } from './app-fixture';

const SHAPE: BigTableShape = { files: 3_000, commits: 30, checkpointInterval: 10, days: 250, partRows: 1_000 };

let page: Page;
const app = appPerFile('big-table', (lake) => writeBigDeltaTable(join(lake, 'big'), SHAPE));
const { poll, shot } = app;
beforeAll(() => {
  page = app.page;
});

/** "first–last of total" as the pager writes it (en-US grouping). */
const rangeText = (first: number, last: number, total: number) => `${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`;

async function shotBoth(name: string): Promise<void> {
  await page.getByTestId('theme').selectOption('light');
  await shot(`big-table-${name}-light-1440`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot(`big-table-${name}-light-1280`);
  await page.getByTestId('theme').selectOption('dark');
  await poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  await shot(`big-table-${name}-dark-1280`);
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot(`big-table-${name}-dark-1440`);
  await page.getByTestId('theme').selectOption('light');
}

describe('the Files and Partitions tabs of a table bigger than a page', () => {
  it('page through 3,000 files: the exact total, one page at a time, and the last page', async () => {
    const entry = page.locator('[data-testid="explorer-entry"][data-key="big/"]');
    await poll(() => entry.getByTestId('table-badge').textContent()).toBe('delta');
    await entry.click();
    await page.getByTestId('table-tab-files').click();
    const range = page.getByTestId('files-pager-range');
    await poll(() => range.textContent()).toBe(rangeText(1, PAGE_ROWS, SHAPE.files));
    expect(await page.locator('[data-testid="files"] tbody tr').count()).toBe(PAGE_ROWS);
    const firstPage = await page.locator('[data-testid="files"] tbody td.path').allTextContents();

    await page.getByTestId('files-pager-next').click();
    await poll(() => range.textContent()).toBe(rangeText(PAGE_ROWS + 1, 2 * PAGE_ROWS, SHAPE.files));
    const secondPage = await page.locator('[data-testid="files"] tbody td.path').allTextContents();
    expect(secondPage.filter((p) => firstPage.includes(p))).toEqual([]);

    await page.getByTestId('files-pager-last').click();
    const lastOffset = Math.floor((SHAPE.files - 1) / PAGE_ROWS) * PAGE_ROWS;
    await poll(() => range.textContent()).toBe(rangeText(lastOffset + 1, SHAPE.files, SHAPE.files));
    await poll(() => page.locator('[data-testid="files"] tbody tr').count()).toBe(SHAPE.files - lastOffset);
    expect(await page.getByTestId('files-pager-next').isDisabled()).toBe(true);
    await shotBoth('files');
  }, 180_000);

  it('page through 250 partitions: the exact total and the last page', async () => {
    await page.getByTestId('table-tab-partitions').click();
    const range = page.getByTestId('partitions-pager-range');
    await poll(() => range.textContent()).toBe(rangeText(1, PAGE_ROWS, SHAPE.days));
    await poll(() => page.getByTestId('partitions').locator('p').first().textContent()).toBe(`Partitioned by day · ${SHAPE.days} partitions`);
    await page.getByTestId('partitions-pager-last').click();
    await poll(() => range.textContent()).toBe(rangeText(PAGE_ROWS + 1, SHAPE.days, SHAPE.days));
    await poll(() => page.locator('[data-testid="partitions"] tbody tr').count()).toBe(SHAPE.days - PAGE_ROWS);
    await poll(() => page.locator('[data-testid="partitions"] tbody tr').last().textContent()).toContain('2024-09-06');
    await page.getByTestId('partitions-pager-first').click();
    await poll(() => range.textContent()).toBe(rangeText(1, PAGE_ROWS, SHAPE.days));
    await shotBoth('partitions');
    expect(app.errors).toEqual([]);
  }, 180_000);
});
