/**
 * Files in and out of the app in web mode, in Chromium: Export downloads through the browser (CSV and
 * Parquet, read back with DuckDB), Import takes files from the file picker and from a drop on the
 * explorer (uploaded to the server, then the usual import job), and nothing asks for a server path in a
 * prompt: "Save query as" is an inline field. Screenshots go to /tmp/shots/transfer-*.png.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { appPerFile } from './app-fixture';
import { doneStatus, explorerEntry, firstValue, runSql, shotBoth } from './page-driver';
import { ROOT } from './ui-harness';

let page: Page;
const app = appPerFile('transfers', async (lake) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
});
const { poll } = app;
beforeAll(() => {
  page = app.page;
  // No prompt, alert or confirm anywhere: each one is an error here.
  page.on('dialog', (dialog) => {
    app.errors.push(`unexpected ${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
});

async function duckdbRow(sql: string): Promise<unknown[]> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  return (await connection.runAndReadAll(sql)).getRowsJson()[0];
}

describe('export in the browser', () => {
  const SQL = 'select order_id, amount from orders order by order_id limit 300';

  it.each([
    { format: 'csv', reader: 'read_csv' },
    { format: 'parquet', reader: 'read_parquet' },
  ])('Export $format downloads the result, which DuckDB reads back whole', async ({ format, reader }) => {
    const expectedSum = await firstValue(page, `select sum(order_id) from (${SQL})`);
    await runSql(page, SQL);
    expect(await doneStatus(page)).toMatch(/^300 rows /);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`export-${format}`).click()]);
    expect(download.suggestedFilename()).toBe(`result.${format}`);
    const file = join(app.dir, `downloaded.${format}`);
    await download.saveAs(file);
    const [rows, sum] = await duckdbRow(`select count(*), sum(order_id) from ${reader}('${file}')`);
    expect(Number(rows)).toBe(300);
    expect(String(sum)).toBe(expectedSum.replace(/,/g, ''));
  });
});

describe('import from the page', () => {
  it('takes files from the file picker', async () => {
    await page.getByTestId('explorer-import').click();
    await page.getByTestId('import-file-input').setInputFiles({ name: 'fresh.csv', mimeType: 'text/csv', buffer: Buffer.from('id,name\n1,a\n2,b\n3,c\n') });
    await poll(() => page.getByTestId('import-inputs').inputValue()).toMatch(/\/fresh\.csv$/);
    await page.getByTestId('import-location').fill(join(app.dir, 'lake', 'fresh'));
    await shotBoth(page, 'transfer-import-picked');
    await page.getByTestId('import-start').click();
    await poll(() => explorerEntry(page, 'fresh/').getByTestId('table-badge').textContent()).toBe('delta');
    expect(await firstValue(page, 'select count(*) from fresh')).toBe('3');
  });

  it('takes files dropped on a table, and imports them into it', async () => {
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['id,name\n10,z\n11,y\n'], 'more.csv', { type: 'text/csv' }));
      const target = document.querySelector('[data-testid="explorer-entry"][data-key="fresh/"]')!;
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await poll(() => page.getByTestId('import-inputs').inputValue()).toMatch(/\/more\.csv$/);
    expect(await page.getByTestId('import-location').inputValue()).toBe(join(app.dir, 'lake', 'fresh'));
    await page.getByTestId('import-start').click();
    await poll(() => page.getByTestId('import-dialog').count()).toBe(0);
    await poll(() => firstValue(page, 'select count(*) from fresh')).toBe('5');
  });
});

describe('no prompts', () => {
  it('saves a query under a name typed inline', async () => {
    await runSql(page, 'select 7 as seven');
    await page.getByTestId('save-query').click();
    await page.getByTestId('save-query-name').fill('Seven');
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('save-query').count()).toBe(1);
    await page.getByRole('button', { name: 'Saved' }).click();
    await poll(() => page.getByTestId('saved-list').locator('strong').allTextContents()).toContain('Seven');
  });

  it('left no console errors and opened no dialogs', () => {
    expect(app.errors).toEqual([]);
  });
});
