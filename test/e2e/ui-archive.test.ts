/**
 * The DES archive view end to end: `lakebench serve` on a lake holding a DES archive, driven in Debian's
 * Chromium: shards with deletion ratios, the entry browser with preview and export, a verify naming the
 * corrupt entry by shard and uid, and a repack planned, confirmed and seen in the refreshed shard list.
 * Screenshots go to /tmp/shots/archive-*.png.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tombstoneEntry } from '../../core/ops/des-tombstone';
import { LocalStore } from '../../core/storage/local';
import { shardOf, writeArchive, type TestEntry } from '../helpers/des-writer';
import { appPerFile } from './app-fixture';

const BUCKETS = 4;
const contentOf = (uid: number) => `document ${uid}: ${'lorem ipsum '.repeat(10 + uid % 5)}`;

let archive: string;
let page: Page;

const app = appPerFile('archive', async (lake) => {
  archive = join(lake, 'media');
  const shards = new Map<string, TestEntry[]>();
  for (let uid = 200; uid < 240; uid++) {
    const entry: TestEntry = { uid: String(uid), bytes: new TextEncoder().encode(contentOf(uid)), codec: (['zstd', 'lz4', 'none'] as const)[uid % 3], meta: { name: `doc-${uid}.txt` } };
    shards.set(shardOf(uid, BUCKETS), [...(shards.get(shardOf(uid, BUCKETS)) ?? []), entry]);
  }
  await writeArchive(archive, [...shards].map(([name, entries]) => ({ name, entries })));
  const store = new LocalStore(archive);
  for (const uid of ['200', '204', '208']) await tombstoneEntry(store, { uid, reason: 'GDPR erasure' }); // shard 00: 30%
});
const { poll, shot } = app;
const pageErrors = app.errors;
beforeAll(() => {
  page = app.page;
});

const run = (operation: string) => page.locator(`[data-testid="mt-job"][data-operation="${operation}"]`).first();

describe('the DES archive view', () => {
  it('lists the shards with entries, tombstones and deletion ratios', async () => {
    const entry = page.locator('[data-testid="explorer-entry"][data-key="media/"]');
    await poll(() => entry.getByTestId('table-badge').textContent()).toBe('des');
    await entry.click();
    await page.getByTestId('archive-view').waitFor();
    await poll(() => page.getByTestId('des-summary').textContent()).toBe('DES archive: 4 shards, 40 entries, 3 tombstoned');
    const rows = page.getByTestId('des-shard-row');
    await poll(() => rows.count()).toBe(4);
    expect(await rows.first().textContent()).toContain(`${shardOf(200, BUCKETS)}.des`);
    expect(await rows.first().getByTestId('des-ratio').textContent()).toBe('30%');
    expect(await rows.nth(1).getByTestId('des-ratio').textContent()).toBe('0%');
    await shot('archive-shards');
  });

  it('browses a shard, previews an entry as text and exports its bytes', async () => {
    await page.getByTestId('des-shard-row').nth(1).click();
    const entries = page.getByTestId('des-entry-row');
    await poll(() => entries.count()).toBe(10);
    await entries.filter({ hasText: '205' }).first().click();
    await poll(() => page.getByTestId('des-preview-text').textContent()).toBe(contentOf(205));
    const out = join(app.dir, 'doc-205.txt');
    await page.getByTestId('des-export-path').fill(out);
    await page.getByTestId('des-export').click();
    await poll(() => page.getByTestId('des-exported').textContent()).toContain('written to');
    expect(await readFile(out, 'utf8')).toBe(contentOf(205));
    // A tombstoned entry is marked with its reason.
    await page.getByTestId('des-shard-select').selectOption(`${shardOf(200, BUCKETS)}.des`);
    await poll(() => page.getByTestId('des-entries').textContent()).toContain('GDPR erasure');
    await shot('archive-entries');
  });

  it('verifies: the corruption report names shard and uid', async () => {
    const shard = join(archive, `${shardOf(201, BUCKETS)}.des`);
    const sidecar = JSON.parse(await readFile(join(archive, `${shardOf(201, BUCKETS)}.meta`), 'utf8')) as { index: Record<string, { uid: string; offset: number }> };
    const located = Object.values(sidecar.index).find((e) => e.uid === '209')!; // shard 01 (209 % 4), stored as is (209 % 3 = 2)
    const bytes = await readFile(shard);
    bytes[located.offset + 2] ^= 0xff;
    await writeFile(shard, bytes);
    await page.getByTestId('archive-tab-maintenance').click();
    await page.getByTestId('mt-op-des-repack').waitFor();
    expect(await page.getByTestId('mt-op-compact').count()).toBe(0);
    await page.getByTestId('mt-run-verify').click();
    await poll(() => run('verify').getAttribute('data-state')).toBe('done');
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: 1 problem in 4 shards, 40 entries .*corruption rate 25\.00%$/);
    const problems = await page.getByTestId('mt-problems').textContent();
    expect(problems).toContain(`shard ${shardOf(201, BUCKETS)}.des, uid 209`);
    expect(problems).toContain('checksum-mismatch');
    await shot('archive-verify');
  });

  it('plans a repack, runs it after the confirm, and shows the new revision', async () => {
    await page.getByTestId('mt-plan-des-repack').click();
    await page.getByTestId('mt-confirm').waitFor();
    await poll(() => page.getByTestId('mt-summary').textContent()).toBe('Plan: 1 shard to repack, 3 entries dropped');
    expect(await page.getByTestId('mt-des-repacked').textContent()).toContain(`${shardOf(200, BUCKETS)}_R001.des`);
    await shot('archive-repack-plan');
    await page.getByTestId('mt-confirm-run').click();
    await poll(() => page.getByTestId('mt-summary').textContent()).toBe('Result: 1 shard repacked, 3 entries dropped');
    expect(await readdir(archive)).toContain(`${shardOf(200, BUCKETS)}_R001.meta`);
    // The finished run lists the archive again by itself; Refresh does the same on demand.
    const after = 'DES archive: 4 shards, 37 entries, 0 tombstoned, 1 replaced shards in their grace period';
    await poll(() => page.getByTestId('des-summary').textContent()).toBe(after);
    await page.getByTestId('des-refresh').click();
    await poll(() => page.getByTestId('des-summary').textContent()).toBe(after);
    await page.getByTestId('archive-tab-shards').click();
    expect(await page.getByTestId('des-shards').textContent()).toContain(`${shardOf(200, BUCKETS)}_R001.des`);
    await shot('archive-repacked');
    expect(pageErrors).toEqual([]);
  });
});
