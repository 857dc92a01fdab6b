/**
 * The Maintenance tab end to end: `lakebench serve` on a temp copy of the sample lake (plus a table of
 * many small files written beside its tables), driven in Debian's Chromium: verify and compact from
 * the panel, their progress, reports and log entries, a plan to confirm before vacuum; rows unchanged.
 * Screenshots go to /tmp/shots/maintenance-*.png.
 */
import { cp, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';
import { appendCsv } from '../helpers/maintenance-table';
import { appPerFile } from './app-fixture';
import { ROOT } from './ui-harness';

const SMALL_FILES = 6;

let clicks: LocalStore;
let clicksDir: string;
/** The one live file after the compaction. */
let liveFile: string;
let page: Page;

const app = appPerFile('maintenance', async (lake, dir) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
  // The sample's tables have no partition with small files of one schema; this one has six.
  clicksDir = join(lake, 'clicks');
  clicks = new LocalStore(clicksDir);
  for (let i = 0; i < SMALL_FILES; i++) await appendCsv(clicks, dir, `id,page,ms\n${i},/home,${i * 10}\n${i + 100},/docs/${i},${i * 7}\n`);
});
const { poll, shot } = app;
const pageErrors = app.errors;
beforeAll(() => {
  page = app.page;
});

const rows = () => queryTable(clicks, 'SELECT * FROM t ORDER BY ALL');
/** The panel's newest run of `operation`. */
const run = (operation: string) => page.locator(`[data-testid="mt-job"][data-operation="${operation}"]`).first();

describe('the Maintenance tab', () => {
  it('opens on a table with its operations and an empty log', async () => {
    const entry = page.locator('[data-testid="explorer-entry"][data-key="clicks/"]');
    await poll(() => entry.getByTestId('table-badge').textContent()).toBe('delta');
    await entry.click();
    await page.getByTestId('history').waitFor();
    await page.getByTestId('table-tab-maintenance').click();
    await page.getByTestId('maintenance').waitFor();
    for (const operation of ['verify', 'compact', 'orphans', 'vacuum', 'repack', 'checkpoint', 'expire', 'maintain']) {
      await page.getByTestId(`mt-op-${operation}`).waitFor();
    }
    expect(await page.getByTestId('maintenance').textContent()).toContain('No maintenance has run on this table yet.');
  });

  it('verifies: progress, then a clean report and an ok log entry', async () => {
    await page.getByTestId('mt-run-verify').click();
    await poll(() => run('verify').getAttribute('data-state')).toBe('done');
    // The finished run keeps its last progress: the events reached the page.
    expect(await run('verify').getByTestId('mt-progress-text').textContent()).toMatch(/\d+\/\d+/);
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: 0 problems in 6 files \(.*\); corruption rate 0\.00%$/);
    const logRow = page.locator('[data-testid="mt-log-row"][data-operation="verify"]').first();
    await poll(() => logRow.getAttribute('data-status')).toBe('ok');
    expect(await logRow.textContent()).toMatch(/verifyok/);
    await shot('maintenance-verify');
  });

  it('plans and runs a compaction: files 6 → 1, one new version, rows unchanged', async () => {
    const before = await rows();
    await page.getByTestId('mt-field-minFiles').fill('2');
    await page.getByTestId('mt-plan-compact').click();
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Plan: 1 partition, 6 files .* → 1 file$/);
    await page.getByTestId('mt-compact-plan').waitFor();
    await shot('maintenance-compact-plan');

    await page.getByTestId('mt-run-compact').click();
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: v6: 6 files/);
    expect(await run('compact').getAttribute('data-state')).toBe('done');
    expect(await run('compact').getByTestId('mt-progress-text').textContent()).toMatch(/\d+\/\d+/);
    expect(await page.getByTestId('mt-compact-metrics').textContent()).toMatch(/Files6 → 1/);
    const logRow = page.locator('[data-testid="mt-log-row"][data-operation="compact"]').first();
    await poll(() => logRow.textContent()).toMatch(/compactokv5 → v66 → 76 → 1/); // version v5 → v6, versions 6 → 7, files 6 → 1
    await shot('maintenance-compact');
    expect(await rows()).toEqual(before);
    liveFile = (await (await DeltaTable.open(clicks)).snapshot()).files[0].path;
    // The table view reloaded: the history shows the OPTIMIZE commit.
    await page.getByTestId('table-tab-history').click();
    await poll(() => page.getByTestId('history').textContent()).toContain('OPTIMIZE');
    await page.getByTestId('table-tab-maintenance').click();
  });

  it('asks to confirm a vacuum after showing its plan', async () => {
    await page.getByTestId('mt-plan-vacuum').click();
    await page.getByTestId('mt-confirm').waitFor();
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Plan: would delete 0 files/);
    await shot('maintenance-vacuum-plan');
    await page.getByTestId('mt-confirm-run').click();
    await page.getByTestId('mt-confirm').waitFor({ state: 'detached' });
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: deleted 0 files/);
    // The log: vacuum, its plan, compact, its plan, verify.
    await poll(() => page.getByTestId('mt-log-row').count()).toBe(5);
  });

  it('lists orphans and names a corrupt file in the verify report', async () => {
    await writeFile(join(clicksDir, 'part-left-by-a-crashed-writer.parquet'), 'partial');
    await page.getByTestId('mt-run-orphans').click();
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: 1 orphan/);
    expect(await page.getByTestId('mt-orphans').textContent()).toContain('part-left-by-a-crashed-writer.parquet');
    await shot('maintenance-orphans');

    expect(await readdir(clicksDir)).toContain(liveFile);
    await truncate(join(clicksDir, liveFile), 100);
    await page.getByTestId('mt-run-verify').click();
    await poll(() => page.locator('[data-testid="mt-log-row"]').first().getAttribute('data-status')).toBe('problems');
    const problems = await page.getByTestId('mt-problems').textContent();
    expect(problems).toContain(liveFile);
    expect(await page.getByTestId('mt-summary').textContent()).toMatch(/problems? in 1 file .*; corruption rate 100\.00%$/);
    await shot('maintenance-verify-problems');
    expect(pageErrors).toEqual([]);
  });
});
