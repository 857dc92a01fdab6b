/**
 * The results grid. Rows come from the run's RowWindow: the virtualizer says which rows are on screen,
 * the window fetches their pages, and TanStack Table models just those rows (header groups, cells), so a
 * 1,000,000-row result costs the same as a 100-row one. Sorting is the engine's (queryPage sort).
 */
import { useEffect, useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import type { QuerySort, ResultColumn } from '../../../core/api/workbench';
import type { Row } from '../logic/row-window';
import { formatCell } from '../logic/format';
import type { QueryRun } from '../stores/results';

const ROW_HEIGHT = 24;
const INDEX_WIDTH = 72;

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

export function ResultsGrid({ run, onSort }: { run: QueryRun; onSort(sort: QuerySort[]): void }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = run.rows;
  const count = rows?.rowCount ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

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
    () => items.map((item): GridRow => ({ index: item.index, values: rows?.row(item.index) })),
    [first, last, rows, run.revision], // `items` changes identity every render; its range is what matters
  );
  const table = useTable({ features, columns, data, getRowId: (row: GridRow) => String(row.index) });
  const totalWidth = INDEX_WIDTH + widths.reduce((a, b) => a + b, 0);
  const tableRows = table.getRowModel().rows;

  const copyCell = (text: string) => void navigator.clipboard?.writeText(text).catch(() => undefined);

  return (
    <div className="grid" data-testid="results-grid">
      <div className="grid-scroll" ref={scrollRef} data-testid="results-scroll">
        <div className="grid-header" style={{ width: totalWidth }}>
          <div className="grid-index" style={{ width: INDEX_WIDTH }}>
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
        <div style={{ height: virtualizer.getTotalSize(), width: totalWidth, position: 'relative' }}>
          {items.map((item, k) => {
            const row = tableRows[k];
            if (!row) return null;
            return (
              <div
                key={item.key}
                className={`grid-row${item.index % 2 ? ' odd' : ''}`}
                data-row-index={item.index}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              >
                <div className="grid-index" style={{ width: INDEX_WIDTH }}>
                  {item.index + 1}
                </div>
                {row.getAllCells().map((cell, i) => {
                  const text = row.original.values ? formatCell(row.original.values[i]) : '';
                  return (
                    <div
                      key={cell.id}
                      className={`grid-td${row.original.values?.[i] === null ? ' null' : ''}`}
                      style={{ width: widths[i] }}
                      title={text}
                      data-col={i}
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
    </div>
  );
}
