/**
 * A row of tabs that scrolls sideways when it does not fit, with ‹ › buttons that appear while some tabs are
 * out of view (a scrollbar alone is thin and hidden on some systems), and the active tab scrolled into view.
 */
import { useCallback, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

interface OverflowScrollerProps {
  className: string;
  role?: string;
  /** The `data-scroll-key` of the child to keep in view (the active tab). */
  scrollTo?: string;
  testId: string;
  children: ReactNode;
}

export function OverflowScroller({ className, role, scrollTo, testId, children }: OverflowScrollerProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState({ before: false, after: false });
  const measure = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    // 1 px of slack: zoomed layouts round scroll positions.
    const before = el.scrollLeft > 1;
    const after = el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
    // Same answer, same object: a scroll that changes neither end renders nothing.
    setHidden((h) => (h.before === before && h.after === after ? h : { before, after }));
  }, []);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    // The tabs inside change width too (a tab opened or closed) without the row changing its own.
    const children = new MutationObserver(measure);
    children.observe(el, { childList: true, subtree: true, characterData: true });
    return () => {
      observer.disconnect();
      children.disconnect();
    };
  }, [measure]);
  const overflowing = hidden.before || hidden.after;
  // Again when the buttons appear: they narrow the row.
  useLayoutEffect(() => {
    if (scrollTo === undefined) return;
    ref.current?.querySelector(`[data-scroll-key="${CSS.escape(scrollTo)}"]`)?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    measure();
  }, [scrollTo, overflowing, measure]);
  const page = (sign: 1 | -1) => ref.current?.scrollBy({ left: sign * ref.current.clientWidth * 0.8 });
  return (
    <div className={`overflow-scroller${overflowing ? ' overflowing' : ''}`} data-testid={testId}>
      {overflowing && (
        <button className="scroll-button" onClick={() => page(-1)} disabled={!hidden.before} title="Scroll the tabs left" data-testid={`${testId}-left`}>
          ‹
        </button>
      )}
      <div className={className} role={role} ref={ref} onScroll={measure}>
        {children}
      </div>
      {overflowing && (
        <button className="scroll-button" onClick={() => page(1)} disabled={!hidden.after} title="Scroll the tabs right" data-testid={`${testId}-right`}>
          ›
        </button>
      )}
    </div>
  );
}
