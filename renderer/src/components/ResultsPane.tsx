/** The active tab's result: status line (rows, timing), export, error, and the grid. */
import { api, errorMessage } from '../api/client';
import { countOf, formatCount, formatDuration } from '../logic/format';
import { sqlErrorSummary } from '../logic/sql-error-position';
import { unpin } from '../stores/actions';
import { activeTab, useEditor } from '../stores/editor';
import { useJobs } from '../stores/jobs';
import { useResults, type QueryRun } from '../stores/results';
import { ResultsGrid } from './ResultsGrid';

const EXPORT_FORMATS = ['csv', 'parquet', 'json'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Where to write: the native save dialog in Electron, a path prompt in the browser (it cannot see the disk). */
async function askExportPath(format: ExportFormat): Promise<string | undefined> {
  const defaultName = `result.${format}`;
  const client = api();
  if (client.pickSavePath) return client.pickSavePath({ defaultName });
  return window.prompt(`Export the result as ${format.toUpperCase()} to this path on the engine's machine:`, `/tmp/${defaultName}`) ?? undefined;
}

async function exportRun(run: QueryRun, format: ExportFormat): Promise<void> {
  const path = await askExportPath(format);
  if (!path) return;
  try {
    const job = await api().exportResult({ queryId: run.queryId, format, path, sort: run.sort.length ? run.sort : undefined });
    useJobs.getState().track(job);
  } catch (e) {
    window.alert(`Export failed: ${errorMessage(e)}`);
  }
}

function StatusLine({ run }: { run: QueryRun }) {
  const total = run.rows?.totalRows;
  const loaded = run.rows?.loadedRowCount ?? 0;
  const shown =
    total !== undefined ? countOf(total, 'row') : loaded > 0 ? `${formatCount(loaded)}+ rows` : 'fetching rows…';
  switch (run.status) {
    case 'running':
      return <span data-testid="result-status">Running…</span>;
    case 'cancelled':
      return <span data-testid="result-status">Cancelled after {formatDuration(run.elapsedMs)}</span>;
    case 'error':
      return <span data-testid="result-status" className="status-error">Failed after {formatDuration(run.elapsedMs)}</span>;
    case 'done':
      return (
        <span data-testid="result-status" title={`engine: first rows after ${formatDuration(run.engineFirstChunkMs)}`}>
          <span data-testid="result-rowcount">{shown}</span> · {formatDuration(run.elapsedMs)}
        </span>
      );
  }
}

export function ResultsPane() {
  const tab = useEditor((s) => activeTab(s));
  const run = useResults((s) => s.byTab[tab.id]);
  const setSort = useResults((s) => s.setSort);
  if (!run) return <div className="results empty">Run a query with Ctrl+Enter (⌘+Enter): the statement under the cursor, or the selection.</div>;
  const pinned = run.bindings.filter((b) => b.version !== undefined || b.asOf !== undefined);
  return (
    <div className="results" data-testid="results">
      <div className="results-bar">
        <StatusLine run={run} />
        {pinned.map((b) => (
          <span key={b.name} className="pin">
            <span className="badge" data-testid="pinned-version">
              {b.name}@{b.label ?? b.version ?? b.asOf}
            </span>
            <button className="link" onClick={() => void unpin(b.name)} title={`Query ${b.name} at its latest version again`} data-testid="unpin">
              {b.label ?? b.version ?? b.asOf} — back to latest
            </button>
          </span>
        ))}
        <span className="spacer" />
        {run.status === 'done' &&
          EXPORT_FORMATS.map((format) => (
            <button key={format} onClick={() => void exportRun(run, format)} data-testid={`export-${format}`}>
              Export {format.toUpperCase()}
            </button>
          ))}
      </div>
      {run.status === 'error' || run.status === 'cancelled' ? (
        <pre className="results-error" data-testid="result-error">
          {run.status === 'cancelled' ? 'The query was cancelled.' : sqlErrorSummary(run.error ?? '')}
        </pre>
      ) : run.status === 'done' ? (
        <ResultsGrid run={run} onSort={(sort) => setSort(tab.id, sort)} />
      ) : (
        <div className="results empty">
          <span className="spinner" /> Running…
        </div>
      )}
    </div>
  );
}
