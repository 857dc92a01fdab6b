/**
 * The table view: one table's history, and its schema, files (or manifests) and partitions at the
 * selected version (the time-travel slider), plus a comparison of two versions. What is loaded follows
 * what the table offers (FoundTable.capabilities), never its kind, and when its tab is shown: the first
 * screen is the history, and a table of 10,000 manifests shows it without reading one.
 */
import { create } from 'zustand';
import {
  STANDARD_VIEWS,
  type CompareVersionsResult,
  type FilesResult,
  type FoundTable,
  type HistoryEntry,
  type ManifestsResult,
  type PartitionsResult,
  type RowDiffResult,
  type SchemaResult,
  type TableView,
} from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';

export type TableTab = 'history' | 'schema' | 'files' | 'partitions' | 'compare' | 'maintenance' | 'quality';

/** What is shown at one version; each part loads on its own so one slow call does not hold the rest. */
interface VersionDetails {
  schema?: SchemaResult;
  files?: FilesResult;
  /** Instead of `files`, for tables that keep their files in manifests: the Files tab lists those first. */
  manifests?: ManifestsResult;
  partitions?: PartitionsResult;
}

type DetailPart = keyof VersionDetails;

/** The parts shown a page at a time: a table of a million files shows 200 of them, and their total. */
export type PagedPart = 'files' | 'partitions';

/** Rows per page of the Files and Partitions tabs. */
export const PAGE_ROWS = 200;

export interface TableViewState {
  table?: FoundTable;
  connectionId?: string;
  history: HistoryEntry[];
  /** Selected version (HistoryEntry.version); undefined for the latest (and for a table without versions). */
  version?: string;
  tab: TableTab;
  details: VersionDetails;
  /** The first row of the page shown of each paged part. */
  pages: Record<PagedPart, number>;
  compare?: CompareVersionsResult;
  /** The rows that differ between the compared versions (by `rowDiff.key`, or whole rows). */
  rowDiff?: RowDiffResult;
  /** A comparison is running. */
  comparing: boolean;
  loading: boolean;
  error?: string;
  /** Opens a table at `pinned` (the version the editor's tab pins it at) or else at its latest version. */
  open(table: FoundTable, connectionId?: string, pinned?: string): Promise<void>;
  /**
   * Reads the open table again after something changed it (a maintenance run, an import), at `pinned` or
   * else its latest version, while the view keeps showing what it has: no "Loading…" in place of the slider.
   */
  reload(pinned?: string): Promise<void>;
  close(): void;
  /** Shows a tab, loading what it shows at the selected version when not loaded yet. */
  setTab(tab: TableTab): Promise<void>;
  setVersion(version: string): Promise<void>;
  /** Shows the page of `part` starting at row `offset`, keeping the page shown until it arrives. */
  showPage(part: PagedPart, offset: number): Promise<void>;
  /** Compares two versions: the summary and the row diff by `key` (none: whole rows). */
  compareVersions(from: string, to: string, key: string[]): Promise<void>;
}

const FIRST_PAGES: Record<PagedPart, number> = { files: 0, partitions: 0 };

export const offers = (table: FoundTable, view: TableView): boolean => table.capabilities.views.includes(view);

/** The view of its own a table names (a DES archive's `archive`), shown instead of the standard tabs. */
export const ownView = (table: FoundTable): string | undefined => table.capabilities.views.find((v) => !(STANDARD_VIEWS as readonly string[]).includes(v));

/** A table that travels in time by version id, with versions listed: the slider's tables. */
export const travels = (table: FoundTable): boolean => offers(table, 'history') && table.capabilities.versionRefs.includes('id');

export const useTableView = create<TableViewState>()((set, get) => {
  const args = (version?: string) => {
    const { table, connectionId } = get();
    if (!table) throw new Error('no table is open');
    return { location: table.location, connectionId, version };
  };
  /** Ignores answers for a table or version that is no longer shown. */
  const current = (location: string, version?: string) => get().table?.location === location && get().version === version;

  /** The parts a tab shows; the schema always (Quality's column pickers and the editor's completion need it). */
  const partsFor = (table: FoundTable, tab: TableTab): DetailPart[] => {
    const shown: Partial<Record<TableTab, DetailPart>> = {
      schema: 'schema',
      files: offers(table, 'manifests') ? 'manifests' : 'files',
      partitions: 'partitions',
    };
    const part = shown[tab];
    return [...new Set<DetailPart>(['schema', ...(part ? [part] : [])])].filter((p) => offers(table, p));
  };

  /** How each part is asked for at `version`; the paged ones at `pages`. */
  const callsAt = (version: string | undefined, pages = get().pages): Record<DetailPart, () => Promise<VersionDetails[DetailPart]>> => {
    const page = (part: PagedPart) => ({ ...args(version), offset: pages[part], limit: PAGE_ROWS });
    return {
      schema: () => api().schema(args(version)),
      files: () => api().files(page('files')),
      manifests: () => api().manifests(args(version)),
      partitions: () => api().partitions(page('partitions')),
    };
  };

  /** Loads the parts the shown tab needs that are not loaded (or loading) for this version yet. */
  const loadDetails = async (table: FoundTable, version: string | undefined) => {
    const calls = callsAt(version);
    const inFlight = (part: DetailPart) => `${version ?? ''}\n${part}`;
    const parts = partsFor(table, get().tab).filter((part) => !get().details[part] && !loading.has(inFlight(part)));
    await Promise.all(
      parts.map(async (name) => {
        loading.add(inFlight(name));
        try {
          const value = await calls[name]();
          if (current(table.location, version)) set((s) => ({ details: { ...s.details, [name]: value } }));
        } catch (e) {
          if (current(table.location, version)) set({ error: errorMessage(e) });
        } finally {
          loading.delete(inFlight(name));
        }
      }),
    );
  };
  /**
   * Parts being fetched, by version, so switching tabs back and forth asks once — and a tab chosen while
   * the history still loads (asked at no version yet) does not hold back the same part at the version it brings.
   */
  const loading = new Set<string>();
  /** Page requests made so far, by part: only the newest one's answer is shown. */
  const pageRequests: Record<PagedPart, number> = { files: 0, partitions: 0 };

  return {
    history: [],
    tab: 'history',
    details: {},
    pages: FIRST_PAGES,
    comparing: false,
    loading: false,
    open: async (table, connectionId, pinned) => {
      loading.clear();
      set({ table, connectionId, history: [], version: undefined, details: {}, pages: FIRST_PAGES, compare: undefined, rowDiff: undefined, loading: true, error: undefined });
      if (ownView(table)) return set({ loading: false }); // its own view loads what it shows
      try {
        const history = offers(table, 'history') ? await api().history(args()) : [];
        if (get().table?.location !== table.location) return;
        const version = travels(table) ? (pinned ?? latestVersion(history)) : undefined;
        set({ history, version, loading: false });
        await loadDetails(table, version);
      } catch (e) {
        if (get().table?.location === table.location) set({ loading: false, error: errorMessage(e) });
      }
    },
    reload: async (pinned) => {
      const { table } = get();
      if (!table || ownView(table)) return; // its own view loads what it shows
      try {
        const history = offers(table, 'history') ? await api().history(args()) : [];
        if (get().table !== table) return;
        loading.clear();
        set({ history, version: travels(table) ? (pinned ?? latestVersion(history)) : undefined, details: {}, pages: FIRST_PAGES, error: undefined });
        await loadDetails(table, get().version);
      } catch (e) {
        if (get().table === table) set({ error: errorMessage(e) });
      }
    },
    close: () => set({ table: undefined, history: [], version: undefined, details: {}, compare: undefined, rowDiff: undefined }),
    setTab: async (tab) => {
      set({ tab });
      const { table, version } = get();
      if (table && !ownView(table)) await loadDetails(table, version);
    },
    setVersion: async (version) => {
      const { table } = get();
      if (!table || version === get().version) return;
      loading.clear();
      set({ version, details: {}, pages: FIRST_PAGES, error: undefined });
      await loadDetails(table, version);
    },
    showPage: async (part, offset) => {
      const { table, version, pages } = get();
      if (!table) return;
      const request = ++pageRequests[part];
      try {
        const value = await callsAt(version, { ...pages, [part]: offset })[part]();
        // The offset changes with the rows it names; a later click's answer wins over this one.
        if (current(table.location, version) && pageRequests[part] === request) {
          set((s) => ({ pages: { ...s.pages, [part]: offset }, details: { ...s.details, [part]: value } }));
        }
      } catch (e) {
        if (current(table.location, version)) set({ error: errorMessage(e) });
      }
    },
    compareVersions: async (from, to, key) => {
      const { location, connectionId } = args();
      set({ compare: undefined, rowDiff: undefined, comparing: true, error: undefined });
      try {
        const [compare, rowDiff] = await Promise.all([api().compareVersions({ location, connectionId, from, to }), api().diffRows({ location, connectionId, from, to, key })]);
        if (get().table?.location === location) set({ compare, rowDiff });
      } catch (e) {
        if (get().table?.location === location) set({ error: errorMessage(e) });
      } finally {
        set({ comparing: false });
      }
    },
  };
});

/** The versions oldest first, as the slider orders them. */
export function versionsOf(history: readonly HistoryEntry[]): HistoryEntry[] {
  return [...history].sort((a, b) => a.ordinal - b.ordinal);
}

export function latestVersion(history: readonly HistoryEntry[]): string | undefined {
  return versionsOf(history).at(-1)?.version;
}
