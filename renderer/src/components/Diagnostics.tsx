/**
 * Diagnostics: the `lakebench doctor` report in the app. Opened from Help, or by itself — and then not
 * dismissable — when the engine cannot start, so the user reads what is wrong and what to do.
 */
import { useEffect } from 'react';
import type { DoctorReport } from '../../../core/api/doctor';
import { formatBytes } from '../logic/format';
import { useDiagnostics } from '../stores/diagnostics';

function Report({ report }: { report: DoctorReport }) {
  const { runtime, catalog, cache } = report;
  const rows: Array<[string, string]> = [
    ['Lakebench', report.lakebench],
    ['Runtime', `Node ${runtime.node}${runtime.electron ? ` · Electron ${runtime.electron}` : ''} · ${runtime.platform}-${runtime.arch} · ABI ${runtime.abi}`],
    ...report.nativeModules.map((m): [string, string] => [
      m.name,
      `${m.ok ? `ok${m.version ? ` (${m.version})` : ''}` : `failed: ${m.error}`}${m.loadedFrom ? ` — ${m.loadedFrom}` : ''}`,
    ]),
    ...(report.duckdb
      ? [['DuckDB', `${report.duckdb.version}; loaded: ${report.duckdb.extensions.filter((e) => e.loaded).map((e) => e.name).join(', ')}`] as [string, string]]
      : []),
    ['Catalog', `${catalog.path}${catalog.exists ? (catalog.migrationLevel !== undefined ? ` (migration ${catalog.migrationLevel} of ${catalog.latestMigration})` : '') : ' (not created yet)'}`],
    ['Cache', `${cache.path}: ${cache.files} files, ${formatBytes(cache.bytes)} of ${formatBytes(cache.budgetBytes)}`],
    ['AWS', report.aws.length === 0 ? 'no settings seen' : report.aws.map((a) => `${a.name}=${a.value}`).join(' · ')],
  ];
  return (
    <>
      {report.problems.length > 0 ? (
        <ul className="problems" data-testid="diagnostics-problems">
          {report.problems.map((p) => (
            <li key={p.what}>
              <span className="status-error">{p.what}</span>
              <br />
              <span className="muted">What to do: {p.fix}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="status-ok">No problems found.</p>
      )}
      <table className="small-table" data-testid="diagnostics-report">
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th>{label}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function Diagnostics() {
  const { open, loading, report, error, engineUnavailable, close } = useDiagnostics();
  useEffect(() => {
    if (!open || engineUnavailable) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, engineUnavailable, close]);
  if (!open) return null;
  return (
    <div className="overlay" onClick={engineUnavailable ? undefined : close} data-testid="diagnostics">
      <div className="dialog wide" role="dialog" aria-label="Diagnostics" onClick={(e) => e.stopPropagation()}>
        <h3>{engineUnavailable ? 'The engine cannot start' : 'Diagnostics'}</h3>
        {engineUnavailable && <p className="status-error">{engineUnavailable}</p>}
        {loading && <p className="muted">Checking…</p>}
        {error && <p className="status-error">{error}</p>}
        {report && <Report report={report} />}
        <div className="row">
          {report && (
            <button onClick={() => void navigator.clipboard?.writeText(JSON.stringify(report, null, 2))} title="The report as JSON, secrets masked">
              Copy report
            </button>
          )}
          {engineUnavailable ? <button onClick={() => window.location.reload()}>Reload</button> : <button onClick={close}>Close</button>}
        </div>
      </div>
    </div>
  );
}
