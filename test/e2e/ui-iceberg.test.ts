/**
 * Iceberg tables in the app end to end: `lakebench serve` on a copy of the sample lake plus three
 * Iceberg tables (Iceberg Java's bunnies with position and equality deletes, Spark's bucket + identity
 * partitioned table, and a written `events` table with four snapshots, a tag, a schema change and a
 * position delete), driven in Debian's Chromium: the Iceberg badge, the history with snapshot
 * summaries and refs, the slider over exact 64-bit snapshot ids, the Files tab's manifests → files
 * drill-down with delete files marked, partition specs with transforms, the schema per snapshot with
 * field ids, a quality check run through the table's DuckDB view, and catalogs as connections (a SQL
 * catalog in SQLite and a REST catalog with a token) browsed as namespaces → tables. Screenshots in both
 * themes at 1440×900 and 1280×800 go to /tmp/shots/iceberg-*.png.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures';
import { writeSqlCatalog } from '../helpers/iceberg-catalogs';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { startRestCatalogServer, type RestCatalogServer } from '../helpers/rest-catalog-server';
import { appPerFile } from './app-fixture';
import { ROOT, runSqlIn } from './ui-harness';

let page: Page;
let rest: RestCatalogServer | undefined;
/** The `events` table's snapshot ids, oldest first. */
let snapshots: string[] = [];
let catalogFile = '';

const DAY_2026_01_01 = Date.UTC(2026, 0, 1) / 86_400_000;

const app = appPerFile('iceberg', async (lake, dir) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
  await cp(fixture('iceberg', 'java', 'bunnies'), join(lake, 'bunnies'), { recursive: true });
  await cp(fixture('iceberg', 'spark', 'rename_column'), join(lake, 'rename_column'), { recursive: true });
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const fields = [
    { id: 1, name: 'id', type: 'long' },
    { id: 2, name: 'kind', type: 'string' },
    { id: 3, name: 'day', type: 'date' },
  ];
  const events = new IcebergTestWriter(join(lake, 'events'), conn, {
    fields,
    partitionFields: [{ sourceId: 3, fieldId: 1000, name: 'day', transform: 'identity', avroType: 'int' }],
  });
  const day = (n: number) => ({ day: DAY_2026_01_01 + n });
  // One null kind (id 5): what the quality check finds.
  const first = await events.commit({
    add: [{ sql: `SELECT range AS id, CASE WHEN range = 5 THEN NULL ELSE 'click' END AS kind, DATE '2026-01-01' AS day FROM range(10)`, partition: day(0) }],
  });
  const second = await events.commit({ add: [{ sql: `SELECT range AS id, 'view' AS kind, DATE '2026-01-02' AS day FROM range(10, 15)`, partition: day(1) }] });
  await events.ref('first', first, 'tag');
  const third = await events.commit({
    operation: 'append',
    fields: [...fields, { id: 4, name: 'note', type: 'string' }],
    add: [{ sql: `SELECT range AS id, 'buy' AS kind, DATE '2026-01-03' AS day, 'n' || range AS note FROM range(15, 18)`, partition: day(2) }],
  });
  const [firstFile] = events.files();
  const fourth = await events.commit({ operation: 'delete', positionDeletes: [{ partition: day(0), rows: [0, 1].map((pos) => ({ path: firstFile!.path, pos })) }] });
  conn.closeSync();
  snapshots = [first, second, third, fourth].map(String);

  catalogFile = join(dir, 'catalog.db');
  writeSqlCatalog(catalogFile, [
    { catalog: 'lakecat', namespace: 'zoo', table: 'bunnies', metadataLocation: join(lake, 'bunnies', 'metadata', 'v5.metadata.json') },
    { catalog: 'lakecat', namespace: 'shop', table: 'events', metadataLocation: join(lake, 'events', events.lastMetadataKey) },
  ]);
  rest = await startRestCatalogServer({
    tables: [
      {
        namespace: ['analytics'],
        name: 'events',
        metadataLocation: join(lake, 'events', events.lastMetadataKey),
        metadataText: await readFile(join(lake, 'events', events.lastMetadataKey), 'utf8'),
      },
    ],
    token: 'ui-token',
  });
});
const { poll, shot } = app;
const pageErrors = app.errors;
beforeAll(() => {
  page = app.page;
});
afterAll(async () => rest?.stop());

const entry = (key: string) => page.locator(`[data-testid="explorer-entry"][data-key="${key}"]`);

/** Opens the table at `key` in the table view on its History tab. */
async function openTable(key: string): Promise<void> {
  await poll(() => entry(key).getByTestId('table-badge').textContent()).toBe('iceberg');
  await entry(key).click();
  await poll(() => page.getByTestId('table-view').locator('h3').textContent()).toBe(key.split('/').at(-2));
  await page.getByTestId('table-tab-history').click();
  await page.getByTestId('history').waitFor();
}

/** Screenshots in both themes (chosen as a user does, so the editor follows) at 1440×900 and 1280×800. */
async function shotBoth(name: string): Promise<void> {
  await page.getByTestId('theme').selectOption('light');
  await shot(`iceberg-${name}-light-1440`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot(`iceberg-${name}-light-1280`);
  await page.getByTestId('theme').selectOption('dark');
  await poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  await shot(`iceberg-${name}-dark-1280`);
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot(`iceberg-${name}-dark-1440`);
  await page.getByTestId('theme').selectOption('light');
}

const runSql = (sql: string) => runSqlIn(page, sql);

const cell = (row: number, column: number) => page.locator(`[data-testid="results-grid"] [data-row-index="${row}"] [data-col="${column}"]`);

describe('Iceberg tables in the app', () => {
  it('badges every Iceberg table in the explorer beside the Delta and Parquet ones', async () => {
    for (const key of ['bunnies/', 'events/', 'rename_column/']) await poll(() => entry(key).getByTestId('table-badge').textContent()).toBe('iceberg');
    expect(await entry('orders/').getByTestId('table-badge').textContent()).toBe('delta');
  });

  it('shows snapshot summaries and refs in History, and the slider travels over exact snapshot ids', async () => {
    await openTable('events/');
    const items = page.getByTestId('history').locator('li');
    await poll(() => items.count()).toBe(4);
    expect(await items.nth(0).getAttribute('data-version')).toBe(snapshots[3]);
    expect(await items.nth(0).textContent()).toContain('delete');
    expect(await items.nth(0).textContent()).toContain('delete files +1');
    expect(await items.nth(1).textContent()).toContain('rows +3');
    expect(await items.nth(3).getByTestId('history-ref').allTextContents()).toEqual(['first']);
    expect(await page.getByTestId('time-travel-version').textContent()).toBe(`v${snapshots[3]}`);
    await page.getByTestId('time-travel').focus();
    await page.keyboard.press('Home');
    await poll(() => page.getByTestId('time-travel-version').textContent()).toBe(`v${snapshots[0]}`);
    await poll(() => page.locator('[data-testid="history"] li.current').getAttribute('data-version')).toBe(snapshots[0]);
    await shotBoth('history');
  });

  it('shows the schema of each snapshot with field ids', async () => {
    await page.getByTestId('table-tab-schema').click();
    // At the first snapshot: three columns, no `note` yet.
    await poll(() => page.getByTestId('schema').locator('tr').count()).toBe(3);
    expect(await page.getByTestId('field-id').allTextContents()).toEqual(['1', '2', '3']);
    await page.getByTestId('time-travel').focus();
    await page.keyboard.press('End');
    await poll(() => page.getByTestId('schema').locator('tr').count()).toBe(4);
    expect(await page.getByTestId('schema').locator('tr').nth(3).textContent()).toContain('note');
    expect(await page.getByTestId('field-id').allTextContents()).toEqual(['1', '2', '3', '4']);
  });

  it('lists manifests with their counts, and a click opens a manifest’s files with delete files marked', async () => {
    await page.getByTestId('table-tab-files').click();
    const manifests = page.getByTestId('manifest');
    await poll(() => manifests.count()).toBe(2);
    expect(await page.getByTestId('manifests').locator('p').first().textContent()).toContain('2 manifests (1 of data files, 1 of delete files)');
    const deletes = manifests.filter({ hasText: 'deletes' });
    expect(await deletes.textContent()).toContain(snapshots[3]);
    await deletes.click();
    const files = page.getByTestId('manifest-file');
    await poll(() => files.count()).toBe(1);
    expect(await files.first().getAttribute('data-content')).toBe('position-deletes');
    expect(await files.first().textContent()).toContain('position deletes');
    await manifests.filter({ hasText: 'data' }).click();
    await poll(() => files.count()).toBe(3);
    expect(await files.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-content')))).toEqual(['data', 'data', 'data']);
    expect(await files.allTextContents()).toContainEqual(expect.stringContaining('day=2026-01-02'));
    await shotBoth('manifests');
  });

  it('shows partitions per spec with their transforms', async () => {
    await page.getByTestId('table-tab-partitions').click();
    await poll(() => page.getByTestId('partition-spec').first().textContent()).toContain('day = identity(day)');
    await openTable('rename_column/');
    await page.getByTestId('table-tab-partitions').click();
    await page.getByTestId('partitions').waitFor();
    await poll(() => page.getByTestId('partition-spec').first().textContent()).toBe('Spec 0current id_bucket = bucket[4](id)date = identity(event_date)');
    await poll(() => page.getByTestId('partitions').locator('tbody tr').count()).toBe(3);
    await shotBoth('partitions');
  });

  it('runs a quality check on an Iceberg table through its DuckDB view, at the slider’s snapshot', async () => {
    await openTable('events/');
    await page.getByTestId('table-tab-quality').click();
    await page.getByTestId('quality-panel').waitFor();
    await page.getByTestId('q-add').click();
    const check = page.getByTestId('q-check').nth(0);
    await check.getByTestId('q-type').selectOption('not_null');
    await check.getByTestId('q-column').selectOption('kind');
    await page.getByTestId('q-run').click();
    await poll(() => page.getByTestId('q-report').locator('h4').textContent()).toBe(`Report · v${snapshots[3]}: 0 passed, 1 failed, 0 error`);
    // 18 rows written, positions 0 and 1 of the first file deleted: 16 left, the null kind among them.
    expect(await page.locator('[data-testid="q-result"]', { hasText: 'check_1' }).textContent()).toMatch(/kind1 \/ 16/);
    await shotBoth('quality');
  });

  it('imports into an Iceberg table by append only: no overwrite, merge or partition-by to choose', async () => {
    await page.getByTestId('table-import').click();
    const mode = page.getByTestId('import-mode');
    await mode.waitFor();
    expect(await mode.locator('option').allTextContents()).toEqual(['append']);
    expect(await page.getByTestId('import-partition-by').count()).toBe(0);
    await page.keyboard.press('Escape');
    await poll(() => page.getByTestId('import-mode').count()).toBe(0);
  });

  it('compares two snapshots, and runs verify from Maintenance (the other operations: ui-iceberg-maintenance)', async () => {
    await page.getByTestId('table-tab-compare').click();
    const pick = page.getByTestId('compare').locator('select');
    await pick.nth(0).selectOption(snapshots[0]!);
    await pick.nth(1).selectOption(snapshots[3]!);
    await page.getByTestId('compare-run').click();
    // Ids 0–9 then; 2–17 now (positions 0 and 1 deleted, three files appended since).
    await poll(() => page.getByTestId('compare-result').textContent()).toContain('10 → 16 (+8 / −2)');
    expect(await page.getByTestId('compare-result').textContent()).toContain('note: added');

    await page.getByTestId('table-tab-maintenance').click();
    await page.getByTestId('mt-op-verify').waitFor();
    await page.getByTestId('mt-run-verify').click();
    const verify = page.locator('[data-testid="mt-job"][data-operation="verify"]').first();
    await poll(() => verify.getAttribute('data-state')).toBe('done');
    await poll(() => page.getByTestId('mt-summary').textContent()).toMatch(/^Result: 0 problems in 4 files/);
    await shotBoth('maintenance');
  });

  it('browses a SQL catalog connection as namespaces → tables, and opens a table of it', async () => {
    await page.getByTestId('add-connection').click();
    await page.getByTestId('connection-kind').selectOption('iceberg-sql');
    await page.getByTestId('connection-name').fill('lakecat');
    await page.getByTestId('connection-path').fill(catalogFile);
    await page.getByTestId('connection-test').click();
    await poll(() => page.getByTestId('connection-test-result').textContent()).toBe('Connected to lakecat: 2 entries on the first page.');
    await page.getByTestId('connection-save').click();
    await poll(() => page.getByTestId('workspace-root').textContent()).toBe('lakecat');
    await entry('zoo/').click();
    await openTable('zoo/bunnies/');
    await poll(() => page.getByTestId('history').locator('li').count()).toBe(3);
    expect(await page.getByTestId('table-view').locator('p.path').textContent()).toBe('lakecat.zoo.bunnies');
    // Every table of the catalog is queryable by its three-part name.
    await runSql('select count(*) as bunnies from lakecat.zoo.bunnies');
    await poll(() => cell(0, 0).textContent()).toBe('15');
    await shotBoth('catalog');
  });

  it('keeps a REST catalog’s token like other connection secrets, and browses it', async () => {
    await page.getByTestId('add-connection').click();
    await page.getByTestId('connection-kind').selectOption('iceberg-rest');
    await page.getByTestId('connection-name').fill('restcat');
    await page.getByTestId('connection-uri').fill(rest!.uri);
    await page.getByTestId('connection-token').fill('ui-token');
    await page.getByTestId('connection-save').click();
    await poll(() => page.getByTestId('workspace-root').textContent()).toBe('restcat');
    await entry('analytics/').click();
    await openTable('analytics/events/');
    await poll(() => page.getByTestId('history').locator('li').count()).toBe(4);
    expect(rest!.requests.filter((r) => r.url.includes('/namespaces')).every((r) => r.auth === 'Bearer ui-token')).toBe(true);
    // The token never comes back out of the engine.
    const listed = await page.evaluate(async () => JSON.stringify(await (await fetch('/api/connections', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).json()));
    expect(listed).toContain('"hasSecret":true');
    expect(listed).not.toContain('ui-token');
  });

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
