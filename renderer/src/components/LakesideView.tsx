/**
 * A Lakeside bucket: its `_lakeside_log` history, the staging area per partition (records not compacted
 * yet), the compacted Parquet files live in the log, the reconcile report (what the log and `parquet/`
 * disagree on), a Query action for the real-time view, and the Maintenance panel (verify, and
 * compact-staging into the bucket's own Lakeside layout).
 */
import { useEffect, useState } from 'react';
import type { FoundTable, HistoryEntry, LakesideCompactedFile, LakesideReconcileReport, LakesideStagingPartition } from '../../../core/api/workbench';
import { quoteIdent } from '../../../core/sql-text';
import { countOf, formatBytes, formatCount, formatDate } from '../logic/format';
import { queryInNewTab, sqlName } from '../stores/bucket-query';
import { useLakeside, type LakesideDetails } from '../stores/lakeside';
import { BucketHead, useReloadAfterRuns } from './BucketParts';
import { MaintenancePanel } from './MaintenancePanel';
import { SmallTable } from './SmallTable';
import { TabBar } from './TabBar';

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
    <SmallTable<LakesideStagingPartition>
      testId="lakeside-staging"
      rows={details.staging}
      rowKey={(p) => p.partition}
      rowProps={() => ({ 'data-testid': 'lakeside-staging-row' })}
      columns={[
        { header: 'Partition', cell: (p) => p.partition || '(outside partition folders)' },
        { header: 'Files', className: 'num', cell: (p) => formatCount(p.files) },
        { header: 'Bytes', className: 'num', cell: (p) => formatBytes(p.bytes) },
        { header: 'Records', className: 'num', cell: (p) => formatCount(p.records) },
      ]}
    />
  );
}

function Compacted({ details }: { details: LakesideDetails }) {
  if (details.compacted.length === 0) return <p className="muted">No compacted files live in the log.</p>;
  return (
    <SmallTable<LakesideCompactedFile>
      testId="lakeside-compacted"
      rows={details.compacted}
      rowKey={(f) => f.path}
      rowProps={() => ({ 'data-testid': 'lakeside-compacted-row' })}
      columns={[
        { header: 'File', className: 'path', title: (f) => f.path, cell: (f) => f.path.slice(f.path.lastIndexOf('/') + 1) },
        { header: 'Partition', cell: (f) => f.partition ?? '' },
        { header: 'Rows', className: 'num', cell: (f) => formatCount(f.rowCount) },
        { header: 'Size', className: 'num', cell: (f) => formatBytes(f.size) },
      ]}
    />
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
          <SmallTable<LakesideReconcileReport['orphans'][number]>
            testId="lakeside-orphans"
            rows={report.orphans}
            rowKey={(o) => o.key}
            columns={[
              { className: 'path', cell: (o) => o.key },
              { cell: (o) => ORPHAN_REASONS[o.reason] },
              { className: 'num', cell: (o) => formatBytes(o.size) },
            ]}
          />
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
      <BucketHead
        prefix="lakeside"
        summary={
          shown &&
          `Lakeside bucket: ${countOf(shown.rows.realTime, 'row')} in real time (${formatCount(shown.rows.compacted)} compacted + ${formatCount(shown.rows.staged)} staged), ` +
            `${formatCount(shown.logEntries)} log ${shown.logEntries === 1 ? 'entry' : 'entries'}, ${countOf(shown.compacted.length, 'compacted file')}, ${countOf(staged, 'staged file')}` +
            (problems ? `, ${countOf(problems, 'reconcile finding')}` : '')
        }
        loading={loading}
        error={error}
        refresh={() => void load(table.location, connectionId, true)}
        refreshTitle="Read the bucket again"
      >
        <button
          onClick={() => void queryInNewTab(name, `SELECT * FROM ${quoteIdent(name)}`, { name, location: table.location, connectionId })}
          title={`Open a SQL tab on the real-time view (compacted + staged); also ${name}_compacted and ${name}_staging`}
          data-testid="lakeside-query"
        >
          Query
        </button>
      </BucketHead>
      <TabBar<LakesideTab> tabs={TABS} tab={tab} setTab={setTab} prefix="lakeside" />
      {shown && tab === 'history' && <History details={shown} />}
      {shown && tab === 'staging' && <Staging details={shown} />}
      {shown && tab === 'compacted' && <Compacted details={shown} />}
      {shown && tab === 'reconcile' && <Reconcile report={shown.reconcile} />}
      {tab === 'maintenance' && <MaintenancePanel table={table} connectionId={connectionId} />}
    </div>
  );
}
