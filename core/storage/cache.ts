/**
 * A byte-budgeted local copy of remote objects, so DuckDB (which reads local files only) can query
 * remote tables. Delta data files are immutable, so an object is identified by (store, key, size,
 * etag): a hit never needs a request, and a changed size or etag means a different object to fetch.
 *
 * Layout: `<dir>/<first 16 hex of sha1(store.id)>/<key path>` keeps key folders (hive-style
 * `year=2024/` partitions) and basenames intact, which the SQL layer relies on. Identities and the
 * LRU order live in `<dir>/index.json`.
 *
 * Several processes may share one cache folder (the app, `lakebench serve`, CLI runs):
 * - the index is changed only under a lock file (`index.lock`), read-modify-write from what is on
 *   disk, so no process's downloads are lost from it and none is evicted twice;
 * - files in use are pinned: a process lists what it has pinned in its own lease file
 *   (`leases/<pid>-<uuid>.json`), and eviction — under the index lock — skips anything a live process
 *   pins. A caller pins for as long as it holds a CacheLease (a running query), else for the call; the
 *   file is rewritten only when new files are pinned (or released ones have lingered a while), so
 *   queries over files already leased write nothing;
 * - a download is written under a temp name and renamed into place whole, then checked against the
 *   expected size: a partial download is never served.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LakebenchError } from '../errors';
import { mapWithConcurrency } from './concurrency';
import { normalizeKey } from './keys';
import { withLockFile } from './lock-file';
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

/** Files pinned until released: what a running query reads must not be evicted under it. */
export interface CacheLease {
  release(): Promise<void>;
}

export interface EnsureOptions {
  /** Parallel downloads (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: CacheProgress) => void;
  /** Keep the files pinned until this lease is released (default: only during the call). */
  lease?: CacheLease;
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
const LOCK_FILE = 'index.lock';
const LEASES_DIR = 'leases';
/** How long released pins may linger in a process's lease file before it is rewritten without them. */
const LEASE_LINGER_MS = 30_000;
/** A section under the index lock takes milliseconds; one older than this was left by a killed process. */
const LOCK = { staleMs: 15_000, waitMs: 60_000 };

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

/** Whether process `pid` is alive (EPERM: alive, another user's). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

class Lease implements CacheLease {
  readonly ids: string[] = [];
  private released = false;

  constructor(private readonly unpin: (ids: string[]) => Promise<void>) {}

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.unpin(this.ids);
  }
}

export class FileCache {
  /** The index as last read or written; Map order is the LRU order (oldest first). */
  private entries = new Map<string, CachedIdentity>();
  /** index.json's mtime and size when `entries` was read or written: a change means another process wrote it. */
  private stamp?: string;
  /** Hits since the index was last written: moved to the end at the next write (sparing warm queries a write each). */
  private readonly touched = new Set<string>();
  private dirty = false;
  /** Downloads in flight, shared by concurrent calls asking for the same object. */
  private readonly inflight = new Map<string, Promise<CachedIdentity>>();
  /** Entries this process has pinned (a count, as calls and leases overlap). */
  private readonly pins = new Map<string, number>();
  private readonly leaseFile: string;
  /** The ids the lease file lists: a superset of `pins` (released pins linger there until the next write). */
  private leased = new Set<string>();
  private leasedAt = 0;
  /** Serialises writes of the lease file. */
  private leaseWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly budgetBytes: number,
  ) {
    this.leaseFile = path.join(dir, LEASES_DIR, `${process.pid}-${randomUUID()}.json`);
  }

  /** A lease to pass to ensureMany: its files stay pinned until it is released. */
  lease(): CacheLease {
    return new Lease((ids) => this.unpin(ids));
  }

  /** Local path of one object, downloading it unless an identical copy is cached. */
  async ensureLocal(store: ObjectStore, key: string, expect: { size: number; etag?: string }, lease?: CacheLease): Promise<string> {
    const paths = await this.ensureMany(store, [{ key, ...expect }], { lease });
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
    const hash = storeHash(store);
    const wanted = items.map((item) => ({ item, id: `${hash}/${normalizeKey(item.key, store.url)}` }));
    const ids = wanted.map((w) => w.id);
    const progress: CacheProgress = { done: 0, total: items.length, bytes: 0 };
    // Pinned before the index is read, so an eviction by another process either ran before (and the
    // file is seen missing here) or sees the pin.
    await this.pin(ids);
    const lease = options.lease as Lease | undefined;
    try {
      const missing = await this.underLock(async () => {
        const present = await Promise.all(
          wanted.map(async ({ item, id }) => {
            const cached = this.entries.get(id);
            return cached !== undefined && sameIdentity(cached, item) && (await this.fileHasSize(id, cached.size));
          }),
        );
        for (const [i, { item, id }] of wanted.entries()) {
          if (!present[i]) continue;
          this.touched.add(id);
          this.moveToEnd(id);
          result.set(item.key, this.pathOf(id));
          progress.done++;
        }
        const absent = wanted.filter((_, i) => !present[i]);
        await this.evictToFit(absent.reduce((sum, { item }) => sum + item.size, 0));
        return absent;
      });
      options.onProgress?.({ ...progress });
      const downloaded: { id: string; identity: CachedIdentity }[] = [];
      try {
        await mapWithConcurrency(missing, options.concurrency ?? DEFAULT_CONCURRENCY, async ({ item, id }) => {
          throwIfAborted(options.signal, store.urlOf(item.key));
          const identity = await this.download(store, item, id);
          downloaded.push({ id, identity });
          result.set(item.key, this.pathOf(id));
          progress.done++;
          progress.bytes += item.size;
          options.onProgress?.({ ...progress });
        });
      } finally {
        // Whatever arrived is indexed, even when another download failed: otherwise nothing would evict it.
        if (downloaded.length > 0) {
          await this.underLock(async () => {
            for (const { id, identity } of downloaded) {
              this.entries.delete(id);
              this.entries.set(id, identity);
              this.touched.delete(id);
            }
            this.dirty = true;
          });
        }
      }
      lease?.ids.push(...ids);
    } finally {
      if (!lease) await this.unpin(ids);
    }
    return result;
  }

  /** Bytes held by the cache according to its index. */
  async usedBytes(): Promise<number> {
    await this.reload();
    let total = 0;
    for (const entry of this.entries.values()) total += entry.size;
    return total;
  }

  private pathOf(id: string): string {
    return path.join(this.dir, ...id.split('/'));
  }

  private async fileHasSize(id: string, size: number): Promise<boolean> {
    const stats = await fs.stat(this.pathOf(id)).catch(() => undefined);
    return stats?.size === size;
  }

  private download(store: ObjectStore, item: CacheItem, id: string): Promise<CachedIdentity> {
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
        return { size: info.size, etag: info.etag ?? item.etag };
      })().finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    return pending;
  }

  /** Removes least recently used files no process pins until `incomingBytes` more fit in the budget (under the lock). */
  private async evictToFit(incomingBytes: number): Promise<void> {
    let used = 0;
    for (const entry of this.entries.values()) used += entry.size;
    if (used + incomingBytes <= this.budgetBytes) return;
    const pinned = await this.pinnedAnywhere();
    for (const [id, entry] of [...this.entries]) {
      if (used + incomingBytes <= this.budgetBytes) break;
      if (pinned.has(id)) continue;
      await fs.rm(this.pathOf(id), { force: true });
      this.entries.delete(id);
      this.touched.delete(id);
      this.dirty = true;
      used -= entry.size;
    }
  }

  /** Ids pinned by this process or by any live process's lease file (those of dead processes are removed). */
  private async pinnedAnywhere(): Promise<Set<string>> {
    const pinned = new Set(this.pins.keys());
    const folder = path.join(this.dir, LEASES_DIR);
    for (const name of await fs.readdir(folder).catch(() => [] as string[])) {
      const file = path.join(folder, name);
      if (file === this.leaseFile || !name.endsWith('.json')) continue;
      if (!processAlive(Number(name.split('-')[0]))) {
        await fs.rm(file, { force: true });
        continue;
      }
      try {
        for (const id of JSON.parse(await fs.readFile(file, 'utf8')) as string[]) pinned.add(id);
      } catch {
        // Gone since it was listed (released): pins nothing.
      }
    }
    return pinned;
  }

  /** Pins `ids`; the lease file is written only when it does not list them all yet (a warm query writes nothing). */
  private async pin(ids: string[]): Promise<void> {
    for (const id of ids) this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
    if (ids.some((id) => !this.leased.has(id))) await this.writeLeaseFile();
  }

  /**
   * Unpins `ids`. Released pins stay in the lease file until the next write — they only keep other
   * processes from evicting files this one just used — unless they have lingered for LEASE_LINGER_MS.
   */
  private async unpin(ids: string[]): Promise<void> {
    for (const id of ids) {
      const count = (this.pins.get(id) ?? 1) - 1;
      if (count > 0) this.pins.set(id, count);
      else this.pins.delete(id);
    }
    if (this.leased.size > this.pins.size && Date.now() - this.leasedAt > LEASE_LINGER_MS) await this.writeLeaseFile();
  }

  /** This process's pins, as other processes read them; the file goes when nothing is pinned. */
  private writeLeaseFile(): Promise<void> {
    this.leaseWrite = this.leaseWrite.then(async () => {
      const ids = [...this.pins.keys()];
      this.leased = new Set(ids);
      this.leasedAt = Date.now();
      if (ids.length === 0) {
        await fs.rm(this.leaseFile, { force: true });
        return;
      }
      await fs.mkdir(path.dirname(this.leaseFile), { recursive: true });
      await writeFileAtomically(this.leaseFile, (temp) => fs.writeFile(temp, JSON.stringify(ids)));
    });
    return this.leaseWrite;
  }

  /** Runs `work` on the current index under the lock, writing the index back when it changed it. */
  private async underLock<T>(work: () => Promise<T>): Promise<T> {
    await fs.mkdir(this.dir, { recursive: true });
    return withLockFile(
      path.join(this.dir, LOCK_FILE),
      async () => {
        await this.reload();
        const result = await work();
        if (this.dirty) await this.save();
        return result;
      },
      LOCK,
    );
  }

  private async indexStamp(): Promise<string | undefined> {
    const stats = await fs.stat(path.join(this.dir, INDEX_FILE)).catch(() => undefined);
    return stats && `${stats.mtimeMs}-${stats.size}`;
  }

  /** Reads the index again when another process has written it since; this process's recent hits stay most recent. */
  private async reload(): Promise<void> {
    const stamp = await this.indexStamp();
    if (stamp !== undefined && stamp === this.stamp) return;
    let parsed: IndexFile | undefined;
    try {
      parsed = JSON.parse(await fs.readFile(path.join(this.dir, INDEX_FILE), 'utf8')) as IndexFile;
    } catch {
      // No index (first use) or an unreadable one: start empty; stale files are refetched over.
    }
    this.entries = new Map(parsed?.version === 1 ? parsed.entries : []);
    this.stamp = stamp;
    for (const id of this.touched) this.moveToEnd(id);
  }

  /** Marks an entry most recently used. */
  private moveToEnd(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.entries.set(id, entry);
  }

  private async save(): Promise<void> {
    this.touched.clear();
    const index: IndexFile = { version: 1, entries: [...this.entries] };
    await writeFileAtomically(path.join(this.dir, INDEX_FILE), (temp) => fs.writeFile(temp, JSON.stringify(index)));
    this.stamp = await this.indexStamp();
    this.dirty = false;
  }
}
