/**
 * `npm run bench`, second part: the renderer's speed goals, measured in Debian's Chromium (driven by
 * playwright-core) against the built renderer (out/renderer) served by the real server over a temp
 * copy of the sample lake. Prints `BENCH <name> <value> <unit>`; no pass/fail, as in scripts/bench.ts.
 *
 *   ui_first_rows_ms    Run → first rows of a 1,000,000-row result painted, minus the engine's own
 *                       time to its first chunk (median); raw ui_run_to_rows_ms and engine_first_chunk_ms too
 *   ui_scroll_frame_ms  p95 frame time while scrolling that result end to end; p50 and the frame count too
 *                       (rAF deltas come in whole 60 Hz vsync intervals: 16.7 ms is a frame on time), and
 *                       ui_scroll_page_requests: the page requests the grid sent until the last row showed
 *   ui_pane_resize_frame_ms  p95 frame time while dragging the explorer's handle to and fro with that
 *                       result in the grid (every frame re-lays out the explorer, editor and grid)
 *   ui_heap_mb          the page's JS heap after that scroll, after a forced garbage collection
 *   ui_column_profile_ms  Columns clicked → every card of the column explorer shows its column's stats
 *                       (null share, min and max, over all rows of a 1,500,000-row, 12-column result held
 *                       by the engine; median of 3); ui_column_profile_all_ms: until every card also shows its
 *                       distinct estimate and its histogram or top values
 *
 * The page marks Run and first-rows-painted itself (renderer/src/logic/perf-marks.ts).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page, type Request } from 'playwright-core';
import { createWorkbench } from '../core/api/workbench-impl';
import { startServer } from '../core/server/server';
import { FIRST_ROWS_MARK, PROFILE_ALL_MARK, PROFILE_MARK, RUN_MARK, type FirstRowsMarkDetail, type RunMarkDetail } from '../renderer/src/logic/perf-marks';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/e2e/ui-harness';
import { report } from './bench-report';

const ROOT = path.resolve(import.meta.dirname, '..');
const RENDERER = path.join(ROOT, 'out', 'renderer');
const RESULT_ROWS = 1_000_000;
/** A million rows of mixed types, so that each row paints several formatted cells. */
const QUERY = `select i as id, i % 97 as bucket, 'row-' || i as label, i * 0.25 as amount, date '2024-01-01' + (i % 365)::int as day from range(${RESULT_ROWS}) t(i)`;
const FIRST_ROWS_ROUNDS = 7;
const PROFILE_ROWS = 1_500_000;
/** Twelve columns of every kind the explorer profiles: numbers, times, repeating and unique text, a boolean, nulls. */
const PROFILE_QUERY = `select i as id, i % 97 as bucket, 'cat-' || (i % 13) as category, i * 0.25 as amount,
  (i * 1.7)::DOUBLE as score, (i % 1000)::DECIMAL(10,2) as price, date '2024-01-01' + (i % 365)::int as day,
  timestamp '2024-01-01' + to_seconds(i) as ts, i % 3 = 0 as flag, 'row-' || i as label,
  case when i % 5 = 0 then null else i % 1000 end as maybe, ['a', 'b'][1 + i % 2] as letter from range(${PROFILE_ROWS}) t(i)`;
const PROFILE_ROUNDS = 3;
/**
 * Frames to scroll the million rows in: ~20 s at 60 Hz, i.e. ~830 rows (about one 1,000-row page)
 * per frame, as when dragging the scrollbar end to end: every frame shows rows not fetched yet.
 */
const SCROLL_FRAMES = 1200;

/** The value at quantile `q` (0..1) of `values`, nearest rank. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface FirstRowsTiming {
  queryId: string;
  runToRowsMs: number;
  engineFirstChunkMs: number;
}

/** Runs the editor's statement (Ctrl+Enter) and waits for the page's marks of that run. */
async function runAndTimeFirstRows(page: Page): Promise<FirstRowsTiming> {
  await page.evaluate(() => performance.clearMarks());
  await page.locator('[data-testid="sql-editor"] .monaco-editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+Enter');
  const timing = await page.waitForFunction(
    ([runName, rowsName]) => {
      const run = performance.getEntriesByName(runName)[0] as PerformanceMark | undefined;
      const rows = performance.getEntriesByName(rowsName)[0] as PerformanceMark | undefined;
      if (!run || !rows) return undefined;
      const runDetail = run.detail as RunMarkDetail;
      const rowsDetail = rows.detail as FirstRowsMarkDetail;
      if (rowsDetail.queryId !== runDetail.queryId) throw new Error('first rows marked for another query');
      return { queryId: runDetail.queryId, runToRowsMs: rows.startTime - run.startTime, engineFirstChunkMs: rowsDetail.engineFirstChunkMs ?? NaN };
    },
    [RUN_MARK, FIRST_ROWS_MARK] as const,
    { timeout: 120_000 },
  );
  return (await timing.jsonValue()) as FirstRowsTiming;
}

/**
 * Scrolls the grid top to bottom in SCROLL_FRAMES equal scrollTop steps, one per animation frame, and
 * returns the time between consecutive frames (requestAnimationFrame timestamps).
 */
function scrollFrameTimes(page: Page): Promise<number[]> {
  // No named functions inside: tsx would wrap them in a helper (__name) that the page does not have.
  return page.getByTestId('results-scroll').evaluate(async (grid, frames) => {
    const step = (grid.scrollHeight - grid.clientHeight) / frames;
    const deltas: number[] = [];
    let previous = await new Promise<number>((resolve) => requestAnimationFrame(resolve));
    for (let frame = 1; frame <= frames; frame++) {
      // Resumed in a microtask right after the frame's rAF callbacks: before its layout and paint.
      grid.scrollTop = Math.round(frame * step);
      const now = await new Promise<number>((resolve) => requestAnimationFrame(resolve));
      deltas.push(now - previous);
      previous = now;
    }
    return deltas;
  }, SCROLL_FRAMES);
}

/**
 * The grid lays out the rows it knows of; it learns the total from the first page fetched after the
 * engine holds the whole result. Scrolling to the end once gets there; then back to the top.
 */
async function learnRowCount(page: Page): Promise<void> {
  const grid = page.getByTestId('results-scroll');
  const rowCount = page.getByTestId('result-rowcount');
  const expected = `${RESULT_ROWS.toLocaleString('en-US')} rows`;
  for (let attempt = 0; (await rowCount.textContent()) !== expected; attempt++) {
    if (attempt === 100) throw new Error(`the grid never learned the row count: ${await rowCount.textContent()}`);
    await grid.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await page.waitForTimeout(100);
  }
  await grid.evaluate((el) => el.scrollTo({ top: 0 }));
}

/** The last row's first cell, once its page has arrived (proof the scroll reached the end). */
async function waitForLastRow(page: Page): Promise<void> {
  const selector = `[data-testid="results-grid"] [data-row-index="${RESULT_ROWS - 1}"] [data-col="0"]`;
  await page.waitForFunction(
    ([cell, text]) => document.querySelector(cell)?.textContent === text,
    [selector, String(RESULT_ROWS - 1)] as const,
    { timeout: 60_000 },
  );
}

/** Mouse moves in one drag of a pane handle: about 5 s of a hand moving it back and forth. */
const DRAG_MOVES = 300;

/**
 * Drags the explorer's handle back and forth (real mouse events, as a hand does) while the page records the
 * time between its animation frames; returns those times. The recorder is a script text: tsx would wrap
 * named functions in a helper (__name) that the page does not have.
 */
async function paneResizeFrameTimes(page: Page): Promise<number[]> {
  const box = (await page.getByTestId('pane-handle-explorer').boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height * 0.2; // away from the collapse buttons in its middle
  await page.evaluate(`(() => {
    const w = window;
    w.__frames = [];
    w.__recording = true;
    let previous = performance.now();
    const tick = (now) => {
      w.__frames.push(now - previous);
      previous = now;
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= DRAG_MOVES; i++) await page.mouse.move(x + Math.round(160 * Math.sin(i / 25)), y);
  await page.mouse.up();
  const frames = (await page.evaluate('(window.__recording = false, window.__frames)')) as number[];
  return frames.slice(1); // the first spans the time before the drag began
}

/** Replaces the editor's text with `sql` (select all, type). */
async function typeQuery(page: Page, sql: string): Promise<void> {
  await page.locator('[data-testid="sql-editor"] .monaco-editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(sql);
  await page.keyboard.press('Escape'); // closes a completion list, if one opened
}

/**
 * Runs PROFILE_QUERY, waits until the engine holds all of it (the exact row count shows), then times
 * Columns clicked → every column's summary and then every column's whole profile painted (the page's marks). The
 * explorer is closed again afterwards.
 */
async function timeColumnProfile(page: Page): Promise<{ first: number; all: number }> {
  const timing = await runAndTimeFirstRows(page);
  await page.waitForFunction((text) => document.querySelector('[data-testid="result-rowcount"]')?.textContent === text, `${PROFILE_ROWS.toLocaleString('en-US')} rows`, {
    timeout: 120_000,
  });
  await page.evaluate(() => performance.clearMarks());
  const clicked = await page.evaluate(() => performance.now());
  await page.getByTestId('toggle-column-explorer').click();
  const painted = (name: string) =>
    page.waitForFunction(
      ([mark, queryId]) => {
        const entry = performance.getEntriesByName(mark)[0] as PerformanceMark | undefined;
        return entry && (entry.detail as RunMarkDetail).queryId === queryId ? entry.startTime : undefined;
      },
      [name, timing.queryId] as const,
      { timeout: 60_000 },
    );
  const first = ((await (await painted(PROFILE_MARK)).jsonValue()) as number) - clicked;
  const all = ((await (await painted(PROFILE_ALL_MARK)).jsonValue()) as number) - clicked;
  await page.getByTestId('toggle-column-explorer').click();
  return { first, all };
}

if (!existsSync(path.join(RENDERER, 'index.html'))) throw new Error(`${RENDERER} is missing: run \`npx electron-vite build\` first`);
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package`);

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-ui-'));
const workbench = createWorkbench({ home: path.join(work, 'home') });
try {
  const lake = path.join(work, 'lake');
  await cp(path.join(ROOT, 'resources', 'sample-lake'), lake, { recursive: true });
  await workbench.openWorkspace({ location: lake });
  const server = await startServer({ workbench, rendererDir: RENDERER, port: 0 });
  // Headless with --disable-gpu: frames are rasterised in software, as on a machine without a usable
  // GPU, so frame times are an upper bound of what a desktop with GPU compositing shows.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(server.url);
    await typeQuery(page, QUERY);

    // One run to warm up (JIT, the engine's first session), then the measured ones. Each run waits
    // until the engine holds the whole result, so the next run does not share the CPU with it.
    const runs: FirstRowsTiming[] = [];
    for (let round = 0; round <= FIRST_ROWS_ROUNDS; round++) {
      const timing = await runAndTimeFirstRows(page);
      await workbench.queryPage({ queryId: timing.queryId, offset: RESULT_ROWS - 1, limit: 1 });
      if (round > 0) runs.push(timing);
    }
    const runToRows = quantile(runs.map((r) => r.runToRowsMs), 0.5);
    const engine = quantile(runs.map((r) => r.engineFirstChunkMs), 0.5);
    report('ui_run_to_rows_ms', Math.round(runToRows), 'ms');
    report('engine_first_chunk_ms', Math.round(engine), 'ms');
    report('ui_first_rows_ms', Math.round(quantile(runs.map((r) => r.runToRowsMs - r.engineFirstChunkMs), 0.5)), 'ms');

    await learnRowCount(page);
    // The million rows are in the grid: drag a pane handle over them (before the scroll, which ends at the last row).
    const resizeFrames = await paneResizeFrameTimes(page);
    report('ui_pane_resize_frames', resizeFrames.length, 'frames');
    report('ui_pane_resize_frame_p50_ms', quantile(resizeFrames, 0.5), 'ms');
    report('ui_pane_resize_frame_ms', quantile(resizeFrames, 0.95), 'ms');
    let pageRequests = 0;
    const countPageRequest = (request: Request) => void (request.url().endsWith('/api/queryPage') && pageRequests++);
    page.on('request', countPageRequest);
    const frames = await scrollFrameTimes(page);
    await waitForLastRow(page);
    page.off('request', countPageRequest);
    report('ui_scroll_page_requests', pageRequests, 'requests');
    report('ui_scroll_frames', frames.length, 'frames');
    report('ui_scroll_frame_p50_ms', quantile(frames, 0.5), 'ms');
    report('ui_scroll_frame_ms', quantile(frames, 0.95), 'ms');

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    report('ui_heap_mb', heap.usedSize / (1 << 20), 'MB');

    await typeQuery(page, PROFILE_QUERY);
    const profiles: { first: number; all: number }[] = [];
    for (let round = 0; round < PROFILE_ROUNDS; round++) profiles.push(await timeColumnProfile(page));
    report('ui_column_profile_ms', Math.round(quantile(profiles.map((p) => p.first), 0.5)), 'ms');
    report('ui_column_profile_all_ms', Math.round(quantile(profiles.map((p) => p.all), 0.5)), 'ms');
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  await workbench.close();
  await rm(work, { recursive: true, force: true });
}
