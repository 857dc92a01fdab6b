/**
 * A location that is itself a table opens straight in the table view (there is nothing else to pick):
 * `lakebench serve --lake` on the sample's Delta table `orders` itself. Screenshots go to /tmp/shots/oneclick-root-*.png.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPerFile } from './app-fixture';
import { shotBoth } from './page-driver';
import { ROOT } from './ui-harness';

const app = appPerFile('oneclick-root', async (lake) => {
  await cp(join(ROOT, 'resources', 'sample-lake', 'orders'), lake, { recursive: true });
});

describe('a location that is a table', () => {
  it('opens in the table view with its history', async () => {
    const { page, poll } = app;
    await poll(() => page.getByTestId('table-view').locator('h3').textContent()).toBe('lake');
    await poll(() => page.getByTestId('table-tab-history').count()).toBe(1);
    await shotBoth(page, 'oneclick-root');
    expect(app.errors).toEqual([]);
  });
});
