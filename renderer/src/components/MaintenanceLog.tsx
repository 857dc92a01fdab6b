/** A table's maintenance log: every run with status, versions and files before → after; a click shows its report. */
import type { MaintenanceLogEntry } from '../../../core/api/workbench';
import { summarizeMaintenance } from '../../../core/api/maintenance-details';
import { formatDate, formatDuration } from '../logic/format';

function beforeAfter(before: number | null, after: number | null): string {
  if (before === null && after === null) return '–';
  return before === after ? String(before) : `${before ?? '?'} → ${after ?? '?'}`;
}

const STATUS_CLASS: Record<string, string> = { ok: 'ok', problems: 'warn', failed: 'status-error', cancelled: 'muted' };

export function MaintenanceLog({ log, selectedId, onSelect }: { log: MaintenanceLogEntry[]; selectedId?: number; onSelect(id?: number): void }) {
  if (log.length === 0) return <p className="muted">No maintenance has run on this table yet.</p>;
  return (
    <table className="small-table mt-log" data-testid="mt-log">
      <thead>
        <tr>
          <th>When</th>
          <th>Operation</th>
          <th>Status</th>
          <th title="Versions readable from the log, before → after">Versions</th>
          <th title="Live files at the latest version, before → after">Files</th>
          <th>Took</th>
        </tr>
      </thead>
      <tbody>
        {log.map((e) => (
          <tr
            key={e.id}
            className={e.id === selectedId ? 'selected' : ''}
            onClick={() => onSelect(e.id === selectedId ? undefined : e.id)}
            title={summarizeMaintenance(e)}
            data-testid="mt-log-row"
            data-operation={e.operation}
            data-status={e.status}
          >
            <td>{formatDate(e.executedAt)}</td>
            <td>
              {e.operation}
              {e.dryRun && <span className="badge">plan</span>}
            </td>
            <td className={STATUS_CLASS[e.status]}>{e.status}</td>
            <td>{beforeAfter(e.snapshotsBefore, e.snapshotsAfter)}</td>
            <td>{beforeAfter(e.filesBefore, e.filesAfter)}</td>
            <td>{formatDuration(e.durationMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
