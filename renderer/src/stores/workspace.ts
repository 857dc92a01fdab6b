/** The opened lake (root location, its tables) and the saved connections. */
import { create } from 'zustand';
import type { ConnectionInfo, ConnectionInput, ConnectionTestResult, FoundTable, WorkspaceInfo } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';

interface WorkspaceState {
  info?: WorkspaceInfo;
  loading: boolean;
  /** True while the tables under the opened root are being found. */
  findingTables?: boolean;
  error?: string;
  connections: ConnectionInfo[];
  load(): Promise<void>;
  open(location: string, connectionId?: string): Promise<void>;
  refreshConnections(): Promise<void>;
  saveConnection(input: ConnectionInput): Promise<ConnectionInfo>;
  testConnection(input: ConnectionInput): Promise<ConnectionTestResult>;
  removeConnection(id: string): Promise<void>;
}

export const useWorkspace = create<WorkspaceState>()((set, get) => {
  /**
   * Runs a workspace call, keeping the previous workspace when it fails. The root comes first (the
   * explorer starts browsing it), its tables after: finding them lists every folder, which is slow on
   * big buckets.
   */
  const settle = async (call: (args: { withoutTables: true }) => Promise<WorkspaceInfo>) => {
    set({ loading: true, error: undefined });
    try {
      const info = await call({ withoutTables: true });
      set({ info, loading: false, findingTables: true });
      const tables = await api().tables({ location: info.root, connectionId: info.connectionId });
      if (get().info === info) set({ info: { ...info, tables }, findingTables: false });
    } catch (e) {
      set({ loading: false, findingTables: false, error: errorMessage(e) });
    }
  };
  return {
    loading: false,
    connections: [],
    load: async () => {
      await Promise.all([settle((args) => api().workspace(args)), get().refreshConnections()]);
    },
    open: (location, connectionId) => settle((args) => api().openWorkspace({ location, connectionId, ...args })),
    refreshConnections: async () => {
      try {
        set({ connections: await api().connections({}) });
      } catch (e) {
        set({ error: errorMessage(e) });
      }
    },
    saveConnection: async (input) => {
      const saved = await api().saveConnection(input);
      await get().refreshConnections();
      return saved;
    },
    testConnection: (input) => api().testConnection(input),
    removeConnection: async (id) => {
      await api().removeConnection({ id });
      // The engine moved a workspace opened through it to a local folder: show that one, not the old path.
      if (get().info?.connectionId === id) await get().load();
      else await get().refreshConnections();
    },
  };
});

/** The table whose root is `key` (relative to the workspace root), if the workspace found one there. */
export function tableAtKey(tables: readonly FoundTable[], key: string): FoundTable | undefined {
  const folder = key.replace(/\/$/, '');
  return tables.find((t) => t.key.replace(/\/$/, '') === folder);
}
