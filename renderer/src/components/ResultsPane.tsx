/**
 * The active tab's result: status line (rows, timing), export, error, the filter bar, and the grid with
 * its value viewer and column explorer beside it.
 */
import { useState } from 'react';
import { api, errorMessage } from '../api/client';
import { countOf, formatCount, formatDuration } from '../logic/format';
import { sqlErrorSummary } from '../logic/sql-error-position';
import { unpin } from '../stores/actions';
import { activeTab, useEditor } from '../stores/editor';
import { useJobs } from '../stores/jobs';
import { useResults, type QueryRun } from '../stores/results';
import { useGridLayout, storedLayout } from '../stores/grid-layout';
import { ColumnExplorer } from './ColumnExplorer';
import { FilterBar } from './FilterBar';
import { ResultsGrid } from './ResultsGrid';
import { ValueViewer } from './ValueViewer';

const EXPORT_FORMATS = ['csv', 'parquet', 'json'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Saves the result as a file of the user's: in Electron through the native save dialog (the engine writes
 * the chosen path, as a job), in the browser as a download the server streams (the page cannot see the disk).
 */
async function exportRun(run: QueryRun, format: ExportFormat, setError: (error: string | undefined) => void): Promise<void> {
  const client = api();
  const sort = run.sort.length ? run.sort : undefined;
  setError(undefined);
  try {
    if (client.downloadExport) {
      client.downloadExport({ queryId: run.queryId, format, sort });
      return useJobs.getState().setOpen(true); // the server's export job shows there until the download starts
    }
    const path = await client.pickSavePath?.({ defaultName: `result.${format}` });
    if (path) useJobs.getState().track(await client.exportResult({ queryId: run.queryId, format, path, sort, overwrite: true }));
  } catch (e) {
    setError(`Export failed: ${errorMessage(e)}`);
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

interface OpenValue {
  queryId: string;
  row: number;
  col: number;
  value: unknown;
}

/** The grid with what opens beside it: the focused value's viewer and the column explorer. */
function ResultBody({ run, tabId, explorerOpen, onFilterColumn }: { run: QueryRun; tabId: string; explorerOpen: boolean; onFilterColumn(column: string): void }) {
  const setSort = useResults((s) => s.setSort);
  const setFilters = useResults((s) => s.setFilters);
  const [viewed, setViewed] = useState<OpenValue>();
  const names = run.columns.map((c) => c.name);
  const visibility = useGridLayout((s) => storedLayout(s.byTab, tabId, names)?.visibility);
  const change = useGridLayout((s) => s.change);
  const shownValue = viewed?.queryId === run.queryId ? viewed : undefined;
  return (
    <div className="results-body">
        <ResultsGrid
          run={run}
          tabId={tabId}
          onSort={(sort) => setSort(tabId, sort)}
          onFilterColumn={onFilterColumn}
          onOpenValue={(row, col, value) => setViewed({ queryId: run.queryId, row, col, value })}
        />
        {shownValue && <ValueViewer column={run.columns[shownValue.col]} row={shownValue.row} value={shownValue.value} onClose={() => setViewed(undefined)} />}
        {explorerOpen && (
          <ColumnExplorer
            queryId={run.queryId}
            isVisible={(i) => visibility?.[`${i}`] !== false}
            setVisible={(i, visible) => change(tabId, names, 'visibility', (old) => ({ ...old, [`${i}`]: visible }))}
            addFilters={(filters) => void setFilters(tabId, [...run.filters, ...filters])}
          />
        )}
    </div>
  );
}

export function ResultsPane() {
  const tab = useEditor((s) => activeTab(s));
  const run = useResults((s) => s.byTab[tab.id]);
  const [explorerOpen, setExplorerOpen] = useState(false);
  const [draftColumn, setDraftColumn] = useState<string>();
  const [exportError, setExportError] = useState<string>();
  const setFilters = useResults((s) => s.setFilters);
  const names = run?.columns.map((c) => c.name) ?? [];
  const exactNumbers = useGridLayout((s) => storedLayout(s.byTab, tab.id, names)?.exactNumbers ?? false);
  const change = useGridLayout((s) => s.change);
  if (!run) return <div className="results empty">Run a query with Ctrl+Enter (⌘+Enter): the statement under the cursor, or the selection.</div>;
  const pinned = run.bindings.filter((b) => b.version !== undefined || b.asOf !== undefined);
  return (
    <div className="results" data-testid="results" data-query-id={run.queryId}>
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
        {run.status === 'done' && (
          <>
            <label className="results-toggle" title="Show doubles with every digit instead of rounded to 12 significant digits">
              <input type="checkbox" checked={exactNumbers} onChange={(e) => change(tab.id, names, 'exactNumbers', e.target.checked)} data-testid="exact-numbers" />
              Exact numbers
            </label>
            <button className={explorerOpen ? 'on' : ''} onClick={() => setExplorerOpen(!explorerOpen)} aria-pressed={explorerOpen} data-testid="toggle-column-explorer">
              Columns
            </button>
            {EXPORT_FORMATS.map((format) => (
              <button key={format} onClick={() => void exportRun(run, format, setExportError)} data-testid={`export-${format}`}>
                Export {format.toUpperCase()}
              </button>
            ))}
            {exportError && (
              <span className="status-error" data-testid="export-error">
                {exportError}
              </span>
            )}
          </>
        )}
      </div>
      {/* Kept while a filtered run is running or failed, so that a filter can always be removed again. */}
      {(run.status === 'done' || run.filters.length > 0) && (
        <FilterBar
          columns={run.columns}
          filters={run.filters}
          baseSql={run.baseSql}
          draftColumn={draftColumn}
          onDraftDone={() => setDraftColumn(undefined)}
          setFilters={(filters) => void setFilters(tab.id, filters)}
        />
      )}
      {run.status === 'error' || run.status === 'cancelled' ? (
        <pre className="results-error" data-testid="result-error">
          {run.status === 'cancelled' ? 'The query was cancelled.' : sqlErrorSummary(run.error ?? '')}
        </pre>
      ) : run.status === 'done' ? (
        <ResultBody run={run} tabId={tab.id} explorerOpen={explorerOpen} onFilterColumn={setDraftColumn} />
      ) : (
        <div className="results empty">
          <span className="spinner" /> Running…
        </div>
      )}
    </div>
  );
}
