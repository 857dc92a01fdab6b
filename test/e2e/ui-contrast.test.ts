/**
 * WCAG AA contrast of the dark theme, read from Chromium's computed colours: every visible text of the
 * app (outside the SQL editor, whose colours are Monaco's theme) and every primary button reaches 4.5:1
 * against the background it is drawn on (semi-transparent backgrounds blended over their ancestors').
 * Disabled controls are exempt, as WCAG exempts inactive components.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { appPerFile } from './app-fixture';
import { ROOT, runSqlIn } from './ui-harness';

let page: Page;

const app = appPerFile('contrast', async (lake) => {
  await cp(join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
});
beforeAll(() => {
  page = app.page;
});

interface Failure {
  text: string;
  ratio: number;
  color: string;
  background: string;
}

/** Every visible text element whose contrast is below `minimum`, computed in the page. */
function lowContrast(minimum: number): Promise<Failure[]> {
  // One function body: tsx would wrap named inner functions in a helper the page does not have.
  return page.evaluate((min) => {
    const parse = (css: string): number[] => {
      const m = /rgba?\(([^)]+)\)/.exec(css);
      if (!m) return [0, 0, 0, 0];
      const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return [parts[0], parts[1], parts[2], parts[3] ?? 1];
    };
    const over = (top: number[], below: number[]): number[] => {
      const a = top[3];
      return [0, 1, 2].map((k) => top[k] * a + below[k] * (1 - a)).concat(1);
    };
    const luminance = (rgb: number[]) => {
      const [r, g, b] = rgb.slice(0, 3).map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const failures: { text: string; ratio: number; color: string; background: string }[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('#root *'))) {
      if (el.closest('.monaco-editor, [disabled], [aria-hidden="true"]')) continue;
      const ownText = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
      const primary = el.matches('button.primary');
      if (!ownText && !primary) continue;
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
      // The background: this element's and its ancestors' blended, from the page down.
      const layers: number[][] = [];
      for (let node: HTMLElement | null = el; node; node = node.parentElement) layers.push(parse(getComputedStyle(node).backgroundColor));
      let background = [255, 255, 255, 1];
      for (const layer of layers.reverse()) background = over(layer, background);
      const color = over(parse(style.color), background);
      const [l1, l2] = [luminance(color), luminance(background)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      if (ratio < min) failures.push({ text: (el.textContent ?? '').trim().slice(0, 40) || el.className, ratio: Math.round(ratio * 100) / 100, color: style.color, background: `rgb(${background.slice(0, 3).map(Math.round).join(', ')})` });
    }
    return failures;
  }, minimum);
}

const runSql = (sql: string) => runSqlIn(page, sql);

describe('dark theme contrast (WCAG AA, 4.5:1 for text)', () => {
  it('holds for the explorer, editor bar, results grid, filters and column explorer', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await app.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await runSql(`select i as id, case when i % 3 = 0 then null else 'g' || (i % 4) end as grp, i * 0.5 as amount from range(5000) t(i)`);
    await app.poll(() => page.getByTestId('result-rowcount').textContent()).toBe('5,000 rows');
    await page.getByTestId('toggle-column-explorer').click();
    await page.locator('[data-testid="column-card"]').first().waitFor();
    await page.locator('[data-testid="column-card"][data-column="grp"] .top-value').first().click();
    await page.getByTestId('filter-chip').waitFor();
    await app.poll(() => page.getByTestId('result-rowcount').textContent()).toMatch(/^[\d,]+ rows$/);
    await page.getByTestId('filter-open').click();
    await app.shot('contrast-dark-results');
    expect(await lowContrast(4.5)).toEqual([]);
  });

  it("holds for a table's view and the primary buttons", async () => {
    await page.locator('[data-testid="explorer-entry"][data-key="orders/"]').click();
    await page.getByTestId('history').waitFor();
    await app.shot('contrast-dark-table');
    expect(await page.locator('button.primary:not([disabled])').count()).toBeGreaterThan(0);
    expect(await lowContrast(4.5)).toEqual([]);
  });

  it('logged no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
