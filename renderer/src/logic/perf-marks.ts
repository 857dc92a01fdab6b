/**
 * User Timing marks for `npm run bench` (scripts/bench-ui.ts): when a query run starts and when its
 * first rows are on screen. Marks cost next to nothing and stay in the app, so the bench measures the
 * very build users get; DevTools' performance panel shows them too.
 */
export const RUN_MARK = 'lakebench:run';
export const FIRST_ROWS_MARK = 'lakebench:first-rows';

export interface RunMarkDetail {
  queryId: string;
}

export interface FirstRowsMarkDetail {
  queryId: string;
  /** The engine's own share of the wait (queryStart's engineFirstChunkMs), to subtract from it. */
  engineFirstChunkMs?: number;
}

export function markRun(queryId: string): void {
  performance.mark(RUN_MARK, { detail: { queryId } satisfies RunMarkDetail });
}

/**
 * Marks once the rows just rendered are painted: a requestAnimationFrame callback runs before that
 * frame's paint, and a task queued from it runs after it.
 */
export function markFirstRowsPainted(detail: FirstRowsMarkDetail): void {
  requestAnimationFrame(() => setTimeout(() => performance.mark(FIRST_ROWS_MARK, { detail })));
}

/** The column explorer painted every column's summary (counts, nulls, min and max). */
export const PROFILE_MARK = 'lakebench:profile-painted';
/** The column explorer painted every column's whole profile (distinct estimates, histograms, top values too). */
export const PROFILE_ALL_MARK = 'lakebench:profile-all-painted';

/** Marks once a query's column profile (`mark`: its summary, or all of it) is painted in the column explorer (scripts/bench-ui.ts). */
export function markProfilePainted(queryId: string, mark: typeof PROFILE_MARK | typeof PROFILE_ALL_MARK): void {
  requestAnimationFrame(() => setTimeout(() => performance.mark(mark, { detail: { queryId } satisfies RunMarkDetail })));
}
