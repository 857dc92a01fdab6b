/** A table's maintenance log: every run with status, versions and files before → after; a click shows its report. */
import type { MaintenanceLogEntry } from '../../../core/api/workbench';
import { summarizeMaintenance } from '../../../core/api/maintenance-details';
import { formatDate, formatDuration } from '../logic/format';
import { SmallTable } from './SmallTable';

function beforeAfter(before: number | null, after: number | null): string {
  if (before === null && after === null) return '–';
  return before === after ? String(before) : `${before ?? '?'} → ${after ?? '?'}`;
}

const STATUS_CLASS: Record<string, string> = { ok: 'ok', problems: 'warn', failed: 'status-error', cancelled: 'muted' };

export function MaintenanceLog({ log, selectedId, onSelect }: { log: MaintenanceLogEntry[]; selectedId?: number; onSelect(id?: number): void }) {
  if (log.length === 0) return <p className="muted">No maintenance has run on this table yet.</p>;
  return (
    <SmallTable<MaintenanceLogEntry>
      className="mt-log"
      testId="mt-log"
      rows={log}
      rowKey={(e) => e.id}
      rowProps={(e) => ({
        className: e.id === selectedId ? 'selected' : '',
        onClick: () => onSelect(e.id === selectedId ? undefined : e.id),
        title: summarizeMaintenance(e),
        'data-testid': 'mt-log-row',
        'data-operation': e.operation,
        'data-status': e.status,
      })}
      columns={[
        { header: 'When', cell: (e) => formatDate(e.executedAt) },
        {
          header: 'Operation',
          cell: (e) => (
            <>
              {e.operation}
              {e.dryRun && <span className="badge">plan</span>}
            </>
          ),
        },
        { header: 'Status', className: (e) => STATUS_CLASS[e.status] ?? '', cell: (e) => e.status },
        { header: 'Versions', headerTitle: 'Versions readable from the log, before → after', cell: (e) => beforeAfter(e.snapshotsBefore, e.snapshotsAfter) },
        { header: 'Files', headerTitle: 'Live files at the latest version, before → after', cell: (e) => beforeAfter(e.filesBefore, e.filesAfter) },
        { header: 'Took', cell: (e) => formatDuration(e.durationMs) },
      ]}
    />
  );
}
