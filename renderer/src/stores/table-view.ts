/**
 * The table view: one table's history, and its schema, files and partitions at the selected version
 * (the time-travel slider), plus a comparison of two versions. What is loaded follows what the table
 * offers (FoundTable.capabilities), never its kind.
 */
import { create } from 'zustand';
import { STANDARD_VIEWS, type CompareVersionsResult, type FilesResult, type FoundTable, type HistoryEntry, type PartitionsResult, type SchemaResult, type TableView } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';

export type TableTab = 'history' | 'schema' | 'files' | 'partitions' | 'compare' | 'maintenance' | 'quality';

/** What is shown at one version; each part loads on its own so one slow call does not hold the rest. */
interface VersionDetails {
  schema?: SchemaResult;
  files?: FilesResult;
  partitions?: PartitionsResult;
}

export interface TableViewState {
  table?: FoundTable;
  connectionId?: string;
  history: HistoryEntry[];
  /** Selected version (HistoryEntry.version); undefined for the latest (and for a table without versions). */
  version?: string;
  tab: TableTab;
  details: VersionDetails;
  compare?: CompareVersionsResult;
  loading: boolean;
  error?: string;
  open(table: FoundTable, connectionId?: string): Promise<void>;
  close(): void;
  setTab(tab: TableTab): void;
  setVersion(version: string): Promise<void>;
  compareVersions(from: string, to: string): Promise<void>;
}

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

  const loadDetails = async (table: FoundTable, version?: string) => {
    const calls = { schema: () => api().schema(args(version)), files: () => api().files(args(version)), partitions: () => api().partitions(args(version)) };
    const parts = (Object.keys(calls) as (keyof VersionDetails)[]).filter((view) => offers(table, view));
    await Promise.all(
      parts.map(async (name) => {
        try {
          const value = await calls[name]();
          if (current(table.location, version)) set((s) => ({ details: { ...s.details, [name]: value } }));
        } catch (e) {
          if (current(table.location, version)) set({ error: errorMessage(e) });
        }
      }),
    );
  };

  return {
    history: [],
    tab: 'history',
    details: {},
    loading: false,
    open: async (table, connectionId) => {
      set({ table, connectionId, history: [], version: undefined, details: {}, compare: undefined, loading: true, error: undefined });
      if (ownView(table)) return set({ loading: false }); // its own view loads what it shows
      try {
        const history = offers(table, 'history') ? await api().history(args()) : [];
        if (get().table?.location !== table.location) return;
        const version = travels(table) ? latestVersion(history) : undefined;
        set({ history, version, loading: false });
        await loadDetails(table, version);
      } catch (e) {
        if (get().table?.location === table.location) set({ loading: false, error: errorMessage(e) });
      }
    },
    close: () => set({ table: undefined, history: [], version: undefined, details: {}, compare: undefined }),
    setTab: (tab) => set({ tab }),
    setVersion: async (version) => {
      const { table } = get();
      if (!table || version === get().version) return;
      set({ version, details: {}, error: undefined });
      await loadDetails(table, version);
    },
    compareVersions: async (from, to) => {
      set({ compare: undefined, error: undefined });
      try {
        set({ compare: await api().compareVersions({ ...args(), from, to }) });
      } catch (e) {
        set({ error: errorMessage(e) });
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
