/**
 * The Maintenance tab on Iceberg tables end to end: `lakebench serve` on a lake holding an Iceberg
 * table of eight old small commits and a file a crashed writer left, one of twelve fast appends (twelve
 * data manifests) and one of ~80 MB in six files, driven in Debian's Chromium: the operations its
 * format lists (and not Delta's repack or checkpoint), the orphan report naming the stray file, a
 * compaction planned then run, rewrite-manifests planned then run, an expire planned and confirmed, each
 * with its report and log entry (snapshot ids, snapshots and files before → after); a long compaction
 * cancelled, leaving the table as it was; rows unchanged. Screenshots go to /tmp/shots/iceberg-maintenance-*.png.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { SqlSession } from '../../core/sql/session';
import { LocalStore } from '../../core/storage/local';
import { smallCommitsTable } from '../helpers/crash-iceberg-cleanup';
import { rowsBySnapshot } from '../helpers/iceberg-rows';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { appPerFile } from './app-fixture';
import { openTableAt, shotBoth } from './page-driver';

let page: Page;
let tableDir: string;
let feedDir: string;
let bigDir: string;

/** Six files of 200,000 rows of incompressible text (~80 MB): a compaction that runs long enough to cancel. */
async function bigTable(dir: string): Promise<void> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const w = new IcebergTestWriter(dir, conn, { fields: [{ id: 1, name: 'id', type: 'long' }, { id: 2, name: 'payload', type: 'string' }] });
    const rows = 200_000;
    for (let i = 0; i < 6; i++) {
      await w.commit({ add: [{ sql: `SELECT range AS id, md5(range::VARCHAR) || md5((range * 7)::VARCHAR) AS payload FROM range(${i * rows}, ${(i + 1) * rows})` }] });
    }
  } finally {
    conn.closeSync();
  }
}

const app = appPerFile('iceberg-maintenance', async (lake) => {
  tableDir = join(lake, 'events');
  // Written in 2026-01 (the test writer's clock): every snapshot is past the 5-day expiry.
  await smallCommitsTable(tableDir, 8, 20, { fastAppends: false });
  // Left four days ago: past Iceberg's 3-day orphan age, which the panel offers on an Iceberg table.
  const stray = join(tableDir, 'data', 'part-left-by-a-crashed-writer.parquet');
  await writeFile(stray, 'partial');
  const fourDaysAgo = new Date(Date.now() - 4 * 86_400_000);
  await utimes(stray, fourDaysAgo, fourDaysAgo);
  // Twelve fast appends: one data manifest each, which rewrite-manifests merges.
  feedDir = join(lake, 'feed');
  await smallCommitsTable(feedDir, 12, 20);
  bigDir = join(lake, 'big');
  await bigTable(bigDir);
});
const { poll, shot } = app;
beforeAll(() => {
  page = app.page;
});

const currentRows = async (dir = tableDir) => (await rowsBySnapshot(new LocalStore(dir))).get('current');
const summary = () => page.getByTestId('mt-summary').textContent();
/** The table view shows no "Loading…" line (a reload after a run keeps the view as it is). */
const loadingLines = () => page.getByTestId('table-view').getByText('Loading…').count();
/** A log row's cells: When, Operation, Status, Version, Versions, Files, Took. */
const logCells = (operation: string) => logRow(operation).locator('td').allTextContents();
const dataManifests = async (dir: string) => {
  const table = await IcebergTable.open(new LocalStore(dir));
  return (await table.manifests(table.snapshot()!)).filter((m) => m.content === 'data').length;
};
/** The last 6 digits of the current snapshot id, as the log's Version column shows it. */
const shortSnapshot = async (dir: string) => `…${(await IcebergTable.open(new LocalStore(dir))).snapshot()!.id.slice(-6)}`;

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
    for (const operation of ['verify', 'compact', 'rewrite-manifests', 'orphans', 'vacuum', 'expire', 'maintain']) await page.getByTestId(`mt-op-${operation}`).waitFor();
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

  it('plans and runs a compaction into one replace snapshot, logged with its snapshot ids and files; rows unchanged', async () => {
    const before = await currentRows();
    const snapshotBefore = await shortSnapshot(tableDir);
    // The format says what its compaction does instead of the usual fields: the defaults take all 8 small files.
    await page.getByTestId('mt-plan-compact').click();
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Plan: .*8 files .*→ 1 file$/);
    await page.getByTestId('mt-run-compact').click();
    await poll(() => run('compact').getAttribute('data-state')).toBe('done');
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: snapshot \d+: 8 files .* → 1 file/);
    expect(await loadingLines()).toBe(0);
    expect(await run('compact').getByTestId('mt-progress-text').textContent()).toMatch(/\d+\/\d+/);
    await poll(() => logRow('compact').getAttribute('data-status')).toBe('ok');
    // Like Delta's records: the version before → after (here the snapshot ids), snapshots kept and live files.
    const [, , , version, versions, files] = await logCells('compact');
    expect([version, versions, files]).toEqual([`${snapshotBefore} → ${await shortSnapshot(tableDir)}`, '8 → 9', '8 → 1']);
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
    expect(await loadingLines()).toBe(0);
    await poll(() => logRow('expire').getAttribute('data-status')).toBe('ok');
    const [, , , version, versions, files] = await logCells('expire');
    expect([version, versions, files]).toEqual([await shortSnapshot(tableDir), '9 → 1', '1']);
    // The job says what it expired in terms that fit Iceberg too (not "the log").
    expect(await run('expire').textContent()).toContain(`Expire old versions of ${tableDir}`);
    await shot('iceberg-maintenance-expire');
    expect(await currentRows()).toEqual(before);
    expect(app.errors).toEqual([]);
  });

  it('plans and runs rewrite-manifests on its own: 12 data manifests → 1 in one replace snapshot; rows unchanged', async () => {
    await openTableAt(page, 'feed/', 'iceberg');
    await page.getByTestId('table-tab-maintenance').click();
    const before = await currentRows(feedDir);
    const snapshotBefore = await shortSnapshot(feedDir);
    await page.getByTestId('mt-plan-rewrite-manifests').click();
    await poll(summary).toBe('Plan: 12 data manifests → 1 manifest in 1 partition spec');
    // Per partition spec: its data files, and its manifests before → after.
    expect(await page.getByTestId('mt-rewrite-plan').locator('tbody td').allTextContents()).toEqual(['0', '12', '12 → 1']);
    expect(await dataManifests(feedDir)).toBe(12);

    await page.getByTestId('mt-run-rewrite-manifests').click();
    await poll(() => run('rewrite-manifests').getAttribute('data-state')).toBe('done');
    await poll(summary).toMatch(/^Result: snapshot \d+: 12 data manifests → 1 manifest in 1 partition spec$/);
    expect(await loadingLines()).toBe(0);
    expect(await run('rewrite-manifests').textContent()).toContain(`Rewrite the manifests of ${feedDir}`);
    expect(await run('rewrite-manifests').getByTestId('mt-progress-text').textContent()).toBe('commit 1/1');
    expect(await page.getByTestId('mt-rewrite-metrics').textContent()).toMatch(/^Data manifests12 → 1Snapshot\d+$/);
    await poll(() => logRow('rewrite-manifests').getAttribute('data-status')).toBe('ok');
    const [, , , version, versions, files] = await logCells('rewrite-manifests');
    expect([version, versions, files]).toEqual([`${snapshotBefore} → ${await shortSnapshot(feedDir)}`, '12 → 13', '12']);
    // The plan is in the log too, with the table as it was.
    expect(await page.locator('[data-testid="mt-log-row"][data-operation="rewrite-manifests"]').count()).toBe(2);
    await shotBoth(page, 'iceberg-maintenance-rewrite-manifests');
    expect(await dataManifests(feedDir)).toBe(1);
    expect(await currentRows(feedDir)).toEqual(before);
    expect(app.errors).toEqual([]);
  });

  it('cancels a long compaction: the job ends cancelled, the table keeps its snapshot and rows, verify is clean', async () => {
    await openTableAt(page, 'big/', 'iceberg');
    await page.getByTestId('table-tab-maintenance').click();
    const metadata = async () => [(await readdir(join(bigDir, 'metadata'))).filter((f) => f.endsWith('.metadata.json')).sort(), await readFile(join(bigDir, 'metadata', 'version-hint.text'), 'utf8')];
    const metadataBefore = await metadata();
    const snapshotBefore = await shortSnapshot(bigDir);
    const rowsBefore = await rowSummary(bigDir);

    await page.getByTestId('mt-run-compact').click();
    await run('compact').getByTestId('mt-job-cancel').click();
    await poll(() => run('compact').getAttribute('data-state')).toBe('cancelled');
    await poll(summary).toMatch(/cancelled/);
    await poll(() => logRow('compact').getAttribute('data-status')).toBe('cancelled');
    const [, , status, version, versions, files] = await logCells('compact');
    expect([status, version, versions, files]).toEqual(['cancelled', snapshotBefore, '6', '6']);
    await shotBoth(page, 'iceberg-maintenance-cancelled');

    expect(await metadata()).toEqual(metadataBefore);
    expect(await shortSnapshot(bigDir)).toBe(snapshotBefore);
    expect(await rowSummary(bigDir)).toEqual(rowsBefore);
    await page.getByTestId('mt-run-verify').click();
    await poll(() => run('verify').getAttribute('data-state')).toBe('done');
    await poll(summary).toMatch(/^Result: 0 problems in 6 files/);
    expect(app.errors).toEqual([]);
  });
});

/** The current snapshot's rows as a count and an order-free checksum (the multiset, without holding 1.2 M rows here). */
async function rowSummary(dir: string): Promise<string> {
  const session = await SqlSession.create({});
  try {
    await session.registerIceberg('t', await IcebergTable.open(new LocalStore(dir)), { kind: 'current' });
    const [row] = (await session.query('SELECT count(*)::VARCHAR AS n, sum(hash(id, payload))::VARCHAR AS h FROM t')).rows;
    return JSON.stringify(row);
  } finally {
    session.close();
  }
}
