/**
 * A byte-budgeted local copy of remote objects, so DuckDB (which reads local files only) can query
 * remote tables. Delta data files are immutable, so an object is identified by (store, key, size,
 * etag): a hit never needs a request, and a changed size or etag means a different object to fetch.
 *
 * Layout: `<dir>/<first 16 hex of sha1(store.id)>/<key path>` keeps key folders (hive-style
 * `year=2024/` partitions) and basenames intact, which the SQL layer relies on. Identities and the
 * LRU order live in `<dir>/index.json`.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LakebenchError } from '../errors';
import { mapWithConcurrency } from './concurrency';
import { normalizeKey } from './keys';
import { writeFileAtomically } from './temp-file';
import type { ObjectStore } from './types';

export interface CacheItem {
  key: string;
  size: number;
  etag?: string;
}

export interface CacheProgress {
  /** Items ready (already cached or downloaded). */
  done: number;
  total: number;
  /** Bytes downloaded so far by this call. */
  bytes: number;
}

export interface EnsureOptions {
  /** Parallel downloads (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: CacheProgress) => void;
}

interface CachedIdentity {
  size: number;
  etag?: string;
}

interface IndexFile {
  version: 1;
  /** Oldest use first: the LRU order. Entry id = `<store hash>/<key>`. */
  entries: [string, CachedIdentity][];
}

const DEFAULT_CONCURRENCY = 8;
const INDEX_FILE = 'index.json';

function storeHash(store: ObjectStore): string {
  return createHash('sha1').update(store.id).digest('hex').slice(0, 16);
}

function sameIdentity(cached: CachedIdentity, wanted: CacheItem): boolean {
  // An etag only decides when both sides know it; the size always does.
  return cached.size === wanted.size && (cached.etag === undefined || wanted.etag === undefined || cached.etag === wanted.etag);
}

function throwIfAborted(signal: AbortSignal | undefined, object: string): void {
  if (signal?.aborted) throw new LakebenchError('CANCELLED', 'caching was cancelled', { object });
}

export class FileCache {
  /** Map order is the LRU order (oldest first); a use moves the entry to the end. */
  private entries?: Map<string, CachedIdentity>;
  /** Downloads in flight, shared by concurrent calls asking for the same object. */
  private readonly inflight = new Map<string, Promise<string>>();
  /** Entries needed by running ensureMany calls (a count, as calls may overlap): never evicted. */
  private readonly pins = new Map<string, number>();

  constructor(
    private readonly dir: string,
    private readonly budgetBytes: number,
  ) {}

  /** Local path of one object, downloading it unless an identical copy is cached. */
  async ensureLocal(store: ObjectStore, key: string, expect: { size: number; etag?: string }): Promise<string> {
    const paths = await this.ensureMany(store, [{ key, ...expect }]);
    return paths.get(key)!;
  }

  /**
   * Local paths (by key) of many objects. Local stores are read in place; remote objects missing from
   * the cache are downloaded in parallel after evicting least recently used files to fit the budget.
   * If the requested files alone exceed the budget they are still fetched (the query needs them).
   */
  async ensureMany(store: ObjectStore, items: CacheItem[], options: EnsureOptions = {}): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (store.kind === 'local') {
      for (const item of items) result.set(item.key, store.localPath(item.key)!);
      return result;
    }
    const entries = await this.loadIndex();
    const hash = storeHash(store);
    const wanted = items.map((item) => ({ item, id: `${hash}/${normalizeKey(item.key, store.url)}` }));
    const progress: CacheProgress = { done: 0, total: items.length, bytes: 0 };
    for (const { id } of wanted) this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
    let downloads = 0;
    try {
      const present = await Promise.all(
        wanted.map(async ({ item, id }) => {
          const cached = entries.get(id);
          return cached !== undefined && sameIdentity(cached, item) && (await this.fileHasSize(id, cached.size));
        }),
      );
      const missing = wanted.filter((_, i) => !present[i]);
      downloads = missing.length;
      for (const [i, { item, id }] of wanted.entries()) {
        if (!present[i]) continue;
        this.touch(id, entries.get(id)!);
        result.set(item.key, this.pathOf(id));
        progress.done++;
      }
      options.onProgress?.({ ...progress });
      await this.evictToFit(missing.reduce((sum, { item }) => sum + item.size, 0));
      await mapWithConcurrency(missing, options.concurrency ?? DEFAULT_CONCURRENCY, async ({ item, id }) => {
        throwIfAborted(options.signal, store.urlOf(item.key));
        result.set(item.key, await this.download(store, item, id));
        progress.done++;
        progress.bytes += item.size;
        options.onProgress?.({ ...progress });
      });
    } finally {
      for (const { id } of wanted) {
        const count = this.pins.get(id)! - 1;
        if (count === 0) this.pins.delete(id);
        else this.pins.set(id, count);
      }
      // All hits only reorder the LRU: that order is saved with the next download or eviction, which
      // spares every warm query a write of the index.
      if (downloads > 0) await this.saveIndex();
    }
    return result;
  }

  /** Bytes held by the cache according to its index. */
  async usedBytes(): Promise<number> {
    let total = 0;
    for (const entry of (await this.loadIndex()).values()) total += entry.size;
    return total;
  }

  private pathOf(id: string): string {
    return path.join(this.dir, ...id.split('/'));
  }

  private touch(id: string, identity: CachedIdentity): void {
    this.entries!.delete(id);
    this.entries!.set(id, identity);
  }

  private async fileHasSize(id: string, size: number): Promise<boolean> {
    const stats = await fs.stat(this.pathOf(id)).catch(() => undefined);
    return stats?.size === size;
  }

  private download(store: ObjectStore, item: CacheItem, id: string): Promise<string> {
    let pending = this.inflight.get(id);
    if (!pending) {
      pending = (async () => {
        // store.download writes to a temp name and renames: a crash never leaves a half file here.
        const info = await store.download(item.key, this.pathOf(id));
        if (info.size !== item.size) {
          await fs.rm(this.pathOf(id), { force: true });
          throw new LakebenchError('CORRUPT', `object has ${info.size} bytes but ${item.size} were expected`, {
            object: store.urlOf(item.key),
          });
        }
        this.touch(id, { size: info.size, etag: info.etag ?? item.etag });
        return this.pathOf(id);
      })().finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    return pending;
  }

  /** Removes least recently used, unpinned files until `incomingBytes` more fit in the budget. */
  private async evictToFit(incomingBytes: number): Promise<void> {
    const entries = this.entries!;
    let used = 0;
    for (const entry of entries.values()) used += entry.size;
    for (const [id, entry] of [...entries]) {
      if (used + incomingBytes <= this.budgetBytes) break;
      if (this.pins.has(id)) continue;
      await fs.rm(this.pathOf(id), { force: true });
      entries.delete(id);
      used -= entry.size;
    }
  }

  private async loadIndex(): Promise<Map<string, CachedIdentity>> {
    if (!this.entries) {
      let parsed: IndexFile | undefined;
      try {
        parsed = JSON.parse(await fs.readFile(path.join(this.dir, INDEX_FILE), 'utf8')) as IndexFile;
      } catch {
        // No index (first use) or an unreadable one: start empty; stale files are refetched over.
      }
      this.entries = new Map(parsed?.version === 1 ? parsed.entries : []);
    }
    return this.entries;
  }

  private async saveIndex(): Promise<void> {
    const index: IndexFile = { version: 1, entries: [...this.entries!] };
    await writeFileAtomically(path.join(this.dir, INDEX_FILE), (temp) => fs.writeFile(temp, JSON.stringify(index)));
  }
}
