/** A table's maintenance log: every run with status, versions and files before → after; a click shows its report. */
import type { MaintenanceLogEntry } from '../../../core/api/workbench';
import { summarizeMaintenance } from '../../../core/api/maintenance-details';
import { formatDate, formatDuration } from '../logic/format';
import { SmallTable } from './SmallTable';

function beforeAfter<T extends number | string>(before: T | null, after: T | null, show: (value: T) => string = String): string {
  if (before === null && after === null) return '–';
  const shown = (value: T | null) => (value === null ? '?' : show(value));
  return before === after ? shown(before) : `${shown(before)} → ${shown(after)}`;
}

/** A version as the cell has room for it: Iceberg's 19-digit snapshot ids by their last digits (the cell's tooltip has them whole). */
const shortVersion = (version: string): string => (version.length > 8 ? `…${version.slice(-6)}` : `v${version}`);

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
        {
          header: 'Version',
          headerTitle: 'The current version (Iceberg: snapshot id), before → after',
          className: 'nowrap',
          title: (e) => beforeAfter(e.versionBefore, e.versionAfter),
          cell: (e) => beforeAfter(e.versionBefore, e.versionAfter, shortVersion),
        },
        { header: 'Versions', headerTitle: 'Versions kept (Iceberg: snapshots), before → after', cell: (e) => beforeAfter(e.snapshotsBefore, e.snapshotsAfter) },
        { header: 'Files', headerTitle: 'Live files at the latest version, before → after', cell: (e) => beforeAfter(e.filesBefore, e.filesAfter) },
        { header: 'Took', cell: (e) => formatDuration(e.durationMs) },
      ]}
    />
  );
}
