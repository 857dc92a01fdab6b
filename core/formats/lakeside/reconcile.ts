/**
 * Lakeside's reconcile report: what its log and its `parquet/` folder disagree on. Files a log entry
 * removed that are still present are orphans (its compactor's deletes could half-fail); Parquet files
 * no entry ever added are failed writes; files the log holds live that are gone lose rows.
 */
import type { ObjectStore } from '../../storage/types';
import { readLakesideLog } from './log';

export const COMPACTED_PREFIX = 'parquet/';

export interface ReconcileReport {
  /** Removed by the log, still present: safe to delete. */
  orphans: { object: string; key: string; size: number; lastModified: string; reason: 'removed' | 'unlogged' }[];
  /** Live in the log, missing from the bucket. */
  missing: { object: string; key: string }[];
  bytes: number;
}

export async function reconcileLakeside(store: ObjectStore): Promise<ReconcileReport> {
  const state = await readLakesideLog(store);
  const present = new Map<string, { size: number; lastModified: Date }>();
  for await (const info of store.listAll(COMPACTED_PREFIX)) if (info.key.endsWith('.parquet')) present.set(info.key, info);
  const orphans: ReconcileReport['orphans'] = [];
  for (const [key, info] of present) {
    if (state.live.has(key)) continue;
    orphans.push({ object: store.urlOf(key), key, size: info.size, lastModified: info.lastModified.toISOString(), reason: state.removed.has(key) ? 'removed' : 'unlogged' });
  }
  const missing = [...state.live.keys()].filter((key) => !present.has(key)).map((key) => ({ object: store.urlOf(key), key }));
  return { orphans, missing, bytes: orphans.reduce((n, o) => n + o.size, 0) };
}
