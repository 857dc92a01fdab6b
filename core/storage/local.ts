import { constants as fsConstants, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { LakebenchError } from '../errors';
import { mapWithConcurrency } from './concurrency';
import { dirOfKey, normalizeKey, normalizePrefix } from './keys';
import { withLockFile } from './lock-file';
import { TEMP_FILE_PREFIX, viaTempFile, writeFileAtomically } from './temp-file';
import type { ByteRange, DeleteFailure, IncompleteUpload, ListOptions, ListPage, ObjectInfo, ObjectStore } from './types';

const DEFAULT_MAX_KEYS = 1000;
/** Enough parallel stats to keep the disk busy on big listings without exhausting file handles. */
const STAT_CONCURRENCY = 64;
/** Unlinks in flight for a batch delete. */
const LOCAL_DELETES_IN_FLIGHT = 32;
/** Listings with more pages whose walks are kept (in the process). */
const MAX_OPEN_LISTINGS = 32;

interface WalkEntry {
  /** Key relative to the root; folders (only yielded by delimiter listings) end in `/`. */
  key: string;
  isDir: boolean;
}

/** A folder entry as walks order it: folders sort as `name/`. */
interface DirEntry {
  sortName: string;
  isDir: boolean;
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Maps a Node fs error to a LakebenchError naming the path. */
function fsError(e: unknown, object: string, action: string): LakebenchError {
  if (e instanceof LakebenchError) return e;
  const errno = errnoOf(e);
  if (errno === 'ENOENT' || errno === 'EISDIR' || errno === 'ENOTDIR') {
    return new LakebenchError('NOT_FOUND', `cannot ${action}: no such file`, { object, cause: e });
  }
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new LakebenchError('ACCESS_DENIED', `cannot ${action}: permission denied`, { object, cause: e });
  }
  return new LakebenchError('IO', `cannot ${action}: ${(e as Error).message}`, { object, cause: e });
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Writes `body` to `file` and flushes it to disk, so that the rename/link that publishes it never
 * exposes an empty or partial file after a power loss.
 */
async function writeDurably(file: string, body: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** An ObjectStore over a local folder. Folders stay visible as prefixes even when empty (like `ls`). */
/** A listing walk cut at a page's end, and the entry it had read past it. */
interface ListCursor {
  walk: AsyncGenerator<WalkEntry>;
  next: WalkEntry;
}

/**
 * The walks of listings that have more pages, by next token — what a server keeps behind S3's continuation
 * tokens. Without them each page re-read (and re-sorted) the whole folder: paging through a 100,000-file
 * folder read it a hundred times. Bounded: a listing abandoned mid-way is dropped once others pile up, and
 * its next page then walks from the token, as before.
 */
class ListCursors {
  private readonly open = new Map<string, ListCursor>();

  put(key: string, cursor: ListCursor): void {
    this.open.set(key, cursor);
    for (const [old, stale] of this.open) {
      if (this.open.size <= MAX_OPEN_LISTINGS) break;
      this.open.delete(old);
      void stale.walk.return(undefined);
    }
  }

  take(key: string): ListCursor | undefined {
    const cursor = this.open.get(key);
    this.open.delete(key);
    return cursor;
  }
}

/** Shared by every store of the process: the app opens a store per request, and pages of one listing come in separate requests. */
const cursors = new ListCursors();

export class LocalStore implements ObjectStore {
  readonly kind = 'local' as const;
  readonly url: string;
  readonly id: string;
  private readonly rootDir: string;

  /** `rootDir`: absolute path of the location root; it need not exist until the first write. */
  constructor(rootDir: string) {
    if (!path.isAbsolute(rootDir)) {
      throw new LakebenchError('USAGE', 'a local store needs an absolute root path', { object: rootDir });
    }
    this.rootDir = path.resolve(rootDir);
    this.url = this.rootDir;
    this.id = `file://${this.rootDir}`;
  }

  urlOf(key: string): string {
    return key === '' ? this.rootDir : `${this.rootDir}${path.sep}${key}`;
  }

  localPath(key: string): string {
    normalizeKey(key, this.url);
    return path.join(this.rootDir, ...key.split('/'));
  }

  child(prefix: string): LocalStore {
    const key = prefix.replace(/\/+$/, '');
    return key === '' ? this : new LocalStore(this.localPath(key));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return this.statKey(key, this.localPath(key));
  }

  /** head() without key validation, for keys that came from the disk itself. */
  private async statKey(key: string, file: string): Promise<ObjectInfo | undefined> {
    try {
      const stats = await fs.stat(file);
      return stats.isFile() ? { key, size: stats.size, lastModified: stats.mtime, etag: `${stats.mtimeMs}-${stats.size}` } : undefined;
    } catch (e) {
      const errno = errnoOf(e);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return undefined;
      throw fsError(e, file, 'read metadata');
    }
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const file = this.localPath(key);
    try {
      if (!range) return await fs.readFile(file);
      const handle = await fs.open(file, 'r');
      try {
        const buffer = Buffer.alloc(range.length);
        let filled = 0;
        while (filled < range.length) {
          const { bytesRead } = await handle.read(buffer, filled, range.length - filled, range.offset + filled);
          if (bytesRead === 0) break; // range runs past the end: return what exists, as S3 does
          filled += bytesRead;
        }
        return buffer.subarray(0, filled);
      } finally {
        await handle.close();
      }
    } catch (e) {
      throw fsError(e, file, 'read');
    }
  }

  async download(key: string, localPath: string): Promise<ObjectInfo> {
    const source = this.localPath(key);
    const info = await this.head(key);
    if (!info) throw new LakebenchError('NOT_FOUND', 'cannot download: no such file', { object: source });
    try {
      await writeFileAtomically(localPath, (temp) => fs.copyFile(source, temp, fsConstants.COPYFILE_EXCL));
    } catch (e) {
      throw fsError(e, source, `download to ${localPath}`);
    }
    return info;
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const file = this.localPath(key);
    try {
      await writeFileAtomically(file, (temp) => writeDurably(temp, body));
    } catch (e) {
      throw fsError(e, file, 'write');
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const file = this.localPath(key);
    try {
      await writeFileAtomically(file, async (temp) => {
        await fs.copyFile(localPath, temp, fsConstants.COPYFILE_EXCL);
        await syncFile(temp);
      });
    } catch (e) {
      throw fsError(e, errnoOf(e) === 'ENOENT' ? localPath : file, `copy ${localPath} to ${file}`);
    }
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const file = this.localPath(key);
    try {
      // link() fails with EEXIST instead of replacing, atomically, even across processes; the content is
      // complete before the name appears (unlike open(O_EXCL) followed by write).
      return await viaTempFile(
        file,
        (temp) => writeDurably(temp, body),
        async (temp) => {
          try {
            await fs.link(temp, file);
            return true;
          } catch (e) {
            if (errnoOf(e) === 'EEXIST') return false;
            throw e;
          }
        },
      );
    } catch (e) {
      throw fsError(e, file, 'create');
    }
  }

  /**
   * Local files have no compare-and-swap, so writers of the same key take a lock file beside it
   * (lock-file.ts), compare the ETag, then replace by rename — readers see the old or the new file throughout.
   */
  async putIfMatch(key: string, body: Uint8Array | string, etag: string): Promise<boolean> {
    const file = this.localPath(key);
    const lock = path.join(path.dirname(file), `${TEMP_FILE_PREFIX}lock-${path.basename(file)}`);
    try {
      return await withLockFile(lock, async () => {
        if ((await this.head(key))?.etag !== etag) return false;
        await writeFileAtomically(file, (temp) => writeDurably(temp, body));
        return true;
      });
    } catch (e) {
      throw fsError(e, file, 'replace');
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.localPath(key);
    try {
      await fs.unlink(file);
    } catch (e) {
      const errno = errnoOf(e);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return;
      throw fsError(e, file, 'delete');
    }
  }

  /** Unlinks in parallel; what fails is reported per key with the file system's code, the rest goes on. */
  async deleteMany(keys: readonly string[]): Promise<DeleteFailure[]> {
    const outcomes = await mapWithConcurrency(keys, LOCAL_DELETES_IN_FLIGHT, async (key): Promise<DeleteFailure | undefined> => {
      try {
        await this.delete(key);
        return undefined;
      } catch (e) {
        // The file system's own code (EISDIR, EACCES, …) says more than the mapped one.
        return { key, code: errnoOf((e as Error).cause) ?? errnoOf(e) ?? 'IO', message: (e as Error).message };
      }
    });
    return outcomes.filter((o): o is DeleteFailure => o !== undefined);
  }

  /** Local writes have no multipart uploads: an interrupted one leaves a temp file (listAll includeTemporary). */
  async listIncompleteUploads(): Promise<IncompleteUpload[]> {
    return [];
  }

  async abortIncompleteUpload(): Promise<void> {}

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    normalizePrefix(prefix, this.url);
    const maxKeys = Math.max(1, options.maxKeys ?? DEFAULT_MAX_KEYS);
    const after = [options.token, options.startAfter].filter((s): s is string => s !== undefined).sort(compareStrings).at(-1);
    const recursive = !options.delimiter;
    const cursorKey = (token: string) => `${this.rootDir}\n${prefix}\n${recursive}\n${options.startAfter ?? ''}\n${token}`;
    const resumed = options.token === undefined ? undefined : cursors.take(cursorKey(options.token));
    const walk = resumed?.walk ?? this.walk(dirOfKey(prefix), prefix, after, recursive);
    const entries: WalkEntry[] = resumed ? [resumed.next] : [];
    let truncated = false;
    for (let step = await walk.next(); !step.done; step = await walk.next()) {
      if (entries.length === maxKeys) {
        truncated = true;
        // The token is the last key returned: the walk resumes after it without re-reading skipped
        // folders, and the next page of this listing picks up this very walk (the folder read once).
        cursors.put(cursorKey(entries[entries.length - 1].key), { walk, next: step.value });
        break;
      }
      entries.push(step.value);
    }
    return {
      objects: await this.statAll(entries.filter((entry) => !entry.isDir)),
      prefixes: entries.filter((entry) => entry.isDir).map((entry) => entry.key),
      nextToken: truncated ? entries[entries.length - 1].key : undefined,
    };
  }

  async *listAll(prefix: string, options: { startAfter?: string; includeTemporary?: boolean } = {}): AsyncIterable<ObjectInfo> {
    normalizePrefix(prefix, this.url);
    // One walk for all pages (instead of list() per page), so a 100,000-file folder is read once.
    let batch: WalkEntry[] = [];
    for await (const entry of this.walk(dirOfKey(prefix), prefix, options.startAfter, true, options.includeTemporary)) {
      batch.push(entry);
      if (batch.length === DEFAULT_MAX_KEYS) {
        yield* await this.statAll(batch);
        batch = [];
      }
    }
    yield* await this.statAll(batch);
  }

  /**
   * Yields keys under `prefix` in sorted order, starting in folder `dirKey`. Folder entries sort as
   * `name/`, which makes the walk order exactly the lexicographic order of full keys. Recursive walks
   * skip whole subtrees that sort before `after`, so resuming a listing does not re-read them.
   */
  private async *walk(
    dirKey: string,
    prefix: string,
    after: string | undefined,
    recursive: boolean,
    includeTemporary = false,
  ): AsyncGenerator<WalkEntry> {
    const wanted = (entry: DirEntry) => {
      const key = dirKey + entry.sortName;
      if (!key.startsWith(prefix)) return false;
      // A folder that `after` points inside still holds keys to come (or is that folder's prefix).
      const resumesInside = entry.isDir && after !== undefined && after.startsWith(key) && after !== key;
      return after === undefined || key > after || resumesInside;
    };
    for (const entry of await this.readSortedDir(dirKey, includeTemporary, wanted)) {
      const key = dirKey + entry.sortName;
      if (entry.isDir && recursive) yield* this.walk(key, prefix, after, recursive, includeTemporary);
      else yield { key, isDir: entry.isDir };
    }
  }

  /** The folder's entries that `wanted` keeps, sorted: filtered first, as a listing from a log's checkpoint keeps 100 of 100,000. */
  private async readSortedDir(dirKey: string, includeTemporary: boolean, wanted: (entry: DirEntry) => boolean): Promise<DirEntry[]> {
    const dir = path.join(this.rootDir, ...dirKey.split('/'));
    let dirents;
    try {
      dirents = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      const errno = errnoOf(e);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return []; // a missing root or prefix lists as empty
      throw fsError(e, dir, 'list');
    }
    const kept = dirents.filter((d) => includeTemporary || !d.name.startsWith(TEMP_FILE_PREFIX));
    // Only a symlink needs a stat to tell a folder from a file: the rest is known from the folder read.
    const linksToFolders = new Set<string>();
    await mapWithConcurrency(
      kept.filter((d) => d.isSymbolicLink()),
      STAT_CONCURRENCY,
      async (d) => (await fs.stat(path.join(dir, d.name)).then((s) => s.isDirectory(), () => false)) && void linksToFolders.add(d.name),
    );
    const entries = kept.map((d) => {
      const isDir = d.isDirectory() || linksToFolders.has(d.name);
      return { sortName: isDir ? `${d.name}/` : d.name, isDir };
    });
    return entries.filter(wanted).sort((a, b) => compareStrings(a.sortName, b.sortName));
  }

  /**
   * Stats a page of listed files; a file deleted since it was listed is dropped, as S3 listings would.
   * Synchronously: a stat of a file whose folder was just read is answered from the kernel's cache, and
   * a page of them (≤ 1,000) costs a few milliseconds, three times less than as many thread-pool round
   * trips — which decided how long a 100,000-file folder took to list.
   */
  private async statAll(entries: WalkEntry[]): Promise<ObjectInfo[]> {
    const infos: ObjectInfo[] = [];
    for (const entry of entries) {
      const file = path.join(this.rootDir, ...entry.key.split('/'));
      let stats;
      try {
        stats = statSync(file, { throwIfNoEntry: false });
      } catch (e) {
        if (errnoOf(e) === 'ENOTDIR') continue;
        throw fsError(e, file, 'read metadata');
      }
      if (stats?.isFile()) infos.push({ key: entry.key, size: stats.size, lastModified: stats.mtime, etag: `${stats.mtimeMs}-${stats.size}` });
    }
    return infos;
  }
}
