/**
 * Compare's row diff in Chromium on a copy of the sample lake: orders v6 → v7 is a MERGE that updated and
 * inserted orders. By the key order_id the diff shows inserted orders as added and updated ones as changed
 * (their changed cells marked); by whole rows an update is one removed and one added. The expected counts
 * come from SQL over the two versions run in the same app. Screenshots: /tmp/shots/row-diff-*.png.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatCount } from '../../renderer/src/logic/format';
import { appPerFile } from './app-fixture';
import { firstValue, openTableAt, poll, shotBoth } from './page-driver';
import { ROOT } from './ui-harness';

let page: Page;
const app = appPerFile('row-diff', async (lake) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
});
beforeAll(() => {
  page = app.page;
});

const OTHER_COLUMNS = ['customer_id', 'order_date', 'country', 'status', 'amount'];
const count = async (sql: string) => Number(await firstValue(page, sql));

async function compare(from: string, to: string) {
  await page.getByTestId('compare-from').selectOption(from);
  await page.getByTestId('compare-to').selectOption(to);
  await page.getByTestId('compare-run').click();
  await poll(() => page.getByTestId('compare-shown').textContent()).toBe(`v${from} → v${to}`);
}

describe('Compare: row diff', () => {
  /** Added, removed and changed by order_id, as the first test's SQL counted them. */
  let totals: number[] = [];

  it('by a picked key: added, removed and changed rows, per partition, with samples', async () => {
    const added = await count('select count(*) from orders@7 anti join orders@6 using (order_id)');
    const removed = await count('select count(*) from orders@6 anti join orders@7 using (order_id)');
    const row = (side: string) => `row(${OTHER_COLUMNS.map((c) => `${side}.${c}`).join(', ')})`;
    const changed = await count(`select count(*) from orders@6 f join orders@7 t using (order_id) where ${row('f')} is distinct from ${row('t')}`);
    expect(changed).toBeGreaterThan(0);

    await openTableAt(page, 'orders/', 'delta');
    await page.getByTestId('table-tab-compare').click();
    await page.getByTestId('diff-key').locator('input[data-column="order_id"]').check();
    await compare('6', '7');
    await poll(() => page.getByTestId('row-diff-counts').textContent()).toBe(
      `Rows +${formatCount(added)} −${formatCount(removed)} ~${formatCount(changed)} by key (order_id)`,
    );
    totals = [added, removed, changed];
  });

  it('shows the counts per partition, adding up to the totals, and samples with the changed cells marked', async () => {
    const [added, removed, changed] = totals;
    // Per partition: the counts add up to the totals.
    const partitionRows = page.getByTestId('row-diff-partitions').locator('tbody tr');
    const sums = [0, 0, 0];
    for (const cells of await partitionRows.evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).slice(-3).map((td) => td.textContent ?? '')))) {
      cells.forEach((text, i) => (sums[i] += Number(text.replaceAll(',', ''))));
    }
    expect(sums).toEqual([added, removed, changed]);
    // Samples: the first changed order shows its old value struck through beside the new one.
    expect(await page.getByTestId('row-diff-added').locator('tbody tr').count()).toBe(Math.min(added, 20));
    const changedCell = page.getByTestId('row-diff-changed').locator('td.diff-changed').first();
    expect(await changedCell.locator('del').count()).toBe(1);
    await shotBoth(page, 'row-diff-key');
    await page.getByTestId('row-diff-changed').scrollIntoViewIfNeeded();
    await shotBoth(page, 'row-diff-changed');
  });

  it('by whole rows when no key is picked: an updated row is one removed and one added', async () => {
    const exceptAll = (a: string, b: string) => `select count(*) from (select * from orders@${a} except all select * from orders@${b})`;
    const added = await count(exceptAll('7', '6'));
    const removed = await count(exceptAll('6', '7'));
    await page.getByTestId('table-tab-compare').click();
    await page.getByTestId('diff-key').locator('input[data-column="order_id"]').uncheck();
    await compare('6', '7');
    await poll(() => page.getByTestId('row-diff-counts').textContent()).toBe(
      `Rows +${formatCount(added)} −${formatCount(removed)} whole rows: an updated row is one out and one in`,
    );
    expect(await page.getByTestId('row-diff-changed').count()).toBe(0);
    expect(app.errors).toEqual([]);
  });
});
