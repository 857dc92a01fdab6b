/**
 * The results grid. Rows come from the run's RowWindow: scaled-scroll.ts says which rows are on screen
 * (scaling the scroll for results taller than a browser can lay out), the window fetches their pages,
 * and TanStack Table models just those rows (header groups, cells), so a 3,000,000-row result costs the
 * same as a 100-row one. Sorting is the engine's (queryPage sort). A clicked cell has the focus: arrow
 * keys move it, Ctrl/Cmd+C copies it (as does a double-click).
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import type { QuerySort, ResultColumn } from '../../../core/api/workbench';
import type { Row } from '../logic/row-window';
import { formatCell } from '../logic/format';
import { scrollTopForRow, visibleRows } from '../logic/scaled-scroll';
import { markFirstRowsPainted } from '../logic/perf-marks';
import type { QueryRun } from '../stores/results';

const ROW_HEIGHT = 24;

interface GridRow {
  index: number;
  values?: Row;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, GridRow>();

/** A column's width from its name and type; DuckDB types say more about width than sampled values. */
function columnWidth(column: ResultColumn): number {
  const byType = /INT|DOUBLE|FLOAT|DECIMAL|BOOLEAN|DATE/.test(column.type) ? 110 : 180;
  return Math.max(byType, Math.min(320, (column.name.length + column.type.length) * 8 + 40));
}

function nextSort(sort: QuerySort[], column: string): QuerySort[] {
  const current = sort.find((s) => s.column === column);
  if (!current) return [{ column }];
  if (!current.descending) return [{ column, descending: true }];
  return [];
}

/** The scroll container's scrollTop and the height left for rows under the sticky header. */
function useScrollPosition(scrollRef: React.RefObject<HTMLDivElement | null>, headerRef: React.RefObject<HTMLDivElement | null>) {
  const [position, setPosition] = useState({ scrollTop: 0, viewportHeight: 0 });
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const measure = () =>
      setPosition({ scrollTop: el.scrollTop, viewportHeight: Math.max(0, el.clientHeight - (headerRef.current?.offsetHeight ?? 0)) });
    measure();
    el.addEventListener('scroll', measure, { passive: true });
    const resize = new ResizeObserver(measure);
    resize.observe(el);
    return () => {
      el.removeEventListener('scroll', measure);
      resize.disconnect();
    };
  }, [scrollRef, headerRef]);
  return position;
}

interface CellPosition {
  row: number;
  col: number;
}

const ARROWS: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

export function ResultsGrid({ run, onSort }: { run: QueryRun; onSort(sort: QuerySort[]): void }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const headerRef = useRef<HTMLDivElement>(null);
  const rows = run.rows;
  const count = rows?.rowCount ?? 0;
  const { scrollTop, viewportHeight } = useScrollPosition(scrollRef, headerRef);
  // A few rows beyond the edges cover a wheel step; every extra row is re-rendered on each scrolled
  // frame (see the slot keys below), and 20 each side doubled the frame time of a fast scroll (npm run bench).
  const visible = visibleRows({ count, rowHeight: ROW_HEIGHT, scrollTop, viewportHeight, overscan: 5 });
  const { first, last } = visible;
  const items = useMemo(() => Array.from({ length: Math.max(0, last - first + 1) }, (_, k) => first + k), [first, last]);
  const [focused, setFocused] = useState<CellPosition>();
  const [copied, setCopied] = useState<string>();
  useEffect(() => setFocused(undefined), [run.queryId]);

  useEffect(() => {
    if (rows && count > 0) void rows.ensure(first, last);
  }, [rows, first, last, count]);

  const columns = useMemo(
    () =>
      run.columns.map((column, i) =>
        helper.accessor((row: GridRow) => row.values?.[i], {
          id: `${i}`,
          header: column.name,
          cell: (info) => (info.row.original.values ? formatCell(info.getValue()) : ''),
        }),
      ),
    [run.columns],
  );
  const widths = useMemo(() => run.columns.map(columnWidth), [run.columns]);
  // Only the rows on screen are handed to the table model (revision: rows that just arrived).
  const data = useMemo(
    () => items.map((index): GridRow => ({ index, values: rows?.row(index) })),
    [items, rows, run.revision],
  );
  // The bench's "first rows painted" mark, once per query (scripts/bench-ui.ts).
  const showsRows = data.some((row) => row.values !== undefined);
  const markedQuery = useRef<string>(undefined);
  useEffect(() => {
    if (!showsRows || markedQuery.current === run.queryId) return;
    markedQuery.current = run.queryId;
    markFirstRowsPainted({ queryId: run.queryId, engineFirstChunkMs: run.engineFirstChunkMs });
  }, [showsRows, run.queryId, run.engineFirstChunkMs]);
  const table = useTable({ features, columns, data, getRowId: (row: GridRow) => String(row.index) });
  const indexWidth = Math.max(56, String(count).length * 8 + 20); // wide enough for the last row number
  const totalWidth = indexWidth + widths.reduce((a, b) => a + b, 0);
  const tableRows = table.getRowModel().rows;

  const copyCell = (text: string) => {
    void navigator.clipboard?.writeText(text).catch(() => undefined);
    setCopied(text);
  };
  const focusedText = () => {
    const values = focused && rows?.row(focused.row);
    return values && focused ? formatCell(values[focused.col]) : undefined;
  };
  // Ctrl/Cmd+C: the browser's copy event, which needs no clipboard permission.
  const onCopy = (e: React.ClipboardEvent) => {
    const text = focusedText();
    if (text === undefined || window.getSelection()?.toString()) return; // a text selection copies as usual
    e.preventDefault();
    e.clipboardData.setData('text/plain', text);
    setCopied(text);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const move = ARROWS[e.key];
    if (!move || !focused || count === 0) return;
    e.preventDefault();
    const next = {
      row: Math.min(count - 1, Math.max(0, focused.row + move[0])),
      col: Math.min(run.columns.length - 1, Math.max(0, focused.col + move[1])),
    };
    setFocused(next);
    // Keep the focused row on screen: scroll so it sits at the top or bottom edge it crossed.
    const el = scrollRef.current;
    const top = visible.topOf(next.row);
    if (el && (top < scrollTop || top + ROW_HEIGHT > scrollTop + viewportHeight)) {
      const rowsInView = Math.max(1, Math.floor(viewportHeight / ROW_HEIGHT));
      const topRow = top < scrollTop ? next.row : next.row - rowsInView + 1;
      el.scrollTop = scrollTopForRow({ count, rowHeight: ROW_HEIGHT, viewportHeight }, Math.max(0, topRow));
    }
  };

  return (
    <div className="grid" data-testid="results-grid">
      <div className="grid-scroll" ref={scrollRef} tabIndex={0} onCopy={onCopy} onKeyDown={onKeyDown} data-testid="results-scroll">
        <div className="grid-header" ref={headerRef} style={{ width: totalWidth }}>
          <div className="grid-index" style={{ width: indexWidth }}>
            #
          </div>
          {table.getHeaderGroups()[0]?.headers.map((header, i) => {
            const column = run.columns[i];
            const sorted = run.sort.find((s) => s.column === column.name);
            return (
              <button
                key={header.id}
                className="grid-th"
                style={{ width: widths[i] }}
                title={`${column.name} ${column.type} — click to sort`}
                data-testid={`col-${column.name}`}
                onClick={() => onSort(nextSort(run.sort, column.name))}
              >
                <span className="grid-th-name">
                  <table.FlexRender header={header} />
                </span>
                <span className="grid-th-type">{column.type}</span>
                {sorted && <span className="grid-th-sort">{sorted.descending ? '▼' : '▲'}</span>}
              </button>
            );
          })}
        </div>
        <div style={{ height: visible.totalHeight, width: totalWidth, position: 'relative' }}>
          {items.map((index, k) => {
            const row = tableRows[k];
            if (!row) return null;
            return (
              // Keyed by screen slot, not row index: scrolling then updates the same elements in place
              // instead of creating new ones, whose style recalculation dominated a scrolled frame.
              <div
                key={k}
                className={`grid-row${index % 2 ? ' odd' : ''}`}
                data-row-index={index}
                style={{ transform: `translateY(${visible.topOf(index)}px)`, height: ROW_HEIGHT }}
              >
                <div className="grid-index" style={{ width: indexWidth }}>
                  {index + 1}
                </div>
                {row.getAllCells().map((cell, i) => {
                  const text = row.original.values ? formatCell(row.original.values[i]) : '';
                  return (
                    <div
                      key={cell.id}
                      className={`grid-td${row.original.values?.[i] === null ? ' null' : ''}${focused?.row === index && focused.col === i ? ' focused' : ''}`}
                      style={{ width: widths[i] }}
                      title={text}
                      data-col={i}
                      onClick={() => setFocused({ row: index, col: i })}
                      onDoubleClick={() => copyCell(text)}
                    >
                      <table.FlexRender cell={cell} />
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
      {rows?.error && <div className="grid-error">{rows.error.message}</div>}
      {copied !== undefined && (
        <div className="grid-copied muted" data-testid="copied" title={copied}>
          Copied {copied.length > 40 ? `${copied.slice(0, 40)}…` : copied}
        </div>
      )}
    </div>
  );
}
