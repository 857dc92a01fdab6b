/**
 * A Lakeside bucket as a TableFormat: its `_lakeside_log` is its history (no time travel: the log keeps
 * no older states), it is queryable as `<name>` (compacted + staged), `<name>_compacted` and
 * `<name>_staging`, and it compacts its own staging area. The bucket view (staging, compacted files,
 * reconcile report) is its own.
 */
import type { SqlSession } from '../../sql/session';
import type { ObjectStore } from '../../storage/types';
import type { HistoryEntry, TableFormat, TableHandle, VersionRef } from '../table-format';
import { unversionedRef } from '../version-ref';
import { LAKESIDE_LOG_DIR, readLakesideLog } from './log';
import { COMPACTED_PREFIX } from './reconcile';
import { STAGING_DATA_PREFIX } from './staging';

class LakesideHandle implements TableHandle {
  readonly format = lakesideFormat;

  constructor(readonly store: ObjectStore) {}

  /** The `_lakeside_log` entries, newest first. */
  async history(): Promise<HistoryEntry[]> {
    const { entries } = await readLakesideLog(this.store);
    return entries
      .map((e) => ({
        version: String(e.version),
        ordinal: e.version,
        timestamp: e.timestamp,
        operation: e.operation,
        operationMetrics: {
          filesAdded: e.add.length,
          filesRemoved: e.remove.length,
          rowsAdded: e.add.reduce((n, a) => n + (a.rowCount ?? 0), 0),
          bytesAdded: e.add.reduce((n, a) => n + (a.size ?? 0), 0),
        },
      }))
      .reverse();
  }

  async register(session: SqlSession, name: string, _at: VersionRef, options: { signal?: AbortSignal } = {}): Promise<void> {
    await session.registerLakeside(name, this.store, options);
  }
}

export const lakesideFormat: TableFormat = {
  name: 'lakeside',
  title: 'Lakeside buckets',
  capabilities: {
    views: ['lakeside', 'history', 'preview'],
    versionRefs: [],
    operations: {
      verify: {},
      orphans: { variant: 'reconcile', note: 'compacted files its log does not hold, and live files that are gone' },
      'compact-staging': { variant: 'own-staging', note: 'staged records (data/) → parquet/ + one _lakeside_log entry' },
    },
  },

  // Its log, or staging and compacted folders side by side (before any compaction logged).
  async detect(folder) {
    return (await folder.has(LAKESIDE_LOG_DIR)) || ((await folder.has(STAGING_DATA_PREFIX)) && (await folder.has(COMPACTED_PREFIX)));
  },

  parseVersion: unversionedRef,

  async open(store) {
    return new LakesideHandle(store);
  },

  async verify(store, options) {
    const { verifyLakeside } = await import('../../ops/verify/lakeside-bucket');
    return verifyLakeside(store, options);
  },
};
