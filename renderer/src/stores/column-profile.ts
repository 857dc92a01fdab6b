/** The column explorer's profiles, one per held query, asked of the engine when the explorer opens. */
import { create } from 'zustand';
import type { ResultProfile } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';

export interface ProfileState {
  status: 'loading' | 'done' | 'error';
  profile?: ResultProfile;
  error?: string;
}

interface ColumnProfileStore {
  byQuery: Record<string, ProfileState>;
  /** Loads the profile of `queryId` unless it is loaded or loading already. */
  load(queryId: string): Promise<void>;
}

export const useColumnProfile = create<ColumnProfileStore>()((set, get) => ({
  byQuery: {},
  load: async (queryId) => {
    if (get().byQuery[queryId]) return;
    // Only the latest query's profile is kept: results are replaced, and profiles of closed ones are useless.
    set({ byQuery: { [queryId]: { status: 'loading' } } });
    const settle = (state: ProfileState) => set((s) => (s.byQuery[queryId] ? { byQuery: { ...s.byQuery, [queryId]: state } } : s));
    try {
      const { profile } = await api().queryProfile({ queryId });
      // No profile: the query was closed meanwhile, and its state with it (a newer one replaced it).
      if (profile) settle({ status: 'done', profile });
    } catch (e) {
      settle({ status: 'error', error: errorMessage(e) });
    }
  },
}));
