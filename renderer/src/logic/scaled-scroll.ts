/**
 * Virtual rows for results taller than a browser can lay out. Chrome caps an element's height near
 * 33.5M px and Firefox near 17.9M px, so 3,000,000 rows at 24 px (72M px) cannot get a spacer of their
 * true height. Past `maxHeight`, the spacer is capped and the scroll position maps proportionally onto
 * the rows: the scrollbar's end is the last row, and rows on screen still move pixel by pixel between
 * jumps. Below the cap, this is ordinary virtualization.
 */

/** Under every browser's cap, with room to spare. */
export const MAX_SCROLL_HEIGHT = 15_000_000;

export interface ScrollGeometry {
  count: number;
  rowHeight: number;
  /** The scroll container's scrollTop, in spacer pixels. */
  scrollTop: number;
  /** Height that shows rows (the container's height minus a sticky header). */
  viewportHeight: number;
  /** Extra rows drawn above and below the visible ones. */
  overscan?: number;
  maxHeight?: number;
}

export interface VisibleRows {
  /** Height to give the spacer. */
  totalHeight: number;
  /** First and last row index to draw (inclusive); last < first when there are no rows. */
  first: number;
  last: number;
  /** Spacer offset (px) of a row's top; meaningful for rows near the visible ones. */
  topOf(index: number): number;
}

interface Scale {
  totalHeight: number;
  /** Spacer pixels per content pixel of scrolling (1 below the cap). */
  contentScroll: number;
  spacerScroll: number;
}

function scaleOf(g: Pick<ScrollGeometry, 'count' | 'rowHeight' | 'viewportHeight' | 'maxHeight'>): Scale {
  const content = g.count * g.rowHeight;
  const totalHeight = Math.min(content, g.maxHeight ?? MAX_SCROLL_HEIGHT);
  const viewport = Math.max(0, g.viewportHeight);
  return { totalHeight, contentScroll: Math.max(0, content - viewport), spacerScroll: Math.max(0, totalHeight - viewport) };
}

/** How far into the rows (content pixels) a spacer scroll position reaches. */
function contentTopOf(scale: Scale, scrollTop: number): number {
  if (scale.spacerScroll === 0 || scale.contentScroll === scale.spacerScroll) return Math.max(0, scrollTop);
  const fraction = Math.min(1, Math.max(0, scrollTop / scale.spacerScroll));
  return fraction * scale.contentScroll;
}

export function visibleRows(g: ScrollGeometry): VisibleRows {
  const scale = scaleOf(g);
  const overscan = g.overscan ?? 10;
  const contentTop = contentTopOf(scale, g.scrollTop);
  const first = Math.max(0, Math.floor(contentTop / g.rowHeight) - overscan);
  const last = Math.min(g.count - 1, Math.ceil((contentTop + g.viewportHeight) / g.rowHeight) + overscan);
  // Rows sit where the content would be, shifted so that the viewport shows the mapped position.
  const shift = Math.max(0, g.scrollTop) - contentTop;
  return { totalHeight: scale.totalHeight, first, last, topOf: (index) => index * g.rowHeight + shift };
}

/** The scrollTop that shows row `index` at the top of the viewport (the inverse of the mapping). */
export function scrollTopForRow(g: Omit<ScrollGeometry, 'scrollTop' | 'overscan'>, index: number): number {
  const scale = scaleOf(g);
  const contentTop = Math.min(index * g.rowHeight, scale.contentScroll);
  if (scale.contentScroll === 0) return 0;
  if (scale.contentScroll === scale.spacerScroll) return contentTop;
  return (contentTop / scale.contentScroll) * scale.spacerScroll;
}
