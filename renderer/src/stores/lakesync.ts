/** The LakeSync view's state: the bucket's tables, delta files and materialised states (lakesync-summary.ts). */
import type { LakeSyncSummary } from '../../../core/api/workbench';
import { createBucketSummaryStore } from './bucket-summary';

export const useLakeSync = createBucketSummaryStore<LakeSyncSummary>((api, where) => api.lakeSyncSummary(where));
