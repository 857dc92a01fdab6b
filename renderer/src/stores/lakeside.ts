/**
 * The Lakeside view's state: the bucket's summary (staging, compacted files, reconcile report, row counts)
 * and its `_lakeside_log` as history, loaded together.
 */
import type { HistoryEntry, LakesideSummary } from '../../../core/api/workbench';
import { createBucketSummaryStore } from './bucket-summary';

export interface LakesideDetails extends LakesideSummary {
  history: HistoryEntry[];
}

export const useLakeside = createBucketSummaryStore<LakesideDetails>(async (api, where) => {
  const [summary, history] = await Promise.all([api.lakesideSummary(where), api.history(where)]);
  return { ...summary, history };
});
