/**
 * The Quality tab end to end: `lakebench serve` on a temp copy of the sample lake plus a small table with
 * planted violations, driven in Debian's Chromium: checks defined with the column pickers, run at the
 * slider's version, pass/fail badges with exact counts and a failing sample, rules kept across a
 * reload, and the history chart. Screenshots go to /tmp/shots/quality-*.png.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../core/storage/local';
import { appendCsv } from '../helpers/maintenance-table';
import { appPerFile } from './app-fixture';
import { ROOT } from './ui-harness';

let page: Page;

const app = appPerFile('quality', async (lake, dir) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
  const people = new LocalStore(join(lake, 'people'));
  // v0: one null email and one unknown plan; v1 adds a second null email.
  await appendCsv(people, dir, 'id,email,plan\n1,a@x.org,free\n2,,pro\n3,c@x.org,gold\n4,d@x.org,free\n');
  await appendCsv(people, dir, 'id,email,plan\n5,,pro\n');
});
const { poll, shot } = app;
const pageErrors = app.errors;
beforeAll(() => {
  page = app.page;
});

const result = (name: string) => page.locator('[data-testid="q-result"]', { hasText: name });

async function openQualityTab(): Promise<void> {
  const entry = page.locator('[data-testid="explorer-entry"][data-key="people/"]');
  await poll(() => entry.getByTestId('table-badge').textContent()).toBe('delta');
  await entry.click();
  await page.getByTestId('history').waitFor();
  await page.getByTestId('table-tab-quality').click();
  await page.getByTestId('quality-panel').waitFor();
}

describe('the Quality tab', () => {
  it('defines checks with column pickers and runs them: badges, exact counts, a failing sample', async () => {
    await openQualityTab();
    await page.getByTestId('q-add').click();
    const first = page.getByTestId('q-check').nth(0);
    await first.getByTestId('q-type').selectOption('not_null');
    await first.getByTestId('q-column').selectOption('email');
    await page.getByTestId('q-add').click();
    const second = page.getByTestId('q-check').nth(1);
    await second.getByTestId('q-type').selectOption('accepted_values');
    await second.getByTestId('q-column').selectOption('plan');
    await second.getByTestId('q-accepted').fill('free, pro');
    await second.getByTestId('q-accepted').blur();
    await page.getByTestId('q-add').click();
    const third = page.getByTestId('q-check').nth(2);
    await third.getByTestId('q-type').selectOption('row_count_range');
    await third.getByTestId('q-min_count').fill('1');

    await page.getByTestId('q-run').click();
    await poll(() => page.getByTestId('q-report').textContent()).toContain('2 failed');
    expect(await page.getByTestId('q-report').locator('h4').textContent()).toBe('Report · v1: 1 passed, 2 failed, 0 error');
    expect(await result('check_1').textContent()).toMatch(/^failedcheck_1email2 \/ 5/);
    expect(await result('check_2').textContent()).toMatch(/^failedcheck_2plan1 \/ 5/);
    expect(await result('check_3').textContent()).toMatch(/^passedcheck_30 \/ 5/); // no column for a row count
    await result('check_2').click();
    expect(await page.getByTestId('q-sample').textContent()).toContain('gold');
    await page.getByTestId('q-history').waitFor();
    await shot('quality-report');
  });

  it('runs at the slider version and keeps the saved rules across a reload, with the history chart', async () => {
    await page.getByTestId('q-save').click();
    await poll(() => page.getByTestId('q-save').isDisabled()).toBe(true);
    await page.getByTestId('time-travel').focus();
    await page.keyboard.press('Home');
    await poll(() => page.getByTestId('time-travel-version').textContent()).toBe('v0');
    await page.getByTestId('q-run').click();
    await poll(() => page.getByTestId('q-report').locator('h4').textContent()).toBe('Report · v0: 1 passed, 2 failed, 0 error');
    expect(await result('check_1').textContent()).toMatch(/email1 \/ 4/);

    await page.reload();
    await openQualityTab();
    await poll(() => page.getByTestId('q-check').count()).toBe(3);
    expect(await page.getByTestId('q-check').nth(1).getByTestId('q-accepted').inputValue()).toBe('free, pro');
    await poll(() => page.getByTestId('q-history').locator('.recharts-line').count()).toBe(3);
    await shot('quality-history');
    expect(pageErrors).toEqual([]);
  });
});
