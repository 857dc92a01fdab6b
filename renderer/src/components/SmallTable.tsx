/** The inspector views' small tables (`.small-table`): one row per item, its cells given by column specs. */
import type { HTMLAttributes, ReactNode } from 'react';

export interface Column<T> {
  /** The header cell; when no column has one, the table has no header row. */
  header?: ReactNode;
  headerTitle?: string;
  cell(row: T): ReactNode;
  /** The cell's class (`num` right-aligns; also `path`, `muted`, `nowrap`), or one per row. */
  className?: string | ((row: T) => string);
  title?(row: T): string;
}

/** A row's own attributes: class, click handler, tooltip, `data-*` for the tests. */
export type RowProps = HTMLAttributes<HTMLTableRowElement> & { [data: `data-${string}`]: string | undefined };

export function SmallTable<T>(props: {
  columns: Column<T>[];
  rows: readonly T[];
  rowKey(row: T, index: number): string | number;
  rowProps?(row: T): RowProps;
  className?: string;
  testId?: string;
}) {
  const { columns } = props;
  // Wider than the inspector: it scrolls sideways instead of being cut off.
  return (
    <div className="small-table-wrap">
      <table className={props.className ? `small-table ${props.className}` : 'small-table'} data-testid={props.testId}>
        {columns.some((c) => c.header !== undefined) && (
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={i} title={c.headerTitle}>
                  {c.header}
                </th>
              ))}
            </tr>
          </thead>
        )}
        <tbody>
          {props.rows.map((row, r) => (
            <tr key={props.rowKey(row, r)} {...props.rowProps?.(row)}>
              {columns.map((c, i) => (
                <td key={i} className={typeof c.className === 'function' ? c.className(row) : c.className} title={c.title?.(row)}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
