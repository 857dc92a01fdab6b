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
import { writeLakeSyncJsonColumn } from '../helpers/lake-buckets';
import { appPerFile } from './app-fixture';
import { addLocalConnection, cell, doneStatus, explorerEntry, firstValue, openTableAt, poll, runSql, shotBoth } from './page-driver';
import { ROOT } from './ui-harness';

let page: Page;
let other: string;
const app = appPerFile('fixes', async (lake, dir) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
  // A second local folder, opened through a saved connection.
  other = join(dir, 'other');
  await cp(join(ROOT, 'resources', 'sample-lake', 'customers'), join(other, 'customers'), { recursive: true });
  await writeLakeSyncJsonColumn(join(lake, 'jsonsync'));
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

describe('Compare', () => {
  it('keeps the versions it compared in both pickers and names them over the result', async () => {
    await openTableAt(page, 'orders/', 'delta');
    await page.getByTestId('table-tab-compare').click();
    await page.getByTestId('compare-from').selectOption('1');
    await page.getByTestId('compare-to').selectOption('3');
    await page.getByTestId('compare-run').click();
    await poll(() => page.getByTestId('compare-shown').textContent()).toBe('v1 → v3');
    expect(await page.getByTestId('compare-from').inputValue()).toBe('1');
    expect(await page.getByTestId('compare-to').inputValue()).toBe('3');
    // v1 → v3 added two writes of 800 rows.
    expect(await page.getByTestId('compare-result').textContent()).toContain('(+1,600 / −0) whole-row diff');
    expect(await page.getByTestId('compare-commit-rows').textContent()).toBe('+1,600 inserted (commit metrics)');
  });

  it('History shows changed rows from the commit metrics and labels rows in written files as such', async () => {
    await page.getByTestId('table-tab-history').click();
    const metrics = (version: number) => page.locator(`[data-testid="history"] li[data-version="${version}"] .timeline-metrics`).textContent();
    // A copy-on-write DELETE of 41 rows rewrote 6,451 rows: only the 41 changed.
    expect(await metrics(11)).toBe('rows −41 deleted · files +11 −13 · where amount < 5');
    // This MERGE recorded no row-level metrics: its 350 rows are rows of the files it wrote.
    expect(await metrics(7)).toMatch(/^rows in files written\/removed \+350 · files \+4 −1 · bytes/);
    expect(await metrics(1)).toMatch(/^rows \+800 inserted · files \+1 · bytes/);
  });

  it('Vacuum refuses a short retention in the panel\'s terms: the checkbox, and 0h', async () => {
    await page.getByTestId('table-tab-maintenance').click();
    await page.getByTestId('mt-field-retention').fill('0h');
    await page.getByTestId('mt-plan-vacuum').click();
    await poll(() => page.getByTestId('maintenance').textContent()).toContain('refusing a vacuum retention of 0h');
    const text = (await page.getByTestId('maintenance').textContent())!;
    expect(text).toContain('tick “force (< 7 days)” to use it anyway');
    expect(text).not.toContain('--force');
    expect(text).not.toContain('0ms');
    await shotBoth(page, 'fixes-vacuum-refusal');
    await page.getByTestId('mt-field-retention').fill('7d');
  });
});

describe('versions in SQL', () => {
  it('reads orders@0 and the latest orders in one query from the editor', async () => {
    await runSql(page, 'select (select count(*) from orders@0) as v0, (select count(*) from "orders@1") as v1, (select count(*) from orders) as latest');
    expect(await doneStatus(page)).toMatch(/^1 row/);
    expect(await Promise.all([0, 1].map((column) => cell(page, 0, column).textContent()))).toEqual(['2000', '2800']);
    await shotBoth(page, 'fixes-versions-in-sql');
  });
});

describe('LakeSync JSON columns in the app', () => {
  it('reads a JSON column as JSON whether the value came from a JSON envelope or a Parquet delta', async () => {
    await openTableAt(page, 'jsonsync/', 'lakesync');
    await page.getByTestId('lakesync-query').first().click();
    await poll(() => page.getByTestId('result-rowcount').textContent()).toBe('3 rows');
    // A double-encoded value would be a JSON string (VARCHAR) holding the JSON text.
    await runSql(page, 'select "rowId", json_type(meta) as kind, meta::VARCHAR as meta, title from todos order by 1');
    expect(await doneStatus(page)).toMatch(/^3 rows/);
    const rows = [];
    for (let row = 0; row < 3; row++) rows.push(await Promise.all([0, 1, 2, 3].map((column) => cell(page, row, column).textContent())));
    expect(rows).toEqual([
      ['r1', 'OBJECT', '{"tags":["x"]}', 'one'],
      ['r2', 'ARRAY', '[1,2]', '{not json}'],
      ['r3', 'OBJECT', '{"a":{"b":null}}', 'three'],
    ]);
  });
});

describe('shortcuts and dialogs', () => {
  it('Alt+W closes the tab while the focus is in the editor', async () => {
    await page.getByTestId('new-tab').click();
    const tabs = await page.getByTestId('editor-tab').count();
    await page.locator('[data-testid="sql-editor"] .monaco-editor .view-lines').click();
    await page.keyboard.press('Alt+W');
    await poll(() => page.getByTestId('editor-tab').count()).toBe(tabs - 1);
  });

  it('Esc closes the Import dialog and the Add-connection dialog', async () => {
    await page.getByTestId('explorer-import').click();
    await page.getByTestId('import-dialog').waitFor();
    await page.keyboard.press('Escape');
    await poll(() => page.getByTestId('import-dialog').count()).toBe(0);
    await page.getByTestId('add-connection').click();
    await page.getByTestId('connection-name').focus();
    await page.keyboard.press('Escape');
    await poll(() => page.getByTestId('connection-dialog').count()).toBe(0);
  });

  it('an empty connection Test names the fields to fill in', async () => {
    await page.getByTestId('add-connection').click();
    await page.getByTestId('connection-kind').selectOption('s3-compatible');
    await page.getByTestId('connection-test').click();
    await poll(() => page.getByTestId('connection-error').textContent()).toBe('Fill in: Endpoint URL, Bucket, Access key id, Secret access key.');
    await shotBoth(page, 'fixes-connection-missing');
    await page.keyboard.press('Escape');
  });

  it('cancels a long query without an HTTP error in the console', async () => {
    await runSql(page, 'select count(*) from range(100000000000) a');
    await poll(() => page.getByTestId('result-status').textContent()).toBe('Running…');
    await page.getByTestId('cancel').click();
    expect(await doneStatus(page)).toMatch(/^Cancelled/);
    expect(app.errors).toEqual([]);
  });
});

describe('connections and the --lake folder', () => {
  const select = () => page.getByTestId('connection-select');
  const root = () => page.getByTestId('workspace-root').textContent();
  let lake: string;

  it('keeps the --lake folder in the selector after switching to a connection, and switches back to it', async () => {
    lake = (await root())!;
    await addLocalConnection(page, 'Other folder', other);
    await explorerEntry(page, 'customers/').waitFor();
    expect(await select().locator('option').allTextContents()).toEqual(['lake (folder)', 'Other folder (local)']);
    await select().selectOption({ label: 'lake (folder)' });
    await poll(root).toBe(lake);
    await explorerEntry(page, 'orders/').waitFor();
    await select().selectOption({ label: 'Other folder (local)' });
    await poll(root).toBe(other);
  });

  it('asks before removing a connection, then shows the folder it fell back to', async () => {
    await page.getByTestId('remove-connection').click();
    await page.getByTestId('remove-connection-confirm').waitFor();
    await shotBoth(page, 'fixes-remove-connection');
    await page.getByTestId('remove-connection-no').click();
    expect(await root()).toBe(other);
    await page.getByTestId('remove-connection').click();
    await page.getByTestId('remove-connection-yes').click();
    await poll(root).toBe(lake);
    await explorerEntry(page, 'orders/').waitFor();
    await poll(() => select().locator('option').allTextContents()).toEqual(['lake (folder)']);
    expect(await select().inputValue()).toBe(`folder:${lake}`);
    expect(await page.getByTestId('remove-connection').count()).toBe(0);
  });
});

describe('console', () => {
  it('logged no console errors (HTTP errors included)', () => {
    expect(app.errors).toEqual([]);
  });
});
