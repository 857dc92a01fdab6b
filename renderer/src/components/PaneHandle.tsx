/**
 * A drag handle between two panes: drag it (pointer events, captured so a fast drag does not lose it), or
 * focus it and use the arrow keys (Shift: bigger steps; Home/End: least/largest; Enter: collapse/expand);
 * double-click resets the pane to its default size. Its buttons collapse and expand the panes beside it.
 *
 * Written here rather than taken from a library: react-resizable-panels sizes panes in percentages of
 * one group, while these panes keep pixel sizes per workspace and give way in a fixed order (pane-fit.ts).
 */
import { useRef, type KeyboardEvent, type PointerEvent } from 'react';
import type { PaneId, SizedPane } from '../logic/pane-fit';
import { usePaneLayout } from '../stores/pane-layout';

export interface PaneToggle {
  pane: PaneId;
  /** Button texts while the pane is open / collapsed. */
  open: string;
  closed: string;
}

interface PaneHandleProps {
  /** The pane this handle sizes. */
  pane: SizedPane;
  /** x: a column handle (drag sideways); y: a row handle. */
  axis: 'x' | 'y';
  /** +1 when moving the handle right/down grows the pane (it is left of/above the handle), -1 otherwise. */
  direction: 1 | -1;
  /** The pane's size as laid out now, and the range it can take. */
  size: number;
  min: number;
  max: number;
  toggles: PaneToggle[];
  label: string;
}

const STEP = 16;
const BIG_STEP = 80;

export function PaneHandle({ pane, axis, direction, size, min, max, toggles, label }: PaneHandleProps) {
  const { resize, keep, reset, toggle, collapsed } = usePaneLayout();
  const drag = useRef<{ start: number; size: number }>(undefined);
  const clamp = (value: number) => Math.max(min, Math.min(max, value));
  const position = (e: PointerEvent) => (axis === 'x' ? e.clientX : e.clientY);

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || (e.target as HTMLElement).closest('button')) return;
    e.preventDefault(); // no text selection while dragging
    e.currentTarget.setPointerCapture(e.pointerId);
    e.currentTarget.focus();
    // Dragging a collapsed pane open starts from nothing.
    drag.current = { start: position(e), size: collapsed[pane] ? 0 : size };
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    // Stored once when the drag ends, not on every move.
    resize(pane, clamp(drag.current.size + direction * (position(e) - drag.current.start)), false);
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    if (drag.current) keep();
    drag.current = undefined;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? BIG_STEP : STEP;
    const moves: Record<string, number | undefined> =
      axis === 'x' ? { ArrowLeft: -step, ArrowRight: step } : { ArrowUp: -step, ArrowDown: step };
    const move = moves[e.key];
    const target = move !== undefined ? size + direction * move : e.key === 'Home' ? min : e.key === 'End' ? max : undefined;
    if (target !== undefined) resize(pane, clamp(target));
    else if (e.key === 'Enter') toggle(toggles[0]!.pane);
    else return;
    e.preventDefault();
  };

  return (
    <div
      className={`pane-handle pane-handle-${axis}`}
      role="separator"
      aria-orientation={axis === 'x' ? 'vertical' : 'horizontal'}
      aria-label={label}
      aria-valuenow={collapsed[pane] ? 0 : Math.round(size)}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      title={`${label}: drag or use the arrow keys; double-click resets; Enter collapses`}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onDoubleClick={(e) => !(e.target as HTMLElement).closest('button') && reset(pane)}
      onKeyDown={onKeyDown}
      data-testid={`pane-handle-${pane}`}
    >
      <span className="pane-toggles">
        {toggles.map((t) => (
          <button
            key={t.pane}
            className="pane-toggle"
            aria-expanded={!collapsed[t.pane]}
            title={`${collapsed[t.pane] ? 'Show' : 'Hide'} the ${t.pane}`}
            onClick={() => toggle(t.pane)}
            data-testid={`pane-toggle-${t.pane}`}
          >
            {collapsed[t.pane] ? t.closed : t.open}
          </button>
        ))}
      </span>
    </div>
  );
}
