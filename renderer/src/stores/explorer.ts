/** The explorer: folders of the browsed location paged in lazily, the filter, the selected object and its preview. */
import { create } from 'zustand';
import type { PreviewResult } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';
import type { FolderState } from '../logic/explorer-rows';

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
  setFilter(filter: string): void;
  showPreview(key: string): Promise<void>;
}

export const useExplorer = create<ExplorerState>()((set, get) => ({
  folders: {},
  expanded: {},
  filter: '',
  browse: (location, connectionId) => {
    set({ location, connectionId, folders: {}, expanded: {}, selected: undefined, preview: undefined });
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
