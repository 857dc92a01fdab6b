/**
 * Progress of the remote-file fetch a query needs (remote tables are copied into the FileCache before
 * DuckDB can read them). The SQL session only knows a FileCache, so it gets a per-query view of the
 * shared cache that reports each ensureMany call; everything else reaches the shared cache unchanged.
 */
import type { CacheItem, CacheProgress, EnsureOptions, FileCache } from '../storage/cache';
import type { ObjectStore } from '../storage/types';
import type { JobHandle } from './jobs';

type FetchJob = Pick<JobHandle, 'progress' | 'finish' | 'fail'>;

export interface FetchListener {
  progress(progress: CacheProgress): void;
  /** The call ended: `error` when it failed or was cancelled. */
  settled(error?: unknown): void;
}

/** Called per ensureMany call; returns who hears about it (or nothing). */
export type FetchWatcher = (store: ObjectStore, items: CacheItem[]) => FetchListener | undefined;

export function watchedCache(cache: FileCache, watch: FetchWatcher): FileCache {
  const ensureMany = async (store: ObjectStore, items: CacheItem[], options: EnsureOptions = {}) => {
    const listener = store.kind === 'local' ? undefined : watch(store, items);
    const onProgress = (p: CacheProgress) => {
      options.onProgress?.(p);
      listener?.progress(p);
    };
    try {
      const paths = await cache.ensureMany(store, items, { ...options, onProgress });
      listener?.settled();
      return paths;
    } catch (e) {
      listener?.settled(e);
      throw e;
    }
  };
  return new Proxy(cache, {
    get(target, property) {
      if (property === 'ensureMany') return ensureMany;
      const value: unknown = Reflect.get(target, property, target);
      // Methods run on the shared cache itself, so its state (index, pins, downloads) stays one.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Turns one ensureMany call's progress into a job's: the job starts at the first report that shows
 * objects missing from the cache (a fully cached call makes no job) and counts only those.
 */
export function fetchJobListener(startJob: (missing: number) => FetchJob): FetchListener {
  let job: FetchJob | undefined;
  let cachedAtStart: number | undefined;
  let last: CacheProgress | undefined;
  return {
    progress(p) {
      last = p;
      cachedAtStart ??= p.done;
      if (!job && p.done < p.total) job = startJob(p.total - cachedAtStart);
      job?.progress({ phase: 'fetching', done: p.done - cachedAtStart, total: p.total - cachedAtStart, bytes: p.bytes });
    },
    settled(error) {
      if (!job) return;
      if (error === undefined) job.finish({ files: last ? last.total - (cachedAtStart ?? 0) : 0, bytes: last?.bytes ?? 0 });
      else job.fail(error);
    },
  };
}
