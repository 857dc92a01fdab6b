/**
 * The table view: one table's history, and its schema, files and partitions at the selected version
 * (the time-travel slider), plus a comparison of two versions.
 */
import { create } from 'zustand';
import type {
  CompareVersionsResult,
  FilesResult,
  FoundTable,
  HistoryEntry,
  ParquetFolderResult,
  PartitionsResult,
  SchemaResult,
} from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';

export type TableTab = 'history' | 'schema' | 'files' | 'partitions' | 'compare' | 'maintenance' | 'quality';

/** What is shown at one version; each part loads on its own so one slow call does not hold the rest. */
interface VersionDetails {
  schema?: SchemaResult;
  files?: FilesResult;
  partitions?: PartitionsResult;
}

interface TableViewState {
  table?: FoundTable;
  connectionId?: string;
  history: HistoryEntry[];
  /** Selected version; undefined until the history is known, then the latest. */
  version?: number;
  tab: TableTab;
  details: VersionDetails;
  compare?: CompareVersionsResult;
  /** A plain Parquet folder's columns, files and partitions (it has no log, so no history). */
  folder?: ParquetFolderResult;
  loading: boolean;
  error?: string;
  open(table: FoundTable, connectionId?: string): Promise<void>;
  close(): void;
  setTab(tab: TableTab): void;
  setVersion(version: number): Promise<void>;
  compareVersions(from: number, to: number): Promise<void>;
}

export const useTableView = create<TableViewState>()((set, get) => {
  const args = (version?: number) => {
    const { table, connectionId } = get();
    if (!table) throw new Error('no table is open');
    return { location: table.location, connectionId, version };
  };
  /** Ignores answers for a table or version that is no longer shown. */
  const current = (location: string, version?: number) => get().table?.location === location && get().version === version;

  const loadDetails = async (version: number) => {
    const location = get().table!.location;
    const parts: Array<[keyof VersionDetails, Promise<VersionDetails[keyof VersionDetails]>]> = [
      ['schema', api().schema(args(version))],
      ['files', api().files(args(version))],
      ['partitions', api().partitions(args(version))],
    ];
    await Promise.all(
      parts.map(async ([name, call]) => {
        try {
          const value = await call;
          if (current(location, version)) set((s) => ({ details: { ...s.details, [name]: value } }));
        } catch (e) {
          if (current(location, version)) set({ error: errorMessage(e) });
        }
      }),
    );
  };

  const loadFolder = async (table: FoundTable) => {
    try {
      const folder = await api().parquetFolder({ location: table.location, connectionId: get().connectionId });
      if (get().table?.location === table.location) set({ folder, loading: false });
    } catch (e) {
      if (get().table?.location === table.location) set({ loading: false, error: errorMessage(e) });
    }
  };

  return {
    history: [],
    tab: 'history',
    details: {},
    loading: false,
    open: async (table, connectionId) => {
      set({ table, connectionId, history: [], version: undefined, details: {}, compare: undefined, folder: undefined, loading: true, error: undefined });
      if (table.layout === 'parquet') return loadFolder(table);
      if (table.layout !== 'delta') return set({ loading: false }); // no log and no files to show
      try {
        const history = await api().history(args());
        if (get().table?.location !== table.location) return;
        const latest = latestVersion(history) ?? 0;
        set({ history, version: latest, loading: false });
        await loadDetails(latest);
      } catch (e) {
        if (get().table?.location === table.location) set({ loading: false, error: errorMessage(e) });
      }
    },
    close: () => set({ table: undefined, history: [], version: undefined, details: {}, compare: undefined, folder: undefined }),
    setTab: (tab) => set({ tab }),
    setVersion: async (version) => {
      if (!get().table || version === get().version) return;
      set({ version, details: {}, error: undefined });
      await loadDetails(version);
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

export function latestVersion(history: readonly HistoryEntry[]): number | undefined {
  return history.length ? Math.max(...history.map((h) => h.version)) : undefined;
}
