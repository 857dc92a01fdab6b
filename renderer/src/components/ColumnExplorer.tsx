/**
 * The column explorer beside the results grid, as in DuckDB UI: per column its type, null share, distinct
 * estimate, min and max, and a histogram (numbers, times) or its top values (text), all computed by the
 * engine over the whole result (queryProfile). A bar or a value adds a filter; the checkbox shows or
 * hides the column in the grid.
 */
import { useEffect, useRef } from 'react';
import type { ColumnProfile, HistogramBin } from '../../../core/api/workbench';
import { formatCount, formatValue } from '../logic/format';
import { markProfilePainted, PROFILE_ALL_MARK, PROFILE_MARK } from '../logic/perf-marks';
import { rangeFilters, type ResultFilter } from '../logic/result-filters';
import { useColumnProfile } from '../stores/column-profile';

interface Props {
  queryId: string;
  /** Column index → shown in the grid. */
  isVisible(index: number): boolean;
  setVisible(index: number, visible: boolean): void;
  addFilters(filters: ResultFilter[]): void;
}

function percent(part: number, whole: number): string {
  if (whole === 0) return '0%';
  const share = (100 * part) / whole;
  return `${share > 0 && share < 0.1 ? '<0.1' : share.toFixed(share < 10 ? 1 : 0)}%`;
}

/** A histogram edge as text: a number as the grid shows it, a time (epoch ms) as ISO date and time. */
function edgeText(value: number, column: ColumnProfile): string {
  if (column.kind !== 'time') return formatValue(value, 'DOUBLE');
  return new Date(value).toISOString().replace('T', ' ').replace(/(\.000)?Z$/, '');
}

function Histogram({ column, addFilters }: { column: ColumnProfile; addFilters: Props['addFilters'] }) {
  const bins = column.histogram ?? [];
  const highest = Math.max(1, ...bins.map((b) => b.count));
  const filterOn = (bin: HistogramBin, k: number) =>
    addFilters(
      rangeFilters(column.name, {
        from: edgeText(bin.from, column),
        to: edgeText(bin.to, column),
        first: k === 0,
        ...(column.kind === 'time' && { cast: 'TIMESTAMP' as const }),
      }),
    );
  return (
    <div className="histogram" data-testid="histogram">
      {bins.map((bin, k) => (
        <button
          key={k}
          className="histogram-bar"
          style={{ height: `${Math.max(2, (100 * bin.count) / highest)}%` }}
          title={`${edgeText(bin.from, column)} – ${edgeText(bin.to, column)}: ${formatCount(bin.count)} rows — click to filter`}
          aria-label={`filter ${column.name} from ${edgeText(bin.from, column)} to ${edgeText(bin.to, column)}`}
          onClick={() => filterOn(bin, k)}
        />
      ))}
    </div>
  );
}

function TopValues({ column, rows, addFilters }: { column: ColumnProfile; rows: number; addFilters: Props['addFilters'] }) {
  const top = column.top ?? [];
  return (
    <ul className="top-values" data-testid="top-values">
      {top.map((t) => (
        <li key={t.value}>
          <button
            className="top-value"
            title={`${t.value}: ${formatCount(t.count)} rows — click to filter`}
            onClick={() => addFilters([{ column: column.name, op: '=', value: t.value }])}
          >
            <span className="top-value-bar" style={{ width: `${(100 * t.count) / Math.max(1, rows)}%` }} />
            <span className="top-value-text">{t.value}</span>
            <span className="top-value-count">{formatCount(t.count)}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function ColumnCard({ column, index, rows, ...props }: Omit<Props, 'queryId'> & { column: ColumnProfile; index: number; rows: number }) {
  const shownMinMax = column.min !== undefined && column.max !== undefined;
  return (
    <li className="column-card" data-testid="column-card" data-column={column.name}>
      <label className="column-card-head">
        <input
          type="checkbox"
          checked={props.isVisible(index)}
          onChange={(e) => props.setVisible(index, e.target.checked)}
          title="Show this column in the grid"
          data-testid="column-visible"
        />
        <span className="column-card-name">{column.name}</span>
        <span className="column-card-type">{column.type}</span>
      </label>
      <div className="column-card-stats">
        <span data-testid="column-nulls" title={`${formatCount(column.nulls)} nulls`}>
          {percent(column.nulls, rows)} null
        </span>
        {column.distinct !== undefined && (
          <span data-testid="column-distinct" title="estimated distinct values">
            ~{formatCount(column.distinct)} distinct
          </span>
        )}
      </div>
      {shownMinMax && (
        <div className="column-card-range" data-testid="column-range">
          <span title="min">{formatValue(column.min, column.type)}</span>
          <span className="muted">…</span>
          <span title="max">{formatValue(column.max, column.type)}</span>
        </div>
      )}
      {column.histogram && <Histogram column={column} addFilters={props.addFilters} />}
      {column.top && column.top.length > 0 && <TopValues column={column} rows={rows} addFilters={props.addFilters} />}
      {column.top === undefined && column.kind === 'text' && (column.distinct ?? 0) > 0 && <div className="muted">nearly every value is distinct</div>}
    </li>
  );
}

export function ColumnExplorer({ queryId, ...props }: Props) {
  const state = useColumnProfile((s) => s.byQuery[queryId]);
  const load = useColumnProfile((s) => s.load);
  useEffect(() => void load(queryId), [load, queryId]);
  // Every card's summary painted, then every card whole (each once per query).
  const marked = useRef<{ queryId?: string; first?: boolean; all?: boolean }>({});
  useEffect(() => {
    if (marked.current.queryId !== queryId) marked.current = { queryId };
    const painted = state?.status === 'partial' || state?.status === 'done';
    if (painted && !marked.current.first) {
      marked.current.first = true;
      markProfilePainted(queryId, PROFILE_MARK);
    }
    if (state?.status === 'done' && !marked.current.all) {
      marked.current.all = true;
      markProfilePainted(queryId, PROFILE_ALL_MARK);
    }
  }, [state?.status, queryId]);
  const profile = state?.profile;

  return (
    <aside className="column-explorer" data-testid="column-explorer" aria-label="Column explorer">
      {state?.status === 'error' && <div className="status-error">{state.error}</div>}
      {!profile ? (
        state?.status !== 'error' && (
          <div className="muted">
            <span className="spinner" /> Profiling every row…
          </div>
        )
      ) : (
        <>
          <div className="muted column-explorer-head">
            {formatCount(profile.rows)} rows · {profile.columnCount} columns
          </div>
          <ul className="column-cards">
            {profile.columns.map((column) => (
              <ColumnCard key={column.index} column={column} index={column.index} rows={profile.rows} {...props} />
            ))}
          </ul>
          {state?.status === 'partial' && (
            <div className="muted" data-testid="profile-pending">
              <span className="spinner" /> Estimating distinct values, drawing histograms…
            </div>
          )}
        </>
      )}
    </aside>
  );
}
