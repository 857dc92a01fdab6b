/**
 * The archive view's state for an open DES archive: its shards (with deletion ratios), the entries of the
 * selected shard, and the preview of the selected entry. Verify and repack run as maintenance jobs.
 */
import { create } from 'zustand';
import type { DesArchiveSummary, DesEntryPreview, DesEntryRow } from '../../../core/api/workbench';
import { api, errorGuard } from '../api/client';

interface ArchiveState {
  location?: string;
  connectionId?: string;
  summary?: DesArchiveSummary;
  shard?: string;
  entries: DesEntryRow[];
  preview?: DesEntryPreview;
  exported?: string;
  error?: string;
  loading: boolean;
  load(location: string, connectionId?: string, force?: boolean): Promise<void>;
  selectShard(shard: string): Promise<void>;
  showEntry(uid: string): Promise<void>;
  exportEntry(uid: string, path: string): Promise<void>;
}

export const useArchive = create<ArchiveState>()((set, get) => {
  const where = () => ({ location: get().location!, connectionId: get().connectionId });
  const guard = errorGuard((error) => set(error === undefined ? { error } : { error, loading: false }));
  return {
    entries: [],
    loading: false,
    async load(location, connectionId, force = false) {
      if (!force && get().location === location && get().connectionId === connectionId && get().summary) return;
      set({ location, connectionId, loading: true, ...(force ? {} : { summary: undefined, shard: undefined, entries: [], preview: undefined, exported: undefined }) });
      await guard(async () => {
        const summary = await api().desArchive(where());
        if (get().location !== location) return;
        set({ summary, loading: false });
        // Keep the selected shard across a refresh when it is still live; else show the first.
        const shard = summary.shards.find((s) => s.name === get().shard)?.name ?? summary.shards[0]?.name;
        if (shard) await get().selectShard(shard);
      });
    },
    async selectShard(shard) {
      set({ shard, entries: [], preview: undefined });
      await guard(async () => {
        const entries = await api().desEntries({ ...where(), shard });
        if (get().shard === shard) set({ entries });
      });
    },
    async showEntry(uid) {
      set({ preview: undefined, exported: undefined });
      await guard(async () => set({ preview: await api().desEntry({ ...where(), uid, includeDeleted: true, limit: 16 * 1024 }) }));
    },
    async exportEntry(uid, path) {
      set({ exported: undefined });
      await guard(async () => {
        const done = await api().desExport({ ...where(), uid, path, includeDeleted: true });
        set({ exported: `${done.bytes} bytes written to ${done.path}` });
      });
    },
  };
});
