/**
 * The results grid's rows: a bounded window of pages fetched from the engine on demand. A result may
 * have millions of rows; the renderer holds at most `maxPages` pages, keeps the ones nearest to what
 * is on screen, and asks again for pages it dropped.
 *
 * Request policy: only the pages of the latest view (the last `ensure`) are asked for, nearest its
 * middle first, at most `maxInFlight` at a time; a request whose page left the view is aborted. The
 * engine answers a result's pages one at a time, so a scroll through a million rows that asked for
 * every page it passed left the page at its end waiting behind hundreds of pages nobody would see.
 */
export type Row = readonly unknown[];

export interface FetchedPage {
  rows: Row[];
  /** Total rows when the engine knows it (the result is complete). */
  totalRows?: number;
  /** True when no row follows this page. */
  done: boolean;
}

/** Asks for rows `offset…offset+limit-1`; `signal` aborts when the page is no longer wanted. */
export type FetchPage = (offset: number, limit: number, signal: AbortSignal) => Promise<FetchedPage>;

export interface RowWindowOptions {
  pageSize?: number;
  maxPages?: number;
  /** Page requests at once (default 2): more would only queue in the engine behind one another. */
  maxInFlight?: number;
  /** Called when rows arrive or the known row count changes (the grid re-renders). */
  onChange?: () => void;
}

export class RowWindow {
  readonly pageSize: number;
  private readonly maxPages: number;
  private readonly maxInFlight: number;
  private readonly pages = new Map<number, Row[]>();
  /** Requests not answered yet, by page: how to abort each. */
  private readonly inFlight = new Map<number, AbortController>();
  /** Callers of `ensure` waiting for a page: resolved when it arrives, fails or leaves the view. */
  private readonly waiters = new Map<number, Array<() => void>>();
  /** The pages of the latest view (inclusive); only these are requested. */
  private view = { from: 0, to: -1 };
  private total?: number;
  /** Rows known to exist (the end of the furthest page fetched) while the total is unknown. */
  private seen = 0;
  /** Rows can be no more than this: an empty last page was found at this offset. */
  private bound = Infinity;
  private closed = false;
  /** The first error of a page request; the grid shows it instead of spinning forever. */
  error?: Error;

  constructor(
    private readonly fetchPage: FetchPage,
    private readonly options: RowWindowOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 500;
    this.maxPages = Math.max(2, options.maxPages ?? 24);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  }

  /** Rows the grid should lay out: the total when known, else those seen plus one page to scroll into. */
  get rowCount(): number {
    if (this.total !== undefined) return this.total;
    return this.seen === 0 && this.pages.size === 0 ? 0 : Math.min(this.seen + this.pageSize, this.bound);
  }

  /** Rows fetched so far reach this far (a lower bound of the total while it is unknown). */
  get loadedRowCount(): number {
    return this.seen;
  }

  get totalRows(): number | undefined {
    return this.total;
  }

  get cachedRows(): number {
    let n = 0;
    for (const rows of this.pages.values()) n += rows.length;
    return n;
  }

  row(index: number): Row | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /**
   * Makes rows `first..last` (inclusive) the view: loads their pages, drops requests for pages outside
   * it and pages held far from it. Resolves when the view's pages are here, or when a later view replaced it.
   */
  async ensure(first: number, last: number): Promise<void> {
    const from = Math.max(0, Math.floor(first / this.pageSize));
    const upper = this.total === undefined ? last : Math.min(last, this.total - 1);
    this.view = { from, to: Math.max(from, Math.floor(upper / this.pageSize)) };
    for (const [page, request] of this.inFlight) if (!this.inView(page)) this.drop(page, request);
    for (const page of [...this.waiters.keys()]) if (!this.inView(page)) this.settle(page);
    this.evict();
    const arrivals: Promise<void>[] = [];
    for (let page = this.view.from; page <= this.view.to; page++) {
      if (this.missing(page)) arrivals.push(new Promise((resolve) => this.waiters.set(page, [...(this.waiters.get(page) ?? []), resolve])));
    }
    this.pump();
    await Promise.all(arrivals);
  }

  /** The first page, when it came with the query's start (queryStart's firstPage). */
  seedFirstPage(page: FetchedPage): void {
    if (!this.closed && !this.pages.has(0)) this.store(0, 0, page);
  }

  /** The exact total, told by the engine once it holds the whole result (before a page says it). */
  learnTotal(total: number): void {
    if (this.closed || this.total !== undefined) return;
    this.total = total;
    this.bound = Math.min(this.bound, total);
    this.settleArrived();
    this.options.onChange?.();
  }

  /** Stops updates after the result is closed or replaced; requests are aborted, late pages dropped. */
  close(): void {
    this.closed = true;
    for (const [page, request] of this.inFlight) this.drop(page, request);
    for (const page of [...this.waiters.keys()]) this.settle(page);
    this.pages.clear();
  }

  private inView(page: number): boolean {
    return page >= this.view.from && page <= this.view.to;
  }

  /** A page not held whose rows may exist. */
  private missing(page: number): boolean {
    return !this.pages.has(page) && !(this.total !== undefined && page * this.pageSize >= this.total);
  }

  /** Starts requests for the view's missing pages, nearest its middle first, up to maxInFlight. */
  private pump(): void {
    if (this.closed) return;
    const middle = (this.view.from + this.view.to) / 2;
    const queue: number[] = [];
    for (let page = this.view.from; page <= this.view.to; page++) if (this.missing(page) && !this.inFlight.has(page)) queue.push(page);
    queue.sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle));
    for (const page of queue.slice(0, Math.max(0, this.maxInFlight - this.inFlight.size))) this.request(page);
  }

  private request(page: number): void {
    const request = new AbortController();
    this.inFlight.set(page, request);
    const offset = page * this.pageSize;
    this.fetchPage(offset, this.pageSize, request.signal).then(
      (result) => {
        if (request.signal.aborted) return;
        this.inFlight.delete(page);
        this.store(page, offset, result);
        this.pump();
      },
      (e: unknown) => {
        if (request.signal.aborted) return;
        this.inFlight.delete(page);
        // Not asked again until the next view: a closed query would fail every time.
        this.error ??= e instanceof Error ? e : new Error(String(e));
        this.settle(page);
        this.options.onChange?.();
      },
    );
  }

  private store(page: number, offset: number, result: FetchedPage): void {
    this.pages.set(page, result.rows);
    const end = offset + result.rows.length;
    if (result.rows.length > 0) this.seen = Math.max(this.seen, end);
    else if (result.done) this.bound = Math.min(this.bound, offset);
    if (result.totalRows !== undefined) this.total = result.totalRows;
    else if (this.total === undefined && result.done && result.rows.length > 0) this.total = end;
    else if (this.total === undefined && this.seen >= this.bound) this.total = this.bound;
    this.settleArrived();
    this.evict();
    this.options.onChange?.();
  }

  /** Aborts a request; its slot is free at once (the engine drops a page its caller left). */
  private drop(page: number, request: AbortController): void {
    request.abort();
    this.inFlight.delete(page);
  }

  private settle(page: number): void {
    for (const resolve of this.waiters.get(page) ?? []) resolve();
    this.waiters.delete(page);
  }

  /** Settles the waits for pages now held, or now known to lie past the end. */
  private settleArrived(): void {
    for (const page of [...this.waiters.keys()]) if (!this.missing(page)) this.settle(page);
  }

  /** Keeps the `maxPages` pages nearest to the view. */
  private evict(): void {
    if (this.pages.size <= this.maxPages) return;
    const center = (this.view.from + this.view.to) / 2;
    const byDistance = [...this.pages.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
    for (const page of byDistance.slice(0, this.pages.size - this.maxPages)) this.pages.delete(page);
  }
}
