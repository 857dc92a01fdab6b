/**
 * The column explorer's profiles, one per held query, asked of the engine when the explorer opens: the
 * columns it shows without scrolling first (they paint while the engine profiles the rest), then the rest.
 */
import { create } from 'zustand';
import type { ResultProfile } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';

/** About the cards the explorer shows without scrolling at a laptop's height. */
export const FIRST_COLUMNS = 4;

export interface ProfileState {
  /** `partial`: the first columns are profiled, the rest are being profiled. */
  status: 'loading' | 'partial' | 'done' | 'error';
  /** The columns profiled so far, in result order. */
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
      shown = (await api().queryProfile({ queryId, count: FIRST_COLUMNS })).profile;
      if (!shown) return;
      const more = shown.columnCount > shown.columns.length;
      settle({ status: more ? 'partial' : 'done', profile: shown });
      if (!more) return;
      const rest = (await api().queryProfile({ queryId, from: shown.columns.length })).profile;
      if (rest) settle({ status: 'done', profile: { ...rest, columns: [...shown.columns, ...rest.columns] } });
    } catch (e) {
      settle({ status: 'error', profile: shown, error: errorMessage(e) });
    }
  },
}));
