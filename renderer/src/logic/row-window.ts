/**
 * The results grid's rows: a bounded window of pages fetched from the engine on demand. A result may
 * have millions of rows; the renderer holds at most `maxPages` pages, keeps the ones nearest to what
 * is on screen, and asks again for pages it dropped. One request per page is in flight at a time.
 */
export type Row = readonly unknown[];

export interface FetchedPage {
  rows: Row[];
  /** Total rows when the engine knows it (the result is complete). */
  totalRows?: number;
  /** True when no row follows this page. */
  done: boolean;
}

export type FetchPage = (offset: number, limit: number) => Promise<FetchedPage>;

export interface RowWindowOptions {
  pageSize?: number;
  maxPages?: number;
  /** Called when rows arrive or the known row count changes (the grid re-renders). */
  onChange?: () => void;
}

export class RowWindow {
  readonly pageSize: number;
  private readonly maxPages: number;
  private readonly pages = new Map<number, Row[]>();
  private readonly loading = new Map<number, Promise<void>>();
  private total?: number;
  /** Rows known to exist (the end of the furthest page fetched) while the total is unknown. */
  private seen = 0;
  /** Rows can be no more than this: an empty last page was found at this offset. */
  private bound = Infinity;
  private closed = false;
  /** The page the grid looked at last; eviction keeps pages near it. */
  private center = 0;
  /** The first error of a page request; the grid shows it instead of spinning forever. */
  error?: Error;

  constructor(
    private readonly fetchPage: FetchPage,
    private readonly options: RowWindowOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 500;
    this.maxPages = Math.max(2, options.maxPages ?? 24);
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

  /** Loads the pages covering rows `first..last` (inclusive) and drops pages far from them. */
  async ensure(first: number, last: number): Promise<void> {
    const from = Math.max(0, Math.floor(first / this.pageSize));
    const upper = this.total === undefined ? last : Math.min(last, this.total - 1);
    const to = Math.max(from, Math.floor(upper / this.pageSize));
    const wanted: Promise<void>[] = [];
    for (let page = from; page <= to; page++) wanted.push(this.load(page));
    this.center = (from + to) / 2;
    this.evict();
    await Promise.all(wanted);
  }

  /** The exact total, told by the engine once it holds the whole result (before a page says it). */
  learnTotal(total: number): void {
    if (this.closed || this.total !== undefined) return;
    this.total = total;
    this.bound = Math.min(this.bound, total);
    this.options.onChange?.();
  }

  /** Stops updates after the result is closed or replaced; late pages are dropped. */
  close(): void {
    this.closed = true;
    this.pages.clear();
  }

  private load(page: number): Promise<void> {
    if (this.pages.has(page) || (this.total !== undefined && page * this.pageSize >= this.total)) return Promise.resolve();
    const pending = this.loading.get(page);
    if (pending) return pending;
    const request = this.fetchPage(page * this.pageSize, this.pageSize)
      .then((result) => {
        if (this.closed) return;
        this.pages.set(page, result.rows);
        const offset = page * this.pageSize;
        const end = offset + result.rows.length;
        if (result.rows.length > 0) this.seen = Math.max(this.seen, end);
        else if (result.done) this.bound = Math.min(this.bound, offset);
        if (result.totalRows !== undefined) this.total = result.totalRows;
        else if (this.total === undefined && result.done && result.rows.length > 0) this.total = end;
        else if (this.total === undefined && this.seen >= this.bound) this.total = this.bound;
        this.evict();
        this.options.onChange?.();
      })
      .catch((e: unknown) => {
        this.error ??= e instanceof Error ? e : new Error(String(e));
        this.options.onChange?.();
      })
      .finally(() => this.loading.delete(page));
    this.loading.set(page, request);
    return request;
  }

  /** Keeps the `maxPages` pages nearest to the page in view. */
  private evict(): void {
    if (this.pages.size <= this.maxPages) return;
    const center = this.center;
    const byDistance = [...this.pages.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
    for (const page of byDistance.slice(0, this.pages.size - this.maxPages)) this.pages.delete(page);
  }
}
