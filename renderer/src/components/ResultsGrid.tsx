/**
 * The results grid. Rows come from the run's RowWindow: scaled-scroll.ts says which rows are on screen
 * (scaling the scroll for results taller than a browser can lay out), the window fetches their pages,
 * and TanStack Table models just those rows (header groups, cells), so a 3,000,000-row result costs the
 * same as a 100-row one. Sorting is the engine's (queryPage sort). A clicked cell has the focus: arrow
 * keys move it, Ctrl/Cmd+C copies its exact value, Enter or a double-click opens it in the value viewer.
 * Columns are TanStack's: drag a header's right edge to resize, drag a header to move it, its ⋮ menu
 * sorts, filters, hides or moves it; the layout is the tab's (stores/grid-layout.ts).
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import {
  columnOrderingFeature,
  columnResizingFeature,
  columnSizingFeature,
  columnVisibilityFeature,
  createColumnHelper,
  tableFeatures,
  useTable,
} from '@tanstack/react-table';
import type { QuerySort, ResultColumn } from '../../../core/api/workbench';
import { columnKind } from '../../../core/api/column-kind';
import type { Row } from '../logic/row-window';
import { formatCell, formatValue } from '../logic/format';
import { freshLayout, moveColumn, storedLayout, useGridLayout } from '../stores/grid-layout';
import { scrollTopForRow, visibleRows } from '../logic/scaled-scroll';
import { markFirstRowsPainted } from '../logic/perf-marks';
import type { QueryRun } from '../stores/results';

const ROW_HEIGHT = 24;
/**
 * Rows beyond the screen whose pages are fetched with it: a few screenfuls, so that a wheel scroll finds
 * the next page there, yet near one page (1,000 rows): a fast scroll asks only for the page in view.
 */
const FETCH_AHEAD = 200;

interface GridRow {
  index: number;
  values?: Row;
}

const features = tableFeatures({ columnSizingFeature, columnResizingFeature, columnVisibilityFeature, columnOrderingFeature });
const helper = createColumnHelper<typeof features, GridRow>();

/** A column's width from its name and type; DuckDB types say more about width than sampled values. */
function columnWidth(column: ResultColumn): number {
  const byType = /INT|DOUBLE|FLOAT|DECIMAL|BOOLEAN|DATE/.test(column.type) ? 110 : 180;
  return Math.max(byType, Math.min(320, (column.name.length + column.type.length) * 8 + 40));
}

/** A header being dragged to a new place carries its column id under this type. */
const DRAG_TYPE = 'application/x-lakebench-column';

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

interface GridProps {
  run: QueryRun;
  /** The editor tab the result belongs to (its column layout is kept per tab). */
  tabId: string;
  onSort(sort: QuerySort[]): void;
  /** Opens the filter form for a column. */
  onFilterColumn(column: string): void;
  /** Opens a cell's value in the value viewer. */
  onOpenValue(row: number, col: number, value: unknown): void;
}

export function ResultsGrid({ run, tabId, onSort, onFilterColumn, onOpenValue }: GridProps) {
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
    if (rows && count > 0) void rows.ensure(Math.max(0, first - FETCH_AHEAD), last + FETCH_AHEAD);
  }, [rows, first, last, count]);

  const names = useMemo(() => run.columns.map((c) => c.name), [run.columns]);
  const stored = useGridLayout((s) => storedLayout(s.byTab, tabId, names));
  const layout = useMemo(() => stored ?? freshLayout(names), [stored, names]);
  const change = useGridLayout((s) => s.change);
  const [menuFor, setMenuFor] = useState<number>();
  const columns = useMemo(
    () =>
      run.columns.map((column, i) =>
        helper.accessor((row: GridRow) => row.values?.[i], {
          id: `${i}`,
          header: column.name,
          size: columnWidth(column),
          minSize: 48,
          maxSize: 2000,
        }),
      ),
    [run.columns],
  );
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
  const table = useTable({
    features,
    columns,
    data,
    getRowId: (row: GridRow) => String(row.index),
    columnResizeMode: 'onChange',
    state: { columnSizing: layout.sizing, columnVisibility: layout.visibility, columnOrder: layout.order },
    onColumnSizingChange: (updater) => change(tabId, names, 'sizing', updater),
    onColumnVisibilityChange: (updater) => change(tabId, names, 'visibility', updater),
    onColumnOrderChange: (updater) => change(tabId, names, 'order', updater),
  });
  const indexWidth = Math.max(56, String(count).length * 8 + 20); // wide enough for the last row number
  const totalWidth = indexWidth + table.getTotalSize();
  const tableRows = table.getRowModel().rows;
  // The columns shown, in order, with their widths: read from the table once per render, not per cell
  // instead of once per cell: a scrolled frame renders every row on screen anew.
  const shownColumns = table.getVisibleLeafColumns().map((c) => ({ id: c.id, index: Number(c.id), size: c.getSize() }));
  /** Result column indexes in the order shown (hidden ones left out): arrow keys move along this. */
  const shown = shownColumns.map((c) => c.index);
  const allIds = run.columns.map((_, i) => `${i}`);
  const move = (id: string, before: string | undefined) => change(tabId, names, 'order', moveColumn(layout.order, allIds, id, before));
  // Numbers align right, as in a spreadsheet, so that magnitudes line up.
  const numeric = useMemo(() => run.columns.map((c) => columnKind(c.type) === 'number'), [run.columns]);
  const cellText = (values: Row, col: number) => formatValue(values[col], run.columns[col].type, layout.exactNumbers);

  const focusedText = () => {
    const values = focused && rows?.row(focused.row);
    return values && focused ? formatCell(values[focused.col]) : undefined; // the exact value, not the rounded text
  };
  const openValue = (row: number, col: number) => {
    const values = rows?.row(row);
    if (values) onOpenValue(row, col, values[col]);
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
    if (e.key === 'Enter' && focused) return openValue(focused.row, focused.col);
    const step = ARROWS[e.key];
    if (!step || !focused || count === 0) return;
    e.preventDefault();
    const at = Math.max(0, shown.indexOf(focused.col));
    const next = {
      row: Math.min(count - 1, Math.max(0, focused.row + step[0])),
      col: shown[Math.min(shown.length - 1, Math.max(0, at + step[1]))] ?? focused.col,
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
          {table.getHeaderGroups()[0]?.headers.map((header, position) => {
            const i = Number(header.column.id);
            const column = run.columns[i];
            const sorted = run.sort.find((s) => s.column === column.name);
            const visibleIds = shown.map(String);
            const close = (work: () => void) => () => {
              setMenuFor(undefined);
              work();
            };
            return (
              <div
                key={header.id}
                className="grid-th-cell"
                style={{ width: header.getSize() }}
                onDragOver={(e) => e.dataTransfer.types.includes(DRAG_TYPE) && e.preventDefault()}
                onDrop={(e) => {
                  const dragged = e.dataTransfer.getData(DRAG_TYPE);
                  if (dragged && dragged !== header.column.id) move(dragged, header.column.id);
                }}
              >
                <button
                  className="grid-th"
                  draggable
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_TYPE, header.column.id);
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  title={`${column.name} ${column.type} — click to sort, drag to move`}
                  data-testid={`col-${column.name}`}
                  onClick={() => onSort(nextSort(run.sort, column.name))}
                >
                  <span className="grid-th-name">{column.name}</span>
                  <span className="grid-th-type">{column.type}</span>
                  {sorted && <span className="grid-th-sort">{sorted.descending ? '▼' : '▲'}</span>}
                </button>
                <button
                  className="grid-th-menu-button"
                  aria-label={`${column.name} column menu`}
                  data-testid={`col-menu-${column.name}`}
                  onClick={() => setMenuFor(menuFor === i ? undefined : i)}
                >
                  ⋮
                </button>
                <div
                  className={`grid-resizer${header.column.getIsResizing() ? ' resizing' : ''}`}
                  onMouseDown={header.getResizeHandler()}
                  onTouchStart={header.getResizeHandler()}
                  onDoubleClick={() => header.column.resetSize()}
                  title="Drag to resize; double-click for the default width"
                  data-testid={`col-resize-${column.name}`}
                />
                {menuFor === i && (
                  <div className="grid-menu" role="menu" data-testid="column-menu" onKeyDown={(e) => e.key === 'Escape' && setMenuFor(undefined)}>
                    <button role="menuitem" onClick={close(() => onSort([{ column: column.name }]))}>
                      Sort ascending
                    </button>
                    <button role="menuitem" onClick={close(() => onSort([{ column: column.name, descending: true }]))}>
                      Sort descending
                    </button>
                    <button role="menuitem" onClick={close(() => onFilterColumn(column.name))} data-testid="menu-filter">
                      Filter…
                    </button>
                    <button role="menuitem" onClick={close(() => header.column.toggleVisibility(false))} disabled={shown.length <= 1} data-testid="menu-hide">
                      Hide column
                    </button>
                    <button role="menuitem" onClick={close(() => move(header.column.id, visibleIds[position - 1]))} disabled={position === 0} data-testid="menu-move-left">
                      Move left
                    </button>
                    <button
                      role="menuitem"
                      onClick={close(() => move(header.column.id, visibleIds[position + 2]))}
                      disabled={position === visibleIds.length - 1}
                      data-testid="menu-move-right"
                    >
                      Move right
                    </button>
                    <button role="menuitem" onClick={close(() => header.column.resetSize())}>
                      Reset width
                    </button>
                  </div>
                )}
              </div>
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
                {shownColumns.map(({ id, index: i, size }) => {
                  const values = row.original.values;
                  const text = values ? cellText(values, i) : '';
                  return (
                    <div
                      key={id}
                      className={`grid-td${values?.[i] === null ? ' null' : ''}${focused?.row === index && focused.col === i ? ' focused' : ''}${numeric[i] ? ' number' : ''}`}
                      style={{ width: size }}
                      title={text}
                      data-col={i}
                      onClick={() => setFocused({ row: index, col: i })}
                      onDoubleClick={() => openValue(index, i)}
                    >
                      {text}
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
