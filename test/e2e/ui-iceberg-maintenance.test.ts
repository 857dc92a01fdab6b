/**
 * The Maintenance tab on an Iceberg table end to end: `lakebench serve` on a lake holding an Iceberg
 * table of eight old small commits and a file a crashed writer left, driven in Debian's Chromium: the
 * operations its format lists (and not Delta's repack or checkpoint), the orphan report naming the
 * stray file, a compaction planned then run, an expire planned and confirmed, each with its report and
 * log entry; rows unchanged. Screenshots go to /tmp/shots/iceberg-maintenance-*.png.
 */
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../core/storage/local';
import { smallCommitsTable } from '../helpers/crash-iceberg-cleanup';
import { rowsBySnapshot } from '../helpers/iceberg-rows';
import { appPerFile } from './app-fixture';

let page: Page;
let tableDir: string;

const app = appPerFile('iceberg-maintenance', async (lake) => {
  tableDir = join(lake, 'events');
  // Written in 2026-01 (the test writer's clock): every snapshot is past the 5-day expiry.
  await smallCommitsTable(tableDir, 8, 20, { fastAppends: false });
  // Left four days ago: past Iceberg's 3-day orphan age, which the panel offers on an Iceberg table.
  const stray = join(tableDir, 'data', 'part-left-by-a-crashed-writer.parquet');
  await writeFile(stray, 'partial');
  const fourDaysAgo = new Date(Date.now() - 4 * 86_400_000);
  await utimes(stray, fourDaysAgo, fourDaysAgo);
});
const { poll, shot } = app;
beforeAll(() => {
  page = app.page;
});

const currentRows = async () => (await rowsBySnapshot(new LocalStore(tableDir))).get('current');
const run = (operation: string) => page.locator(`[data-testid="mt-job"][data-operation="${operation}"]`).first();
const logRow = (operation: string) => page.locator(`[data-testid="mt-log-row"][data-operation="${operation}"]`).first();

describe('the Maintenance tab on an Iceberg table', () => {
  it('offers the operations Iceberg tables take, and not the others', async () => {
    const entry = page.locator('[data-testid="explorer-entry"][data-key="events/"]');
    await poll(() => entry.getByTestId('table-badge').textContent()).toBe('iceberg');
    await entry.click();
    await page.getByTestId('history').waitFor();
    await page.getByTestId('table-tab-maintenance').click();
    await page.getByTestId('maintenance').waitFor();
    for (const operation of ['verify', 'compact', 'orphans', 'vacuum', 'expire', 'maintain']) await page.getByTestId(`mt-op-${operation}`).waitFor();
    for (const operation of ['repack', 'checkpoint']) expect(await page.getByTestId(`mt-op-${operation}`).count()).toBe(0);
    // In Iceberg's terms and defaults: expire takes a snapshot age (5 days), orphans are 3 days old.
    const expire = page.getByTestId('mt-op-expire');
    expect(await expire.textContent()).toContain('snapshot age');
    expect(await expire.textContent()).not.toContain('log retention');
    expect(await expire.getByTestId('mt-field-logRetention').inputValue()).toBe('5d');
    expect(await page.getByTestId('mt-op-orphans').getByTestId('mt-field-olderThan').inputValue()).toBe('3d');
    expect(await page.getByTestId('mt-op-maintain').textContent()).toContain('compact → rewrite-manifests → expire → vacuum');
  });

  it('lists the stray file as an orphan', async () => {
    await page.getByTestId('mt-run-orphans').click();
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: 1 orphan/);
    expect(await run('orphans').textContent()).toContain(`Find orphans in ${tableDir}`);
    expect(await page.getByTestId('mt-orphans').textContent()).toContain('part-left-by-a-crashed-writer.parquet');
    await poll(() => logRow('orphans').getAttribute('data-status')).toBe('problems');
    await shot('iceberg-maintenance-orphans');
  });

  it('plans and runs a compaction into one replace snapshot; rows unchanged', async () => {
    const before = await currentRows();
    // The format says what its compaction does instead of the usual fields: the defaults take all 8 small files.
    await page.getByTestId('mt-plan-compact').click();
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Plan: .*8 files .*→ 1 file$/);
    await page.getByTestId('mt-run-compact').click();
    await poll(() => run('compact').getAttribute('data-state')).toBe('done');
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: .*8 files .* → 1 file/);
    expect(await run('compact').getByTestId('mt-progress-text').textContent()).toMatch(/\d+\/\d+/);
    await poll(() => logRow('compact').getAttribute('data-status')).toBe('ok');
    await shot('iceberg-maintenance-compact');
    expect(await currentRows()).toEqual(before);
  });

  it('asks to confirm an expire after showing its plan, then expires the old snapshots', async () => {
    const before = await currentRows();
    await page.getByTestId('mt-plan-expire').click();
    await page.getByTestId('mt-confirm').waitFor();
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Plan: would expire 8 snapshots, 1 kept; would delete \d+ files/);
    await shot('iceberg-maintenance-expire-plan');
    await page.getByTestId('mt-confirm-run').click();
    await page.getByTestId('mt-confirm').waitFor({ state: 'detached' });
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: expired 8 snapshots, 1 kept; deleted \d+ files/);
    await poll(() => logRow('expire').getAttribute('data-status')).toBe('ok');
    // The job says what it expired in terms that fit Iceberg too (not "the log").
    expect(await run('expire').textContent()).toContain(`Expire old versions of ${tableDir}`);
    await shot('iceberg-maintenance-expire');
    expect(await currentRows()).toEqual(before);
    expect(app.errors).toEqual([]);
  });
});
