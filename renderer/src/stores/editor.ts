/** SQL editor tabs, the query history and the saved queries. */
import { create } from 'zustand';
import type { QueryHistoryEntry, SavedQuery, SqlTableBinding } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';

/** A view bound in a tab, with how a pinned version is shown (`v3`, an HLC as its wall time). */
export interface TabBinding extends SqlTableBinding {
  label?: string;
}

export interface EditorTab {
  id: string;
  title: string;
  sql: string;
  /** Views bound for this tab beyond the workspace lake, e.g. a table pinned at a version. */
  bindings: TabBinding[];
  /** The saved query this tab edits, if any. */
  savedId?: number;
}

interface EditorState {
  tabs: EditorTab[];
  activeId: string;
  history: QueryHistoryEntry[];
  historySearch: string;
  saved: SavedQuery[];
  error?: string;
  addTab(init?: Partial<Omit<EditorTab, 'id'>>): string;
  closeTab(id: string): void;
  activate(id: string): void;
  setSql(id: string, sql: string): void;
  /** Binds (or with version undefined, re-binds to latest) a table view in a tab. */
  bindTable(id: string, binding: TabBinding): void;
  /** Drops a tab's binding of `name`: its queries read the lake's latest version again. */
  unbindTable(id: string, name: string): void;
  /** Drops every tab's bindings: they name tables of a workspace that is no longer open. */
  clearBindings(): void;
  loadHistory(search?: string): Promise<void>;
  loadSaved(): Promise<void>;
  saveActive(name: string): Promise<void>;
  removeSaved(id: number): Promise<void>;
}

let tabCounter = 0;
function newTab(init: Partial<Omit<EditorTab, 'id'>> = {}): EditorTab {
  tabCounter += 1;
  return { id: `tab-${tabCounter}`, title: init.title ?? `Query ${tabCounter}`, sql: init.sql ?? '', bindings: init.bindings ?? [], savedId: init.savedId };
}

const first = newTab({ sql: 'select 42 as answer' });

export const useEditor = create<EditorState>()((set, get) => ({
  tabs: [first],
  activeId: first.id,
  history: [],
  historySearch: '',
  saved: [],
  addTab: (init) => {
    const tab = newTab(init);
    set((s) => ({ tabs: [...s.tabs, tab], activeId: tab.id }));
    return tab.id;
  },
  closeTab: (id) => {
    const { tabs, activeId } = get();
    if (tabs.length === 1) return; // there is always a tab to type in
    const index = tabs.findIndex((t) => t.id === id);
    const rest = tabs.filter((t) => t.id !== id);
    set({ tabs: rest, activeId: activeId === id ? rest[Math.max(0, index - 1)].id : activeId });
  },
  activate: (id) => set({ activeId: id }),
  setSql: (id, sql) => set((s) => ({ tabs: s.tabs.map((t) => (t.id === id ? { ...t, sql } : t)) })),
  bindTable: (id, binding) =>
    set((s) => ({
      tabs: s.tabs.map((t) =>
        t.id === id ? { ...t, bindings: [...t.bindings.filter((b) => b.name !== binding.name), binding] } : t,
      ),
    })),
  unbindTable: (id, name) =>
    set((s) => ({ tabs: s.tabs.map((t) => (t.id === id ? { ...t, bindings: t.bindings.filter((b) => b.name !== name) } : t)) })),
  clearBindings: () => set((s) => ({ tabs: s.tabs.map((t) => ({ ...t, bindings: [] })) })),
  loadHistory: async (search = get().historySearch) => {
    set({ historySearch: search });
    try {
      const history = await api().queryHistory({ search: search || undefined, limit: 200 });
      if (get().historySearch === search) set({ history });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
  loadSaved: async () => {
    try {
      set({ saved: await api().savedQueries({}) });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
  saveActive: async (name) => {
    const tab = activeTab(get());
    const saved = await api().saveQuery({ id: tab.savedId, name, sql: tab.sql });
    set((s) => ({ tabs: s.tabs.map((t) => (t.id === tab.id ? { ...t, title: saved.name, savedId: saved.id } : t)) }));
    await get().loadSaved();
  },
  removeSaved: async (id) => {
    await api().removeSavedQuery({ id });
    await get().loadSaved();
  },
}));

export function activeTab(state: Pick<EditorState, 'tabs' | 'activeId'>): EditorTab {
  return state.tabs.find((t) => t.id === state.activeId) ?? state.tabs[0];
}
