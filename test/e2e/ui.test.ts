/**
 * The renderer end to end: `lakebench serve` on a temp copy of the sample lake, driven in Debian's
 * Chromium through playwright-core. Screenshots of each main view go to test-artifacts/screenshots/.
 */
import type { ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { buildIfStale, launchBrowser, openApp, ROOT, serve, SHOTS, runSqlIn } from './ui-harness';

let dir: string;
let server: { child: ChildProcess; url: string };
let s3: S3TestServer;
let context: BrowserContext;
let page: Page;
/** Console errors and uncaught exceptions in the page (CSP violations show up here too). */
const pageErrors: string[] = [];

/** Polls until the page settles: a bound on waiting, not a timing assertion (the suite shares 2 cores). */
function poll<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 30_000 });
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

const runSql = (sql: string) => runSqlIn(page, sql);

function cell(row: number, column: number) {
  return page.locator(`[data-testid="results-grid"] [data-row-index="${row}"] [data-col="${column}"]`);
}

async function doneStatus(): Promise<string> {
  await poll(() => page.getByTestId('result-status').textContent()).toMatch(/^[\d,]+\+? rows?\b|Failed|Cancelled/);
  return (await page.getByTestId('result-status').textContent()) ?? '';
}

beforeAll(async () => {
  buildIfStale();
  dir = await mkdtemp(join(tmpdir(), 'lakebench-ui-'));
  const lake = join(dir, 'lake');
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
  await mkdir(SHOTS, { recursive: true });
  s3 = await startS3Server();
  await s3.createBucket('ui-bucket');
  // events/index.json: s3rver leaves out a common prefix that holds only deeper folders (real S3 does not).
  for (const key of ['events/index.json', 'events/2024/a.json', 'events/2024/b.json', 'readme.txt']) {
    await s3.client.send(new PutObjectCommand({ Bucket: 'ui-bucket', Key: key, Body: `{"key":"${key}"}\n` }));
  }
  server = await serve(lake, join(dir, 'home'));
  context = await launchBrowser(join(dir, 'profile'));
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
  page = await openApp(context, server.url, pageErrors);
}, 240_000);

afterAll(async () => {
  await context?.close();
  server?.child.kill('SIGTERM');
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the workbench in a browser', () => {
  it('opens on the lake and browses to orders, with its table view', async () => {
    expect(new URL(page.url()).searchParams.has('token')).toBe(false); // exchanged for a cookie
    const orders = page.locator('[data-testid="explorer-entry"][data-key="orders/"]');
    await orders.waitFor();
    await poll(() => orders.getByTestId('table-badge').textContent()).toBe('delta');
    await orders.click();
    await page.getByTestId('history').waitFor();
    await poll(() => page.getByTestId('time-travel-version').textContent()).toMatch(/^v\d+$/);
    await page.locator('[data-testid="explorer-entry"][data-key="orders/_delta_log/"]').waitFor();
    await shot('explorer-and-table-view');
    await page.getByTestId('table-tab-partitions').click();
    await page.getByTestId('partitions').waitFor();
    await shot('table-partitions');
    await page.getByTestId('table-tab-history').click();
  });

  it('previews a Parquet object: schema, row groups, statistics and first rows', async () => {
    await page.locator('[data-testid="explorer-entry"][data-key="customers/"]').click();
    await page.locator('[data-testid="explorer-entry"][data-key="customers/country=DE/"]').click();
    await page.locator('[data-testid="explorer-entry"][data-key^="customers/country=DE/"][data-key$=".parquet"]').first().click();
    await page.getByTestId('preview-schema').waitFor();
    expect(await page.getByTestId('preview-schema').textContent()).toContain('customer_id');
    await poll(() => page.locator('[data-testid="preview-rows"] tbody tr').count()).toBeGreaterThan(0);
    await shot('parquet-preview');
    // Back to the orders table for the queries below.
    await page.locator('[data-testid="explorer-entry"][data-key="orders/"]').click();
    await page.locator('[data-testid="explorer-entry"][data-key="orders/"]').click();
    await page.getByTestId('history').waitFor();
  });

  it('shows a plain Parquet folder in the table view: schema, files, partitions and plainly no history', async () => {
    await page.locator('[data-testid="explorer-entry"][data-key="customers/"]').click();
    await poll(() => page.getByTestId('no-history').textContent()).toContain('no history');
    await poll(() => page.getByTestId('schema').textContent()).toContain('customer_id');
    expect(await page.getByTestId('schema').textContent()).toContain('partition'); // country, from the folders
    await shot('parquet-folder-schema');
    await page.getByTestId('table-tab-files').click();
    await poll(() => page.locator('[data-testid="files"] tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="files"] tbody tr').first().textContent()).toMatch(/^country=/);
    await page.getByTestId('table-tab-partitions').click();
    await poll(() => page.getByTestId('partitions').textContent()).toContain('Partitioned by country');
    await shot('parquet-folder-partitions');
    expect(await page.getByTestId('time-travel').count()).toBe(0);
    await page.locator('[data-testid="explorer-entry"][data-key="orders/"]').click();
    await page.locator('[data-testid="explorer-entry"][data-key="orders/"]').click();
    await page.getByTestId('table-tab-history').click();
    await page.getByTestId('history').waitFor();
  });

  it('runs a query and reads a result cell', async () => {
    await runSql('select order_id, amount from orders order by order_id limit 5');
    expect(await doneStatus()).toMatch(/^5 rows/);
    await cell(0, 0).waitFor();
    expect(Number(await cell(0, 0).textContent())).toBeGreaterThan(0);
    expect(await page.getByTestId('col-amount').textContent()).toContain('DOUBLE');
    await shot('query-result');
  });

  it('copies the focused cell with Ctrl+C', async () => {
    await cell(1, 1).click();
    await page.keyboard.press('ControlOrMeta+C');
    const amount = (await cell(1, 1).textContent()) ?? '';
    expect(amount).not.toBe('');
    await poll(() => page.getByTestId('copied').textContent()).toBe(`Copied ${amount}`);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(amount);
    // Arrow keys move the focus; the next copy takes the cell below.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ControlOrMeta+C');
    const below = (await cell(2, 1).textContent()) ?? '';
    await poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(below);
  });

  it('exports the result to CSV as a job (web mode: a browser download) and shows it in the jobs drawer', async () => {
    const path = join(dir, 'export.csv');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    await download.saveAs(path);
    const job = page.getByTestId('job').first();
    await poll(() => job.getByTestId('job-state').textContent()).toBe('done');
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(6); // header and the 5 rows
    expect(lines[1].split(',')[0]).toBe(await cell(0, 0).textContent());
    await shot('jobs-drawer');
    await page.keyboard.press('Alt+J');
    await page.getByTestId('job').first().waitFor({ state: 'detached' });
  });

  it('imports a CSV file into a new partitioned table as a job from the explorer', async () => {
    const csv = join(dir, 'people.csv');
    await writeFile(csv, 'id,name,country\n1,Ada,GB\n2,Grace,US\n3,Linus,FI\n');
    await page.getByTestId('explorer-import').click();
    await page.getByTestId('import-location').fill(join(dir, 'lake', 'people'));
    await page.getByTestId('import-inputs').fill(csv);
    await page.getByTestId('import-partition-by').fill('country');
    await shot('import-dialog');
    await page.getByTestId('import-start').click();
    const job = page.getByTestId('job').first();
    await poll(() => job.textContent()).toContain('Import into');
    await poll(() => job.getByTestId('job-state').textContent()).toBe('done');
    // The new table shows up in the explorer, recognised as Delta.
    const people = page.locator('[data-testid="explorer-entry"][data-key="people/"]');
    await poll(() => people.getByTestId('table-badge').textContent()).toBe('delta');
    await shot('import-done');
    await page.keyboard.press('Alt+J');
    await runSql('select count(*) as n from people');
    await doneStatus();
    await poll(() => cell(0, 0).textContent()).toBe('3');
  });

  it('completes table and column names from the engine', async () => {
    await page.locator('[data-testid="sql-editor"] .monaco-editor .view-lines').click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('select * from ord');
    await page.keyboard.press('Control+Space');
    const suggestion = page.locator('.suggest-widget .monaco-list-row', { hasText: 'orders' });
    await suggestion.first().waitFor();
    await shot('completion');
    await page.keyboard.press('Escape');
  });

  it('marks a query error where DuckDB points', async () => {
    await runSql('select 1,\n  nope from range(3)');
    expect(await doneStatus()).toMatch(/Failed/);
    expect(await page.getByTestId('result-error').textContent()).toContain('nope');
    await page.locator('[data-testid="sql-editor"] .squiggly-error').first().waitFor();
  });

  it('scrolls a 1,000,000-row result to the end and reads the last row', async () => {
    await runSql('select * from range(1000000)');
    await doneStatus();
    await cell(0, 0).waitFor();
    const grid = page.getByTestId('results-scroll');
    // Scroll in steps to the bottom: each step lets the grid page the rows now in view.
    for (let i = 0; i < 5; i++) {
      await grid.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await page.waitForTimeout(150);
    }
    await poll(() => cell(999_999, 0).textContent().catch(() => null)).toBe('999999');
    expect(await page.getByTestId('result-rowcount').textContent()).toBe('1,000,000 rows');
    await shot('results-1m-end');
  });

  it('scrolls a 3,000,000-row result (taller than the browser can lay out) to its last row', async () => {
    await runSql('select range as n, range * 2 as twice from range(3000000)');
    await doneStatus();
    await cell(0, 0).waitFor();
    const grid = page.getByTestId('results-scroll');
    // Until the engine tells the exact total (once it holds the whole result), the spacer grows a page per
    // scroll to its end; a scroll made before then stops short of the rows the total adds.
    await poll(async () => {
      await grid.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      return page.getByTestId('result-rowcount').textContent();
    }).toBe('3,000,000 rows');
    const height = await grid.evaluate((el) => el.scrollHeight);
    expect(height).toBeLessThan(3_000_000 * 24); // the spacer is capped …
    for (let i = 0; i < 5; i++) {
      await grid.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await page.waitForTimeout(150);
    }
    // … yet the end of the scroll is the last row.
    await poll(() => cell(2_999_999, 0).textContent().catch(() => null)).toBe('2999999');
    expect(await cell(2_999_999, 1).textContent()).toBe('5999998');
    expect(await page.getByTestId('result-rowcount').textContent()).toBe('3,000,000 rows');
    const last = await page.locator('[data-testid="results-grid"] [data-row-index="2999999"]').boundingBox();
    const box = await grid.boundingBox();
    expect(last!.y + last!.height).toBeLessThanOrEqual(box!.y + box!.height + 1); // on screen, not below it
    await shot('results-3m-end');
    // Halfway down the scrollbar shows rows around the middle.
    await grid.evaluate((el) => el.scrollTo({ top: (el.scrollHeight - el.clientHeight) / 2 }));
    await poll(() => page.locator('[data-testid="results-grid"] [data-row-index="1500000"]').count()).toBe(1);
  });

  it('moves the time-travel slider and sees the result change', async () => {
    await runSql('select count(*) as n from orders');
    await doneStatus();
    await cell(0, 0).waitFor();
    const latest = await cell(0, 0).textContent();
    const slider = page.getByTestId('time-travel');
    await slider.focus();
    await page.keyboard.press('Home');
    await poll(() => page.getByTestId('time-travel-version').textContent()).toBe('v0');
    await poll(() => page.getByTestId('pinned-version').textContent()).toBe('orders@v0');
    await doneStatus();
    await poll(() => cell(0, 0).textContent()).not.toBe(latest);
    await shot('time-travel');
  });

  it('cancels a long query', async () => {
    await runSql('select count(*) from range(100000000000) a');
    await poll(() => page.getByTestId('result-status').textContent()).toBe('Running…');
    await page.getByTestId('cancel').click();
    expect(await doneStatus()).toMatch(/^Cancelled/);
  });

  it('adds a connection to an S3-compatible server and browses it', async () => {
    await page.getByTestId('add-connection').click();
    await page.getByTestId('connection-kind').selectOption('s3-compatible');
    await page.getByTestId('connection-name').fill('Loopback S3');
    await page.getByTestId('connection-endpoint').fill(s3.endpoint);
    await page.getByTestId('connection-bucket').fill('ui-bucket');
    await page.getByTestId('connection-region').fill(s3.region);
    await page.getByTestId('connection-accessKeyId').fill(s3.credentials.accessKeyId);
    await page.getByTestId('connection-secretAccessKey').fill(s3.credentials.secretAccessKey);
    await page.getByTestId('connection-test').click();
    await poll(() => page.getByTestId('connection-test-result').textContent()).toMatch(/^Connected/);
    await shot('connection-dialog');
    await page.getByTestId('connection-save').click();
    // The dialog closes once the connection is saved and opened; an error would keep it open.
    const saveError = page.getByTestId('connection-error');
    await poll(async () => (await page.getByTestId('connection-dialog').count()) === 0 || ((await saveError.count()) > 0 && (await saveError.textContent())))
      .toBe(true);
    await page.locator('[data-testid="explorer-entry"][data-key="events/"]').waitFor();
    expect(await page.getByTestId('workspace-root').textContent()).toContain('ui-bucket');
    await page.locator('[data-testid="explorer-entry"][data-key="events/"]').click();
    await page.locator('[data-testid="explorer-entry"][data-key="events/2024/"]').click();
    await page.locator('[data-testid="explorer-entry"][data-key="events/2024/a.json"]').click();
    await poll(() => page.getByTestId('preview-text').textContent()).toContain('events/2024/a.json');
    await shot('s3-connection-preview');
  });

  it('shows the shortcuts help and follows a dark OS theme', async () => {
    await page.getByTestId('explorer-count').click();
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts-help').waitFor();
    await page.emulateMedia({ colorScheme: 'dark' });
    await poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot('help-dark');
    await page.keyboard.press('Escape');
    await shot('dark');
  });

  it('logged no page errors or CSP violations', () => {
    // The failed and cancelled queries above answer in the body (the page asks for it): no HTTP error is logged.
    expect(pageErrors).toEqual([]);
  });
});
