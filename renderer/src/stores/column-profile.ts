/**
 * The column explorer's profiles, one per held query, asked of the engine when the explorer opens: every
 * column's summary first (counts, nulls, min and max: one cheap scan, painted while the engine goes on),
 * then the whole profile (distinct estimates, histograms, top values).
 */
import { create } from 'zustand';
import type { ResultProfile } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';

export interface ProfileState {
  /** `partial`: the summary is here, the rest of the profile is being made. */
  status: 'loading' | 'partial' | 'done' | 'error';
  /** The summary, then the whole profile. */
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
    let shown: ResultProfile | undefined;
    try {
      // No profile: the query was closed meanwhile, and its state with it (a newer one replaced it).
      shown = (await api().queryProfile({ queryId, summaryOnly: true })).profile;
      if (!shown) return;
      settle({ status: 'partial', profile: shown });
      const whole = (await api().queryProfile({ queryId })).profile;
      if (whole) settle({ status: 'done', profile: whole });
    } catch (e) {
      settle({ status: 'error', profile: shown, error: errorMessage(e) });
    }
  },
}));
