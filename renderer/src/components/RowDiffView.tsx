/**
 * Compare's row diff: the key picker (the columns that identify a row; none compares whole rows) and the
 * result: counts, counts per partition and the first added, removed and changed rows, the changed cells
 * marked with their old value.
 */
import type { ReactNode } from 'react';
import type { ChangedRow, DiffRow, RowDiffResult } from '../../../core/api/workbench';
import { formatCell, formatCount } from '../logic/format';
import { SmallTable, type Column } from './SmallTable';

export function KeyPicker({ columns, selected, onChange }: { columns: string[]; selected: string[]; onChange(key: string[]): void }) {
  const toggle = (column: string) => onChange(selected.includes(column) ? selected.filter((c) => c !== column) : columns.filter((c) => c === column || selected.includes(c)));
  return (
    <fieldset className="key-picker" data-testid="diff-key">
      <legend title="Rows with the same key in both versions are compared column by column; without a key, whole rows are">
        Key {selected.length === 0 && <span className="muted">(none: whole rows)</span>}
      </legend>
      {columns.map((column) => (
        <label key={column}>
          <input type="checkbox" checked={selected.includes(column)} onChange={() => toggle(column)} data-column={column} />
          {column}
        </label>
      ))}
    </fieldset>
  );
}

const valueColumns = (names: string[]): Column<DiffRow>[] => names.map((name) => ({ header: name, cell: (row) => formatCell(row[name]), className: 'nowrap' }));

function changedColumns(diff: RowDiffResult): Column<ChangedRow>[] {
  return diff.columns.map((name) => ({
    header: name,
    className: (row) => (row.columns.includes(name) ? 'nowrap diff-changed' : 'nowrap'),
    cell: (row) =>
      row.columns.includes(name) ? (
        <>
          <del>{formatCell(row.before[name])}</del> {formatCell(row.after[name])}
        </>
      ) : (
        formatCell(row.after[name])
      ),
  }));
}

function Sample({ title, count, shown, children }: { title: string; count: number; shown: number; children: ReactNode }) {
  if (count === 0) return null;
  return (
    <section>
      <h4>
        {title} <span className="muted">{shown < count ? `first ${formatCount(shown)} of ${formatCount(count)}` : formatCount(count)}</span>
      </h4>
      {children}
    </section>
  );
}

export function RowDiffResultView({ diff }: { diff: RowDiffResult }) {
  const keyed = diff.key.length > 0;
  const counts = (c: { added: number; removed: number; changed: number }) => [`+${formatCount(c.added)}`, `−${formatCount(c.removed)}`, ...(keyed ? [`~${formatCount(c.changed)}`] : [])];
  const partitionColumns: Column<RowDiffResult['partitions'][number]>[] = [
    ...diff.partitionColumns.map((name) => ({ header: name, cell: (p: RowDiffResult['partitions'][number]) => formatCell(p.partition[name]) })),
    { header: 'added', cell: (p) => formatCount(p.added), className: 'num' },
    { header: 'removed', cell: (p) => formatCount(p.removed), className: 'num' },
    ...(keyed ? [{ header: 'changed', cell: (p: RowDiffResult['partitions'][number]) => formatCount(p.changed), className: 'num' }] : []),
  ];
  return (
    <div className="row-diff" data-testid="row-diff">
      <p data-testid="row-diff-counts">
        <strong>Rows</strong> {counts(diff).join(' ')}{' '}
        <span className="muted">{keyed ? `by key (${diff.key.join(', ')})` : 'whole rows: an updated row is one out and one in'}</span>
      </p>
      {diff.partitions.length > 0 && (
        <Sample title="Per partition" count={diff.partitionCount} shown={diff.partitions.length}>
          <SmallTable columns={partitionColumns} rows={diff.partitions} rowKey={(p) => JSON.stringify(p.partition)} testId="row-diff-partitions" />
        </Sample>
      )}
      <Sample title="Added" count={diff.added} shown={diff.sample.added.length}>
        <SmallTable columns={valueColumns(diff.columns)} rows={diff.sample.added} rowKey={(_, i) => i} testId="row-diff-added" />
      </Sample>
      <Sample title="Removed" count={diff.removed} shown={diff.sample.removed.length}>
        <SmallTable columns={valueColumns(diff.columns)} rows={diff.sample.removed} rowKey={(_, i) => i} testId="row-diff-removed" />
      </Sample>
      <Sample title="Changed" count={diff.changed} shown={diff.sample.changed.length}>
        <SmallTable columns={changedColumns(diff)} rows={diff.sample.changed} rowKey={(row) => JSON.stringify(row.key)} testId="row-diff-changed" />
      </Sample>
    </div>
  );
}
