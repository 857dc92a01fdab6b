/**
 * The results' filters: one chip per condition, a form to add one (opened from a column's menu or the
 * + button), and the WHERE clause they become, which the engine runs around the tab's statement.
 */
import { useEffect, useState } from 'react';
import type { ResultColumn } from '../../../core/api/workbench';
import { FILTER_OPS, filterCondition, filteredSql, takesValue, whereClause, type FilterOp, type ResultFilter } from '../logic/result-filters';

interface Props {
  columns: ResultColumn[];
  filters: ResultFilter[];
  baseSql: string;
  /** The column whose filter form to open (from its header menu); undefined: closed unless opened here. */
  draftColumn?: string;
  onDraftDone(): void;
  setFilters(filters: ResultFilter[]): void;
}

function FilterForm({ columns, column: initial, onAdd, onCancel }: { columns: ResultColumn[]; column?: string; onAdd(f: ResultFilter): void; onCancel(): void }) {
  const [column, setColumn] = useState(initial ?? columns[0]?.name ?? '');
  const [op, setOp] = useState<FilterOp>('=');
  const [value, setValue] = useState('');
  useEffect(() => {
    if (initial) setColumn(initial);
  }, [initial]);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    onAdd({ column, op, ...(takesValue(op) && { value }) });
  };
  return (
    <form className="filter-form" onSubmit={submit} data-testid="filter-form" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <select value={column} onChange={(e) => setColumn(e.target.value)} aria-label="Filter column" data-testid="filter-column">
        {columns.map((c, i) => (
          <option key={i} value={c.name}>
            {c.name}
          </option>
        ))}
      </select>
      <select value={op} onChange={(e) => setOp(e.target.value as FilterOp)} aria-label="Filter operator" data-testid="filter-op">
        {FILTER_OPS.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
      {takesValue(op) && (
        <input value={value} onChange={(e) => setValue(e.target.value)} placeholder="value" aria-label="Filter value" data-testid="filter-value" autoFocus />
      )}
      <button type="submit" className="primary" data-testid="filter-add">
        Filter
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

export function FilterBar({ columns, filters, baseSql, draftColumn, onDraftDone, setFilters }: Props) {
  const [open, setOpen] = useState(false);
  const [copied, setCopied] = useState(false);
  const formOpen = open || draftColumn !== undefined;
  const close = () => {
    setOpen(false);
    onDraftDone();
  };
  if (!formOpen && filters.length === 0) {
    return (
      <button className="filter-open" onClick={() => setOpen(true)} data-testid="filter-open" title="Filter the rows (becomes a WHERE clause)">
        + Filter
      </button>
    );
  }
  const copySql = () => {
    void navigator.clipboard?.writeText(filteredSql(baseSql, filters)).catch(() => undefined);
    setCopied(true);
  };
  return (
    <div className="filter-bar" data-testid="filter-bar">
      {filters.map((f, i) => (
        <span key={i} className="filter-chip" data-testid="filter-chip" title={filterCondition(f)}>
          {f.column} {f.op} {f.value !== undefined && <strong>{f.value}</strong>}
          <button className="link" aria-label={`Remove the filter on ${f.column}`} onClick={() => setFilters(filters.filter((_, k) => k !== i))}>
            ✕
          </button>
        </span>
      ))}
      {formOpen ? (
        <FilterForm
          columns={columns}
          column={draftColumn}
          onCancel={close}
          onAdd={(f) => {
            close();
            setFilters([...filters, f]);
          }}
        />
      ) : (
        <button className="link" onClick={() => setOpen(true)} data-testid="filter-open">
          + Filter
        </button>
      )}
      {filters.length > 0 && (
        <>
          <code className="filter-sql" data-testid="filter-sql" title="The filters as SQL">
            WHERE {whereClause(filters)}
          </code>
          <button className="link" onClick={copySql} title="Copy the filtered statement">
            {copied ? 'Copied' : 'Copy SQL'}
          </button>
          <button className="link" onClick={() => setFilters([])} data-testid="filter-clear">
            Clear
          </button>
        </>
      )}
    </div>
  );
}
