/**
 * The table view on tables as current writers make them, end to end in Debian's Chromium against
 * `lakebench serve`: a deletion-vector table (golden dv-partitioned-with-checkpoint, written by Delta
 * Spark) shows its features in the header, deleted rows per file and the live-row total in the Files
 * tab, and "only deletion vectors" in History; a column-mapping table (golden
 * table-with-columnmapping-mode-name) shows physical names and field ids in the Schema tab.
 * Screenshots go to /tmp/shots/delta-features-*.png.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures';
import { appPerFile } from './app-fixture';

let page: Page;

const app = appPerFile('delta-features', async (lake) => {
  await cp(fixture('golden', 'dv-partitioned-with-checkpoint', 'delta'), join(lake, 'dv_table'), { recursive: true });
  await cp(fixture('golden', 'table-with-columnmapping-mode-name', 'delta'), join(lake, 'mapped'), { recursive: true });
});
const { poll, shot } = app;
beforeAll(() => {
  page = app.page;
});

async function openTable(key: string): Promise<void> {
  const entry = page.locator(`[data-testid="explorer-entry"][data-key="${key}"]`);
  await poll(() => entry.getByTestId('table-badge').textContent()).toBe('delta');
  await entry.click();
  await page.getByTestId('table-tab-history').click();
  await page.getByTestId('history').waitFor();
}

describe('the table view of current Delta features', () => {
  it('a DV table: features in the header, deleted rows per file, live rows, DV-only commits in History', async () => {
    await openTable('dv_table/');
    await poll(() => page.getByTestId('table-features').textContent()).toBe('deletion vectors');
    await poll(() => page.getByTestId('history-dv-only').count()).toBe(10);
    await shot('delta-features-history');
    await page.getByTestId('table-tab-files').click();
    await poll(() => page.getByTestId('files-live-rows').textContent()).toBe('35');
    const deleted = (await page.getByTestId('file-deleted-rows').allTextContents()).filter((t) => t !== '').map(Number);
    // 50 rows written, 35 live: 2 deleted by the DVs of live files, 13 gone with files removed whole.
    expect(deleted.reduce((a, b) => a + b, 0)).toBe(2);
    await shot('delta-features-files');
  });

  it('a column-mapping table: physical names and field ids in the Schema tab', async () => {
    await openTable('mapped/');
    await poll(() => page.getByTestId('table-features').textContent()).toBe('column mapping (name)');
    await page.getByTestId('table-tab-schema').click();
    await poll(() => page.getByTestId('schema').textContent()).toContain('col-');
    const row = page.locator('[data-testid="schema"] tbody tr').filter({ hasText: 'IntegerType' });
    expect(await row.getByTestId('physical-name').textContent()).toBe('col-95b3e7db-39a2-434c-8694-37bd0b9b0c19');
    expect(await row.getByTestId('field-id').textContent()).toBe('3');
    await shot('delta-features-schema');
    expect(app.errors).toEqual([]);
  });
});
