/**
 * The LakeSync and Lakeside views end to end: `lakebench serve` on a lake holding one bucket of each,
 * driven in Debian's Chromium. LakeSync: tables with resolved row counts, delta files with HLC ranges and
 * delta counts (JSON and Parquet), the materialised state, and a Query as of an HLC. Lakeside: the log
 * history, staging per partition, compacted files, the reconcile report, the real-time Query, and a
 * compact-staging run from the Maintenance panel that grows the history and keeps the row count.
 * Screenshots go to /tmp/shots/lakes-*.png.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatHlc } from '../../core/formats/lakesync/hlc';
import { writeLakeSync, writeLakeside } from '../helpers/lake-buckets';
import { hlc } from '../helpers/lakesync-deltas';
import { appPerFile } from './app-fixture';

let page: Page;

const app = appPerFile('lakes', async (lake) => {
  await writeLakeSync(join(lake, 'sync'));
  await writeLakeside(join(lake, 'shop'));
});
const { poll, shot } = app;
const pageErrors = app.errors;
beforeAll(() => {
  page = app.page;
});

const texts = (testId: string) => page.getByTestId(testId).allTextContents();

async function openBucket(key: string, layout: string): Promise<void> {
  const entry = page.locator(`[data-testid="explorer-entry"][data-key="${key}"]`);
  await poll(() => entry.getByTestId('table-badge').textContent()).toBe(layout);
  await entry.click();
}

/** Rows of the grid as the result's status line counts them, after a Query action. */
const resultRows = () => page.getByTestId('result-rowcount').textContent();

describe('the LakeSync view', () => {
  it('lists the tables with their resolved rows and columns', async () => {
    await openBucket('sync/', 'lakesync');
    await poll(() => page.getByTestId('lakesync-summary').textContent()).toBe('LakeSync bucket: 2 tables, 5 delta files (8 deltas), 1 materialised state');
    const rows = page.getByTestId('lakesync-table-row');
    expect(await rows.count()).toBe(2);
    // notes: n0 from the materialised state + n1; todos: r1, r3, r4 (r2 deleted).
    expect(await rows.nth(0).textContent()).toBe('notes2rowId, textQuery');
    expect(await rows.nth(1).textContent()).toBe('todos3rowId, title, doneQuery');
    await shot('lakes-lakesync-tables');
  });

  it('shows the delta files with HLC ranges as wall time, delta counts, and the materialised state', async () => {
    await page.getByTestId('lakesync-tab-files').click();
    const rows = page.getByTestId('lakesync-file-row');
    await poll(() => rows.count()).toBe(5);
    const cells = async (i: number) => rows.nth(i).locator('td').allTextContents();
    // Wall times drop the date when it is the file's date folder.
    expect((await cells(0)).slice(0, 5)).toEqual(['2026-11-23', 'gw-a', 'todos', '10:00:00.000Z → 10:00:00.010Z', '2']);
    expect((await cells(1)).slice(0, 5)).toEqual(['2026-11-23', 'gw-b', 'todos', '10:00:00.020Z+2 → 10:00:00.030Z', '2']);
    expect((await cells(2)).slice(0, 5)).toEqual(['2026-11-23', 'gw-b', 'notes', '10:00:00.040Z', '1']);
    expect((await cells(3)).slice(0, 5)).toEqual(['2026-11-24', 'gw-a', 'todos', '2026-11-23T10:00:00.050Z', '1']);
    // The Parquet file's delta count is its row count.
    expect((await cells(4)).slice(0, 5)).toEqual(['2026-11-24', 'gw-c', 'todos', '2026-11-23T10:00:00.060Z → 2026-11-23T10:00:00.060Z+1', '2']);
    expect(await rows.nth(0).getAttribute('title')).toContain(`HLC ${hlc(0)} → ${hlc(10)}`);
    await shot('lakes-lakesync-files');
    await page.getByTestId('lakesync-tab-materialised').click();
    expect(await page.getByTestId('lakesync-materialised').textContent()).toContain('materialised/notes/current.parquet');
  });

  it('queries a table at the latest state and as of an earlier HLC', async () => {
    await page.getByTestId('lakesync-tab-tables').click();
    await page.getByTestId('lakesync-query').nth(1).click();
    await poll(resultRows).toBe('3 rows');
    // The count can be known before the first page of rows is drawn.
    await poll(() => page.getByTestId('results').textContent()).toContain('water cactus');
    // As of the first file's max HLC: r1 and r2 as first written.
    const options = await page.getByTestId('lakesync-as-of').locator('option').allTextContents();
    expect(options).toEqual(['latest', ...[hlc(10), hlc(30), hlc(40), hlc(50), hlc(60, 1)].map((h) => formatHlc(BigInt(h)))]);
    await page.getByTestId('lakesync-as-of').selectOption(hlc(10));
    await page.getByTestId('lakesync-query').nth(1).click();
    await poll(resultRows).toBe('2 rows');
    await poll(() => page.getByTestId('results').textContent()).toContain('walk dog');
    const results = await page.getByTestId('results').textContent();
    expect(results).not.toContain('water');
    expect(await page.getByTestId('pinned-version').textContent()).toBe('sync@2026-11-23T10:00:00.010Z');
    await shot('lakes-lakesync-as-of');
  });
});

describe('the Lakeside view', () => {
  const summary = () => page.getByTestId('lakeside-summary').textContent();

  it('shows the log history, the staging per partition, the compacted files and the reconcile report', async () => {
    await openBucket('shop/', 'lakeside');
    await poll(summary).toBe('Lakeside bucket: 12 rows in real time (7 compacted + 5 staged), 1 log entry, 1 compacted file, 4 staged files, 1 reconcile finding');
    expect(await page.getByTestId('lakeside-log-entry').count()).toBe(1);
    expect(await page.getByTestId('lakeside-history').textContent()).toMatch(/^v0 compact.*files \+1 · rows \+7 · bytes \+/);
    await shot('lakes-lakeside-history');

    await page.getByTestId('lakeside-tab-staging').click();
    const staging = page.getByTestId('lakeside-staging-row');
    expect(await staging.nth(0).locator('td').allTextContents()).toEqual(['order_ts_hour=2026-11-23T09', '3', expect.stringMatching(/ B$/), '4']);
    expect(await staging.nth(1).locator('td').allTextContents()).toEqual(['order_ts_hour=2026-11-23T10', '1', expect.stringMatching(/ B$/), '1']);

    await page.getByTestId('lakeside-tab-compacted').click();
    const compacted = await page.getByTestId('lakeside-compacted-row').locator('td').allTextContents();
    expect(compacted.slice(1, 3)).toEqual(['order_ts_hour=2026-11-23T08', '7']);
    expect(compacted[0]).toMatch(/^part-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.parquet$/);

    await page.getByTestId('lakeside-tab-reconcile').click();
    expect(await page.getByTestId('lakeside-orphans').textContent()).toContain('parquet/order_ts_hour=2026-11-23T07/part-2026-11-23T07-00-00.parquetnever logged (a failed write)');
    await shot('lakes-lakeside-reconcile');
  });

  it('queries the real-time view', async () => {
    await page.getByTestId('lakeside-query').click();
    await poll(resultRows).toBe('12 rows');
  });

  it('compacts the staging from the Maintenance panel: the history grows, the real-time rows stay', async () => {
    await page.getByTestId('lakeside-tab-maintenance').click();
    await page.getByTestId('mt-op-compact-staging').waitFor();
    expect(await page.getByTestId('mt-op-compact').count()).toBe(0);
    await page.getByTestId('mt-run-compact-staging').click();
    await poll(() => page.locator('[data-testid="mt-job"][data-operation="compact-staging"]').first().getAttribute('data-state')).toBe('done');
    await poll(summary).toBe('Lakeside bucket: 12 rows in real time (12 compacted + 0 staged), 2 log entries, 3 compacted files, 0 staged files, 1 reconcile finding');
    await shot('lakes-lakeside-compacted-run');
    await page.getByTestId('lakeside-tab-history').click();
    await poll(() => texts('lakeside-log-entry')).toHaveLength(2);
    expect((await texts('lakeside-log-entry'))[0]).toMatch(/^v1 compact.*files \+2 · rows \+5 · bytes \+/);
    await page.getByTestId('lakeside-query').click();
    await poll(resultRows).toBe('12 rows');
    await shot('lakes-lakeside-after');
    expect(pageErrors).toEqual([]);
  });
});
