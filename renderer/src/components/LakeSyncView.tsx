/**
 * A LakeSync bucket: its tables as the SQL views resolve them (a Query action per table, optionally as of
 * a delta file's max HLC), its flushed delta files with their HLC ranges, its materialised current states,
 * and the Maintenance panel (verify).
 */
import { useEffect, useState } from 'react';
import type { FoundTable, LakeSyncDeltaFile, LakeSyncMaterialisedState, LakeSyncSummary, LakeSyncTableSummary } from '../../../core/api/workbench';
import { quoteIdent } from '../../../core/sql-text';
import { countOf, formatBytes, formatCount, formatDate } from '../logic/format';
import { queryInNewTab, sqlName } from '../stores/bucket-query';
import { useLakeSync } from '../stores/lakesync';
import { BucketHead, useReloadAfterRuns } from './BucketParts';
import { MaintenancePanel } from './MaintenancePanel';
import { SmallTable } from './SmallTable';
import { TabBar } from './TabBar';

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
      ...(asOf && { version: asOf, label: shownAt }),
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
      <SmallTable<LakeSyncTableSummary>
        testId="lakesync-tables"
        rows={summary.tables}
        rowKey={(t) => t.name}
        rowProps={() => ({ 'data-testid': 'lakesync-table-row' })}
        columns={[
          { header: 'Table', cell: (t) => t.name },
          { header: 'Rows', className: 'num', cell: (t) => <span data-testid="lakesync-rows">{formatCount(t.rows)}</span> },
          { header: 'Columns', className: 'muted', title: (t) => t.columns.map((c) => `${c.name} ${c.type}`).join('\n'), cell: (t) => t.columns.map((c) => c.name).join(', ') },
          {
            cell: (t) => (
              <button onClick={() => query(t.name)} data-testid="lakesync-query" title="Open a SQL tab on this table (as of the time chosen above)">
                Query
              </button>
            ),
          },
        ]}
      />
    </>
  );
}

/** An HLC's wall time without the date when it is the file's date folder (the usual case), to keep rows short. */
function timeOfDay(time: string, date: string): string {
  return time.startsWith(`${date}T`) ? time.slice(date.length + 1) : time;
}

function Files({ summary }: { summary: LakeSyncSummary }) {
  return (
    <SmallTable<LakeSyncDeltaFile>
      testId="lakesync-files"
      rows={summary.files}
      rowKey={(f) => f.key}
      rowProps={(f) => ({ title: `${f.key}\nHLC ${f.minHlc} → ${f.maxHlc}`, 'data-testid': 'lakesync-file-row' })}
      columns={[
        { header: 'Date', className: 'nowrap', cell: (f) => f.date },
        { header: 'Gateway', cell: (f) => f.gateway },
        { header: 'Table', cell: (f) => f.table ?? '' },
        {
          header: 'HLC wall time from → to (+counter)',
          className: 'muted nowrap',
          cell: (f) => `${timeOfDay(f.minTime, f.date)}${f.maxHlc !== f.minHlc ? ` → ${timeOfDay(f.maxTime, f.date)}` : ''}`,
        },
        { header: 'Deltas', className: 'num', cell: (f) => formatCount(f.deltas) },
        { header: 'Size', className: 'num', cell: (f) => formatBytes(f.size) },
      ]}
    />
  );
}

function Materialised({ summary }: { summary: LakeSyncSummary }) {
  if (summary.materialised.length === 0) return <p className="muted">No materialised current states: every table is resolved from its deltas alone.</p>;
  return (
    <SmallTable<LakeSyncMaterialisedState>
      testId="lakesync-materialised"
      rows={summary.materialised}
      rowKey={(m) => m.key}
      columns={[
        { header: 'Table', cell: (m) => m.table },
        { header: 'Object', className: 'path', cell: (m) => m.key },
        { header: 'Size', className: 'num', cell: (m) => formatBytes(m.size) },
        { header: 'Modified', className: 'muted', cell: (m) => formatDate(m.lastModified) },
      ]}
    />
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
      <BucketHead
        prefix="lakesync"
        summary={
          shown &&
          `LakeSync bucket: ${countOf(shown.tables.length, 'table')}, ${countOf(shown.files.length, 'delta file')} (${countOf(deltas, 'delta')}), ${countOf(shown.materialised.length, 'materialised state')}`
        }
        loading={loading}
        error={error}
        refresh={() => void load(table.location, connectionId, true)}
        refreshTitle="Read the bucket again"
      />
      <TabBar<LakeSyncTab> tabs={TABS} tab={tab} setTab={setTab} prefix="lakesync" />
      {shown && tab === 'tables' && <Tables table={table} connectionId={connectionId} summary={shown} />}
      {shown && tab === 'files' && <Files summary={shown} />}
      {shown && tab === 'materialised' && <Materialised summary={shown} />}
      {tab === 'maintenance' && <MaintenancePanel table={table} connectionId={connectionId} />}
    </div>
  );
}
