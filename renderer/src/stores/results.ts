/**
 * Query runs and their results, one per editor tab. The engine holds each result (queryStart /
 * queryPage); the grid reads rows through a RowWindow, so only a window of a large result is here.
 */
import { create } from 'zustand';
import type { QuerySort, ResultColumn } from '../../../core/api/workbench';
import type { TabBinding } from './editor';
import { api, errorMessage } from '../api/client';
import { markRun } from '../logic/perf-marks';
import { RowWindow } from '../logic/row-window';
import { filteredSql, type ResultFilter } from '../logic/result-filters';

/** Rows per queryPage call: one screenful is ~40 rows; bigger pages mean fewer round trips while scrolling. */
const ROWS_PER_PAGE = 1000;

export type RunStatus = 'running' | 'done' | 'error' | 'cancelled';

export interface QueryRun {
  queryId: string;
  /** What the engine runs: the user's statement, wrapped in a SELECT … WHERE when filtered. */
  sql: string;
  /** The user's statement, before the grid's filters. */
  baseSql: string;
  filters: ResultFilter[];
  /** Where the statement starts in the editor text, to place error markers. */
  editorOffset: number;
  bindings: TabBinding[];
  status: RunStatus;
  columns: ResultColumn[];
  sort: QuerySort[];
  rows?: RowWindow;
  error?: string;
  startedAt: number;
  /** Until the first rows were ready, as the user sees it and as the engine measured it. */
  elapsedMs?: number;
  engineFirstChunkMs?: number;
  /** Bumped when rows arrive, so that the grid re-renders. */
  revision: number;
}

interface ResultsState {
  byTab: Record<string, QueryRun>;
  run(tabId: string, sql: string, editorOffset: number, bindings: TabBinding[], filters?: ResultFilter[]): Promise<void>;
  /** Runs the tab's statement again with these filters (none: unfiltered). */
  setFilters(tabId: string, filters: ResultFilter[]): Promise<void>;
  cancel(tabId: string): Promise<void>;
  setSort(tabId: string, sort: QuerySort[]): void;
  close(tabId: string): void;
}

export const useResults = create<ResultsState>()((set, get) => {
  const update = (tabId: string, queryId: string, patch: Partial<QueryRun> | ((run: QueryRun) => Partial<QueryRun>)) =>
    set((s) => {
      const run = s.byTab[tabId];
      if (!run || run.queryId !== queryId) return s; // a newer run replaced it
      const change = typeof patch === 'function' ? patch(run) : patch;
      return { byTab: { ...s.byTab, [tabId]: { ...run, ...change } } };
    });

  const rowWindow = (tabId: string, queryId: string, sort: QuerySort[]) =>
    new RowWindow(
      (offset, limit, signal) => api().queryPage({ queryId, offset, limit, sort: sort.length ? sort : undefined }, { signal }),
      { pageSize: ROWS_PER_PAGE, onChange: () => update(tabId, queryId, (r) => ({ revision: r.revision + 1 })) },
    );

  const release = (run: QueryRun | undefined) => {
    if (!run) return;
    run.rows?.close();
    if (run.status === 'running') void api().queryCancel({ queryId: run.queryId }).catch(() => undefined);
    void api().queryClose({ queryId: run.queryId }).catch(() => undefined);
  };

  return {
    byTab: {},
    run: async (tabId, baseSql, editorOffset, bindings, filters = []) => {
      release(get().byTab[tabId]);
      const queryId = crypto.randomUUID();
      markRun(queryId);
      const startedAt = performance.now();
      const sql = filteredSql(baseSql, filters);
      const run: QueryRun = { queryId, sql, baseSql, filters, editorOffset, bindings, status: 'running', columns: [], sort: [], startedAt, revision: 0 };
      set((s) => ({ byTab: { ...s.byTab, [tabId]: run } }));
      try {
        const started = await api().queryStart({ sql, queryId, tables: bindings.length ? bindings : undefined, firstPageRows: ROWS_PER_PAGE });
        const rows = rowWindow(tabId, queryId, []);
        if (started.firstPage) rows.seedFirstPage(started.firstPage);
        update(tabId, queryId, {
          columns: started.columns,
          engineFirstChunkMs: started.engineFirstChunkMs,
          rows,
          status: 'done',
          elapsedMs: performance.now() - startedAt,
        });
        // The exact count arrives when the engine holds the whole result, without scrolling to the end.
        void api()
          .queryRowCount({ queryId })
          .then(({ rows: total }) => {
            const current = get().byTab[tabId];
            if (total !== undefined && current?.queryId === queryId) current.rows?.learnTotal(total);
          });
        await rows.ensure(0, ROWS_PER_PAGE - 1);
      } catch (e) {
        // WorkbenchError over a transport, LakebenchError in process: both carry the engine's code.
        const cancelled = (e as { code?: unknown } | undefined)?.code === 'CANCELLED';
        update(tabId, queryId, { status: cancelled ? 'cancelled' : 'error', error: errorMessage(e), elapsedMs: performance.now() - startedAt });
      }
    },
    setFilters: async (tabId, filters) => {
      const run = get().byTab[tabId];
      if (run) await get().run(tabId, run.baseSql, run.editorOffset, run.bindings, filters);
    },
    cancel: async (tabId) => {
      const run = get().byTab[tabId];
      if (run?.status === 'running') await api().queryCancel({ queryId: run.queryId });
    },
    setSort: (tabId, sort) => {
      const run = get().byTab[tabId];
      if (!run?.rows) return;
      run.rows.close();
      const rows = rowWindow(tabId, run.queryId, sort);
      update(tabId, run.queryId, { sort, rows });
      void rows.ensure(0, ROWS_PER_PAGE - 1);
    },
    close: (tabId) => {
      release(get().byTab[tabId]);
      set((s) => {
        const { [tabId]: _closed, ...rest } = s.byTab;
        return { byTab: rest };
      });
    },
  };
});
