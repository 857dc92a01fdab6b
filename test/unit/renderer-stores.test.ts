/**
 * The renderer's stores against the real engine: an in-process Workbench (real DuckDB, SQLite and a
 * sample lake in a temp home) installed as the stores' client, exactly as the transports would be.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../core/api/workbench-impl';
import type { WorkbenchEvent } from '../../core/api/workbench';
import { setClient } from '../../renderer/src/api/client';
import { useWorkspace } from '../../renderer/src/stores/workspace';
import { useExplorer } from '../../renderer/src/stores/explorer';
import { useResults, type QueryRun } from '../../renderer/src/stores/results';
import { activeTab, useEditor } from '../../renderer/src/stores/editor';
import { useTableView } from '../../renderer/src/stores/table-view';
import { useJobs } from '../../renderer/src/stores/jobs';
import { runInActiveTab, travelTo } from '../../renderer/src/stores/actions';
import { explorerRows } from '../../renderer/src/logic/explorer-rows';
import { sqlErrorPosition } from '../../renderer/src/logic/sql-error-position';

let home: string;
let workbench: Workbench;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakebench-renderer-'));
  workbench = createWorkbench({ home });
  setClient(workbench);
  useJobs.setState({ jobs: [] });
  workbench.onEvent((e: WorkbenchEvent) => useJobs.getState().onEvent(e));
  await useWorkspace.getState().load();
});

afterAll(async () => {
  await workbench?.close();
  await rm(home, { recursive: true, force: true });
});

/** Waits for a store condition that a background request settles (no timing assertion: only a bound). */
async function until<T>(read: () => T | undefined | false, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = read();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function run(): QueryRun {
  return useResults.getState().byTab[activeTab(useEditor.getState()).id];
}

describe('renderer stores over the real engine', () => {
  it('loads the workspace (the sample lake) with its tables', () => {
    const info = useWorkspace.getState().info;
    expect(useWorkspace.getState().error).toBeUndefined();
    expect(info?.isSample).toBe(true);
    expect(info?.tables.map((t) => t.name).sort()).toEqual(['customers', 'orders']);
  });

  it('browses a large folder page by page, with a "more" row until the last page', async () => {
    const big = join(home, 'big');
    await mkdir(big);
    await Promise.all(Array.from({ length: 1100 }, (_, i) => writeFile(join(big, `f${String(i).padStart(5, '0')}.txt`), 'x')));
    useExplorer.getState().browse(big);
    await until(() => useExplorer.getState().folders['']?.entries.length === 500, 'the first page');
    const state = () => useExplorer.getState();
    let rows = explorerRows(state());
    expect(rows.at(-1)).toMatchObject({ kind: 'more', prefix: '' });
    await state().loadPage('');
    await state().loadPage('');
    expect(state().folders[''].entries).toHaveLength(1100);
    expect(state().folders[''].nextToken).toBeUndefined();
    rows = explorerRows({ ...state(), filter: 'f01099' });
    expect(rows.map((r) => r.kind === 'entry' && r.entry.name)).toEqual(['f01099.txt']);
  });

  it('expands a table folder in the sample lake', async () => {
    const root = useWorkspace.getState().info!.root;
    useExplorer.getState().browse(root);
    await until(() => useExplorer.getState().folders['']?.entries.length, 'the root listing');
    useExplorer.getState().toggle('orders/');
    const orders = await until(() => {
      const folder = useExplorer.getState().folders['orders/'];
      return folder && !folder.loading && folder;
    }, 'orders/');
    expect(orders.error).toBeUndefined();
    expect(orders.entries.map((e) => e.name)).toContain('_delta_log/');
  });

  it('runs a query into a row window that pages a 1,000,000-row result and sorts in the engine', async () => {
    await runInActiveTab('select range as n from range(1000000)', 0);
    expect(run().status).toBe('done');
    expect(run().columns.map((c) => c.name)).toEqual(['n']);
    const rows = run().rows!;
    await rows.ensure(999_990, 999_999);
    expect(rows.row(999_999)).toEqual([999_999]);
    await until(() => rows.totalRows, 'the total');
    expect(rows.totalRows).toBe(1_000_000);

    useResults.getState().setSort(activeTab(useEditor.getState()).id, [{ column: 'n', descending: true }]);
    await until(() => run().rows?.row(0), 'the first sorted page');
    expect(run().rows!.row(0)).toEqual([999_999]);
  });

  it('keeps a query error with a position in the statement', async () => {
    await runInActiveTab('select 1,\n  nope from range(3)', 10);
    expect(run().status).toBe('error');
    expect(run().editorOffset).toBe(10);
    expect(sqlErrorPosition(run().error!, run().sql)).toMatchObject({ line: 2, column: 3 });
  });

  it('cancels a running query', async () => {
    const tabId = activeTab(useEditor.getState()).id;
    const running = runInActiveTab('select count(*) from range(10000000000) a', 0);
    await until(() => run().status === 'running', 'the run to start');
    await useResults.getState().cancel(tabId);
    await running;
    expect(run().status).toBe('cancelled');
  });

  it('time-travels: the slider version re-binds the table in the editor and re-runs the query', async () => {
    const orders = useWorkspace.getState().info!.tables.find((t) => t.name === 'orders')!;
    await useTableView.getState().open(orders);
    const view = useTableView.getState();
    const latest = view.version!;
    expect(view.history[0].version).toBe(latest);
    // The first screen is the history: files and partitions load when their tab is shown.
    expect(useTableView.getState().details.files).toBeUndefined();
    await useTableView.getState().setTab('partitions');
    expect(useTableView.getState().details.partitions?.version).toBe(latest);
    await useTableView.getState().setTab('files');

    await runInActiveTab('select count(*) as n from orders', 0);
    const countNow = run().rows!;
    await countNow.ensure(0, 0);
    const now = countNow.row(0)![0];

    await travelTo('0');
    expect(useTableView.getState().version).toBe('0');
    expect(activeTab(useEditor.getState()).bindings).toEqual([expect.objectContaining({ name: 'orders', version: '0', label: 'v0' })]);
    const countThen = run().rows!;
    await countThen.ensure(0, 0);
    expect(countThen.row(0)![0]).not.toEqual(now);
    expect(useTableView.getState().details.files?.version).toBe('0');
  });

  it('tracks an export job to the end through engine events', async () => {
    await runInActiveTab('select range as n from range(1000)', 0);
    const path = join(home, 'out.csv');
    const job = await workbench.exportResult({ queryId: run().queryId, format: 'csv', path });
    useJobs.getState().track(job);
    const done = await until(() => useJobs.getState().jobs.find((j) => j.jobId === job.jobId && j.state !== 'running'), 'the job to end');
    expect(done.state).toBe('done');
  });

  it('opens a plain Parquet folder in the table view with its files and partitions, and no history', async () => {
    const customers = useWorkspace.getState().info!.tables.find((t) => t.name === 'customers')!;
    expect(customers.layout).toBe('parquet');
    await useTableView.getState().open(customers);
    await useTableView.getState().setTab('partitions');
    await useTableView.getState().setTab('files');
    const { details, history, version, error } = useTableView.getState();
    expect(error).toBeUndefined();
    expect(history).toEqual([]);
    expect(version).toBeUndefined();
    expect(details.partitions?.partitionColumns).toEqual(['country']);
    expect(details.schema?.fields.some((c) => c.name === 'customer_id')).toBe(true);
    expect(details.partitions?.partitions.reduce((n, p) => n + p.files, 0)).toBe(details.files?.files.length);
    useTableView.getState().close();
  });
});
