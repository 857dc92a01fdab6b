/**
 * A Lakeside bucket: its `_lakeside_log` history, the staging area per partition (records not compacted
 * yet), the compacted Parquet files live in the log, the reconcile report (what the log and `parquet/`
 * disagree on), a Query action for the real-time view, and the Maintenance panel (verify, and
 * compact-staging into the bucket's own Lakeside layout).
 */
import { useEffect, useState } from 'react';
import type { FoundTable, HistoryEntry, LakesideReconcileReport } from '../../../core/api/workbench';
import { quoteIdent } from '../../../core/sql-text';
import { countOf, formatBytes, formatCount, formatDate } from '../logic/format';
import { queryInNewTab, sqlName } from '../stores/bucket-query';
import { useLakeside, type LakesideDetails } from '../stores/lakeside';
import { BucketTabs, useReloadAfterRuns } from './BucketParts';
import { MaintenancePanel } from './MaintenancePanel';

const TABS = ['history', 'staging', 'compacted', 'reconcile', 'maintenance'] as const;
type LakesideTab = (typeof TABS)[number];

/** What the reconcile report's reasons mean to a user. */
const ORPHAN_REASONS: Record<LakesideReconcileReport['orphans'][number]['reason'], string> = {
  removed: 'removed by the log, still present',
  unlogged: 'never logged (a failed write)',
  temporary: 'temporary file of a write cut short',
};

function metricsText(entry: HistoryEntry): string {
  const m = entry.operationMetrics ?? {};
  const n = (key: string) => Number(m[key] ?? 0);
  return [
    n('filesAdded') && `files +${formatCount(n('filesAdded'))}`,
    n('filesRemoved') && `−${formatCount(n('filesRemoved'))}`,
    n('rowsAdded') && `rows +${formatCount(n('rowsAdded'))}`,
    n('bytesAdded') && `bytes +${formatBytes(n('bytesAdded'))}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

function History({ details }: { details: LakesideDetails }) {
  if (details.history.length === 0) return <p className="muted">No `_lakeside_log` entries yet: nothing has been compacted.</p>;
  return (
    <ol className="timeline" data-testid="lakeside-history">
      {details.history.map((h) => (
        <li key={h.version} data-testid="lakeside-log-entry">
          <div className="timeline-head">
            <strong>v{h.version}</strong> <span>{h.operation ?? 'entry'}</span>
            <span className="muted">{formatDate(h.timestamp)}</span>
          </div>
          <div className="timeline-metrics muted">{metricsText(h)}</div>
        </li>
      ))}
    </ol>
  );
}

function Staging({ details }: { details: LakesideDetails }) {
  if (details.staging.length === 0) return <p className="muted">Nothing staged: every record is compacted.</p>;
  return (
    <table className="small-table" data-testid="lakeside-staging">
      <thead>
        <tr>
          <th>Partition</th>
          <th>Files</th>
          <th>Bytes</th>
          <th>Records</th>
        </tr>
      </thead>
      <tbody>
        {details.staging.map((p) => (
          <tr key={p.partition} data-testid="lakeside-staging-row">
            <td>{p.partition || '(outside partition folders)'}</td>
            <td className="num">{formatCount(p.files)}</td>
            <td className="num">{formatBytes(p.bytes)}</td>
            <td className="num">{formatCount(p.records)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Compacted({ details }: { details: LakesideDetails }) {
  if (details.compacted.length === 0) return <p className="muted">No compacted files live in the log.</p>;
  return (
    <table className="small-table" data-testid="lakeside-compacted">
      <thead>
        <tr>
          <th>File</th>
          <th>Partition</th>
          <th>Rows</th>
          <th>Size</th>
        </tr>
      </thead>
      <tbody>
        {details.compacted.map((f) => (
          <tr key={f.path} data-testid="lakeside-compacted-row">
            <td className="path" title={f.path}>
              {f.path.slice(f.path.lastIndexOf('/') + 1)}
            </td>
            <td>{f.partition ?? ''}</td>
            <td className="num">{formatCount(f.rowCount)}</td>
            <td className="num">{formatBytes(f.size)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Reconcile({ report }: { report: LakesideReconcileReport }) {
  if (report.orphans.length === 0 && report.missing.length === 0) {
    return <p data-testid="lakeside-reconcile-clean">The log and parquet/ agree: no orphans, nothing missing.</p>;
  }
  return (
    <div data-testid="lakeside-reconcile">
      {report.missing.length > 0 && (
        <>
          <h4 className="warn">Missing: live in the log, gone from the bucket (their rows are lost)</h4>
          <ul data-testid="lakeside-missing">
            {report.missing.map((m) => (
              <li key={m.key} className="path">
                {m.key}
              </li>
            ))}
          </ul>
        </>
      )}
      {report.orphans.length > 0 && (
        <>
          <h4>Orphans: {formatBytes(report.bytes)} safe to delete</h4>
          <table className="small-table" data-testid="lakeside-orphans">
            <tbody>
              {report.orphans.map((o) => (
                <tr key={o.key}>
                  <td className="path">{o.key}</td>
                  <td>{ORPHAN_REASONS[o.reason]}</td>
                  <td className="num">{formatBytes(o.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

export function LakesideView({ table, connectionId }: { table: FoundTable; connectionId?: string }) {
  const { summary, error, loading, load } = useLakeside();
  const [tab, setTab] = useState<LakesideTab>('history');
  useEffect(() => void load(table.location, connectionId), [table.location, connectionId, load]);
  useReloadAfterRuns(table.location, () => void load(table.location, connectionId, true));
  const shown = summary?.location === table.location ? summary : undefined;
  const name = sqlName(table.name);
  const staged = shown?.staging.reduce((n, p) => n + p.files, 0) ?? 0;
  const problems = shown ? shown.reconcile.orphans.length + shown.reconcile.missing.length : 0;
  return (
    <div data-testid="lakeside-view">
      <div className="row">
        <p className="muted" data-testid="lakeside-summary">
          {shown
            ? `Lakeside bucket: ${countOf(shown.rows.realTime, 'row')} in real time (${formatCount(shown.rows.compacted)} compacted + ${formatCount(shown.rows.staged)} staged), ` +
              `${formatCount(shown.logEntries)} log ${shown.logEntries === 1 ? 'entry' : 'entries'}, ${countOf(shown.compacted.length, 'compacted file')}, ${countOf(staged, 'staged file')}` +
              (problems ? `, ${countOf(problems, 'reconcile finding')}` : '')
            : loading
              ? 'Loading…'
              : ''}
        </p>
        <span className="spacer" />
        <button
          onClick={() => void queryInNewTab(name, `SELECT * FROM ${quoteIdent(name)}`, { name, location: table.location, connectionId })}
          title={`Open a SQL tab on the real-time view (compacted + staged); also ${name}_compacted and ${name}_staging`}
          data-testid="lakeside-query"
        >
          Query
        </button>
        <button onClick={() => void load(table.location, connectionId, true)} data-testid="lakeside-refresh" title="Read the bucket again">
          Refresh
        </button>
      </div>
      {error && <p className="status-error">{error}</p>}
      <BucketTabs<LakesideTab> tabs={TABS} tab={tab} setTab={setTab} prefix="lakeside" />
      {shown && tab === 'history' && <History details={shown} />}
      {shown && tab === 'staging' && <Staging details={shown} />}
      {shown && tab === 'compacted' && <Compacted details={shown} />}
      {shown && tab === 'reconcile' && <Reconcile report={shown.reconcile} />}
      {tab === 'maintenance' && <MaintenancePanel table={table} connectionId={connectionId} />}
    </div>
  );
}
