/**
 * A LakeSync bucket: its tables as the SQL views resolve them (a Query action per table, optionally as of
 * a delta file's max HLC), its flushed delta files with their HLC ranges, its materialised current states,
 * and the Maintenance panel (verify).
 */
import { useEffect, useState } from 'react';
import type { FoundTable, LakeSyncSummary } from '../../../core/api/workbench';
import { quoteIdent } from '../../../core/sql-text';
import { countOf, formatBytes, formatCount, formatDate } from '../logic/format';
import { queryInNewTab, sqlName } from '../stores/bucket-query';
import { useLakeSync } from '../stores/lakesync';
import { BucketTabs, useReloadAfterRuns } from './BucketParts';
import { MaintenancePanel } from './MaintenancePanel';

const TABS = ['tables', 'files', 'materialised', 'maintenance'] as const;
type LakeSyncTab = (typeof TABS)[number];

/** The points time travel can stop at: each delta file's max HLC (distinct, oldest first). */
function asOfPoints(summary: LakeSyncSummary): { hlc: string; time: string }[] {
  const points = new Map(summary.files.map((f) => [f.maxHlc, f.maxTime]));
  return [...points].map(([hlc, time]) => ({ hlc, time })); // files come ordered by max HLC
}

function Tables({ table, connectionId, summary }: { table: FoundTable; connectionId?: string; summary: LakeSyncSummary }) {
  const [asOf, setAsOf] = useState('');
  const points = asOfPoints(summary);
  const shownAt = points.find((p) => p.hlc === asOf)?.time;
  const query = (name: string) =>
    void queryInNewTab(shownAt ? `${name} @ ${shownAt}` : name, `SELECT * FROM ${quoteIdent(name)} ORDER BY "rowId"`, {
      name: sqlName(table.name),
      location: table.location,
      connectionId,
      ...(asOf && { hlc: asOf }),
    });
  return (
    <>
      <label className="mt-field">
        Query as of
        <select value={asOf} onChange={(e) => setAsOf(e.target.value)} data-testid="lakesync-as-of" title="The state after the deltas up to a delta file's max HLC">
          <option value="">latest</option>
          {points.map((p) => (
            <option key={p.hlc} value={p.hlc}>
              {p.time}
            </option>
          ))}
        </select>
      </label>
      <table className="small-table" data-testid="lakesync-tables">
        <thead>
          <tr>
            <th>Table</th>
            <th>Rows</th>
            <th>Columns</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {summary.tables.map((t) => (
            <tr key={t.name} data-testid="lakesync-table-row">
              <td>{t.name}</td>
              <td className="num" data-testid="lakesync-rows">
                {formatCount(t.rows)}
              </td>
              <td className="muted" title={t.columns.map((c) => `${c.name} ${c.type}`).join('\n')}>
                {t.columns.map((c) => c.name).join(', ')}
              </td>
              <td>
                <button onClick={() => query(t.name)} data-testid="lakesync-query" title="Open a SQL tab on this table (as of the time chosen above)">
                  Query
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** An HLC's wall time without the date when it is the file's date folder (the usual case), to keep rows short. */
function timeOfDay(time: string, date: string): string {
  return time.startsWith(`${date}T`) ? time.slice(date.length + 1) : time;
}

function Files({ summary }: { summary: LakeSyncSummary }) {
  return (
    <table className="small-table" data-testid="lakesync-files">
      <thead>
        <tr>
          <th>Date</th>
          <th>Gateway</th>
          <th>Table</th>
          <th>HLC wall time from → to (+counter)</th>
          <th>Deltas</th>
          <th>Size</th>
        </tr>
      </thead>
      <tbody>
        {summary.files.map((f) => (
          <tr key={f.key} title={`${f.key}\nHLC ${f.minHlc} → ${f.maxHlc}`} data-testid="lakesync-file-row">
            <td className="nowrap">{f.date}</td>
            <td>{f.gateway}</td>
            <td>{f.table ?? ''}</td>
            <td className="muted nowrap">
              {timeOfDay(f.minTime, f.date)}
              {f.maxHlc !== f.minHlc && ` → ${timeOfDay(f.maxTime, f.date)}`}
            </td>
            <td className="num">{formatCount(f.deltas)}</td>
            <td className="num">{formatBytes(f.size)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Materialised({ summary }: { summary: LakeSyncSummary }) {
  if (summary.materialised.length === 0) return <p className="muted">No materialised current states: every table is resolved from its deltas alone.</p>;
  return (
    <table className="small-table" data-testid="lakesync-materialised">
      <thead>
        <tr>
          <th>Table</th>
          <th>Object</th>
          <th>Size</th>
          <th>Modified</th>
        </tr>
      </thead>
      <tbody>
        {summary.materialised.map((m) => (
          <tr key={m.key}>
            <td>{m.table}</td>
            <td className="path">{m.key}</td>
            <td className="num">{formatBytes(m.size)}</td>
            <td className="muted">{formatDate(m.lastModified)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function LakeSyncView({ table, connectionId }: { table: FoundTable; connectionId?: string }) {
  const { summary, error, loading, load } = useLakeSync();
  const [tab, setTab] = useState<LakeSyncTab>('tables');
  useEffect(() => void load(table.location, connectionId), [table.location, connectionId, load]);
  useReloadAfterRuns(table.location, () => void load(table.location, connectionId, true));
  const shown = summary?.location === table.location ? summary : undefined;
  const deltas = shown?.files.reduce((n, f) => n + f.deltas, 0) ?? 0;
  return (
    <div data-testid="lakesync-view">
      <div className="row">
        <p className="muted" data-testid="lakesync-summary">
          {shown
            ? `LakeSync bucket: ${countOf(shown.tables.length, 'table')}, ${countOf(shown.files.length, 'delta file')} (${countOf(deltas, 'delta')}), ${countOf(shown.materialised.length, 'materialised state')}`
            : loading
              ? 'Loading…'
              : ''}
        </p>
        <span className="spacer" />
        <button onClick={() => void load(table.location, connectionId, true)} data-testid="lakesync-refresh" title="Read the bucket again">
          Refresh
        </button>
      </div>
      {error && <p className="status-error">{error}</p>}
      <BucketTabs<LakeSyncTab> tabs={TABS} tab={tab} setTab={setTab} prefix="lakesync" />
      {shown && tab === 'tables' && <Tables table={table} connectionId={connectionId} summary={shown} />}
      {shown && tab === 'files' && <Files summary={shown} />}
      {shown && tab === 'materialised' && <Materialised summary={shown} />}
      {tab === 'maintenance' && <MaintenancePanel table={table} connectionId={connectionId} />}
    </div>
  );
}
