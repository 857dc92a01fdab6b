import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_HEIGHT, scrollTopForRow, visibleRows } from '../../renderer/src/logic/scaled-scroll';

const ROW = 24;
const VIEW = 480; // 20 rows

describe('visibleRows', () => {
  it('is plain virtualization below the height cap', () => {
    const v = visibleRows({ count: 1000, rowHeight: ROW, scrollTop: 240, viewportHeight: VIEW, overscan: 0 });
    expect(v.totalHeight).toBe(24_000);
    expect([v.first, v.last]).toEqual([10, 30]);
    expect(v.topOf(10)).toBe(240);
  });

  it('caps the spacer for 3,000,000 rows and reaches the last row at the end of the scroll', () => {
    const count = 3_000_000;
    const top = visibleRows({ count, rowHeight: ROW, scrollTop: 0, viewportHeight: VIEW, overscan: 0 });
    expect(top.totalHeight).toBe(MAX_SCROLL_HEIGHT);
    expect(top.first).toBe(0);
    const end = MAX_SCROLL_HEIGHT - VIEW;
    const bottom = visibleRows({ count, rowHeight: ROW, scrollTop: end, viewportHeight: VIEW, overscan: 0 });
    expect(bottom.last).toBe(count - 1);
    // The last row's bottom edge is the viewport's bottom edge.
    expect(bottom.topOf(count - 1) + ROW).toBeCloseTo(end + VIEW, 6);
    // Halfway down the scrollbar is halfway through the rows.
    const middle = visibleRows({ count, rowHeight: ROW, scrollTop: end / 2, viewportHeight: VIEW, overscan: 0 });
    expect(Math.abs(middle.first - (count - VIEW / ROW) / 2)).toBeLessThanOrEqual(1);
    // Rows on screen are laid out inside the viewport.
    expect(middle.topOf(middle.first)).toBeLessThanOrEqual(end / 2);
    expect(middle.topOf(middle.first) + ROW).toBeGreaterThan(end / 2);
  });

  it('draws nothing for no rows', () => {
    const v = visibleRows({ count: 0, rowHeight: ROW, scrollTop: 0, viewportHeight: VIEW });
    expect(v.totalHeight).toBe(0);
    expect(v.last).toBeLessThan(v.first);
  });
});

describe('scrollTopForRow', () => {
  it('inverts the mapping, scaled or not', () => {
    for (const count of [1000, 3_000_000]) {
      for (const index of [0, 17, Math.floor(count / 3)]) {
        const scrollTop = scrollTopForRow({ count, rowHeight: ROW, viewportHeight: VIEW }, index);
        const v = visibleRows({ count, rowHeight: ROW, scrollTop, viewportHeight: VIEW, overscan: 0 });
        expect(v.first).toBe(index);
        expect(v.topOf(index)).toBeCloseTo(scrollTop, 3);
      }
    }
  });
});
