/**
 * The explorer: folders of the browsed location paged in lazily, the columns of expanded tables, the
 * filter, the selected object and its preview.
 */
import { create } from 'zustand';
import type { FoundTable, PreviewResult } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';
import type { FolderState, TableColumns } from '../logic/explorer-rows';
import { schemaTypeText } from '../logic/format';
import { offers } from './table-view';

/** Entries per listing page: small enough to show at once, large enough to scroll through quickly. */
const PAGE_SIZE = 500;

interface PreviewState {
  key: string;
  loading: boolean;
  result?: PreviewResult;
  error?: string;
}

interface ExplorerState {
  location?: string;
  connectionId?: string;
  folders: Record<string, FolderState>;
  /** Columns of the tables expanded so far, by the table's key. */
  columns: Record<string, TableColumns>;
  expanded: Record<string, boolean>;
  filter: string;
  selected?: string;
  preview?: PreviewState;
  /** Starts browsing a location from its root. */
  browse(location: string, connectionId?: string): void;
  /** Lists the root again (keeping open folders open), e.g. after an import made a table. */
  reloadRoot(): void;
  /** Fetches a folder's first page, or its next page when it has one. */
  loadPage(prefix: string): Promise<void>;
  toggle(prefix: string): void;
  /** Fetches the columns of the table at `key` from its schema, once (tables without a schema view have none to show). */
  loadColumns(key: string, table: FoundTable): Promise<void>;
  setFilter(filter: string): void;
  showPreview(key: string): Promise<void>;
}

export const useExplorer = create<ExplorerState>()((set, get) => ({
  folders: {},
  columns: {},
  expanded: {},
  filter: '',
  browse: (location, connectionId) => {
    set({ location, connectionId, folders: {}, columns: {}, expanded: {}, selected: undefined, preview: undefined });
    void get().loadPage('');
  },
  reloadRoot: () => {
    set((s) => {
      const { '': _root, ...rest } = s.folders;
      return { folders: rest };
    });
    void get().loadPage('');
  },
  loadPage: async (prefix) => {
    const { location, connectionId, folders } = get();
    const folder = folders[prefix];
    if (!location || folder?.loading || (folder && folder.nextToken === undefined && !folder.error)) return;
    const setFolder = (next: FolderState) => {
      // A reply for a location that is no longer browsed is dropped.
      if (get().location === location) set((s) => ({ folders: { ...s.folders, [prefix]: next } }));
    };
    const entries = folder?.entries ?? [];
    setFolder({ entries, nextToken: folder?.nextToken, loading: true });
    try {
      const page = await api().lsPage({ location, connectionId, prefix, token: folder?.nextToken, limit: PAGE_SIZE });
      setFolder({ entries: [...entries, ...page.entries], nextToken: page.nextToken, loading: false });
    } catch (e) {
      setFolder({ entries, nextToken: folder?.nextToken, loading: false, error: errorMessage(e) });
    }
  },
  toggle: (prefix) => {
    const open = !get().expanded[prefix];
    set((s) => ({ expanded: { ...s.expanded, [prefix]: open } }));
    if (open && !get().folders[prefix]) void get().loadPage(prefix);
  },
  loadColumns: async (key, table) => {
    const { location, connectionId, columns } = get();
    if (columns[key] || !offers(table, 'schema')) return;
    const settle = (state: TableColumns) => {
      if (get().location === location) set((s) => ({ columns: { ...s.columns, [key]: state } }));
    };
    settle({ loading: true });
    try {
      const schema = await api().schema({ location: table.location, connectionId });
      settle({ loading: false, fields: schema.fields.map((f) => ({ name: f.name, type: schemaTypeText(f.type) })) });
    } catch (e) {
      settle({ loading: false, error: errorMessage(e) });
    }
  },
  setFilter: (filter) => set({ filter }),
  showPreview: async (key) => {
    const { location, connectionId } = get();
    if (!location) return;
    set({ selected: key, preview: { key, loading: true } });
    const settle = (preview: PreviewState) => {
      if (get().preview?.key === key) set({ preview });
    };
    try {
      settle({ key, loading: false, result: await api().preview({ location, connectionId, key, limit: 20 }) });
    } catch (e) {
      settle({ key, loading: false, error: errorMessage(e) });
    }
  },
}));
