/**
 * The state of a bucket view that shows one summary call's answer (a LakeSync or Lakeside bucket):
 * loaded when the view opens, again on Refresh and after a maintenance run on the bucket.
 */
import { create, type StoreApi, type UseBoundStore } from 'zustand';
import type { LocationArgs, WorkbenchClient } from '../../../core/api/workbench';
import { api as client, errorMessage } from '../api/client';

export interface BucketSummaryState<T> {
  location?: string;
  connectionId?: string;
  summary?: T;
  error?: string;
  loading: boolean;
  /** Loads the bucket's summary; `force` reloads the one shown (kept on screen until the new one is there). */
  load(location: string, connectionId?: string, force?: boolean): Promise<void>;
}

export function createBucketSummaryStore<T>(fetch: (api: WorkbenchClient, where: LocationArgs) => Promise<T>): UseBoundStore<StoreApi<BucketSummaryState<T>>> {
  return create<BucketSummaryState<T>>()((set, get) => ({
    loading: false,
    async load(location, connectionId, force = false) {
      const same = get().location === location && get().connectionId === connectionId;
      if (!force && same && get().summary) return;
      set({ location, connectionId, loading: true, error: undefined, ...(!same && { summary: undefined }) });
      try {
        const summary = await fetch(client(), { location, connectionId });
        if (get().location === location) set({ summary, loading: false });
      } catch (e) {
        if (get().location === location) set({ error: errorMessage(e), loading: false });
      }
    },
  }));
}
