/**
 * Lakeside's reconcile report: what its log and its `parquet/` folder disagree on. Files a log entry
 * removed that are still present are orphans (its compactor's deletes could half-fail); Parquet files
 * no entry ever added are failed writes, and so are the temp files of local writes cut short; files the
 * log holds live that are gone lose rows.
 */
import { TEMP_FILE_PREFIX } from '../../storage/temp-file';
import type { ObjectStore } from '../../storage/types';
import { readLakesideLog, type LakesideState } from './log';

export const COMPACTED_PREFIX = 'parquet/';

export interface ReconcileReport {
  /** Removed by the log, still present: safe to delete. */
  orphans: { object: string; key: string; size: number; lastModified: string; reason: 'removed' | 'unlogged' | 'temporary' }[];
  /** Live in the log, missing from the bucket. */
  missing: { object: string; key: string }[];
  bytes: number;
}

/** `state`: the log when the caller has read it already. */
export async function reconcileLakeside(store: ObjectStore, state?: LakesideState): Promise<ReconcileReport> {
  state ??= await readLakesideLog(store);
  const present = new Map<string, { size: number; lastModified: Date }>();
  for await (const info of store.listAll(COMPACTED_PREFIX, { includeTemporary: true })) {
    if (info.key.endsWith('.parquet') || isTemporary(info.key)) present.set(info.key, info);
  }
  const orphans: ReconcileReport['orphans'] = [];
  for (const [key, info] of present) {
    if (state.live.has(key)) continue;
    const reason = isTemporary(key) ? 'temporary' : state.removed.has(key) ? 'removed' : 'unlogged';
    orphans.push({ object: store.urlOf(key), key, size: info.size, lastModified: info.lastModified.toISOString(), reason });
  }
  const missing = [...state.live.keys()].filter((key) => !present.has(key)).map((key) => ({ object: store.urlOf(key), key }));
  return { orphans, missing, bytes: orphans.reduce((n, o) => n + o.size, 0) };
}

const isTemporary = (key: string): boolean => key.slice(key.lastIndexOf('/') + 1).startsWith(TEMP_FILE_PREFIX);
