/**
 * The listing pass detection works on. A folder is listed whole (delimiter listing, all pages) only when
 * a format asks for everything in it; a question about one sub-folder ("is there a `_delta_log/` with a
 * commit in it?") is answered from that listing when it is there, else by listing just that sub-folder,
 * page by page until answered. So telling the format of one table costs a request or two however many
 * files it holds, and a walk over a bucket lists each folder once. Formats see folders only through
 * FolderListing (table-format.ts).
 */
import type { ObjectInfo, ObjectStore } from '../storage/types';
import type { FindOptions, FolderContents, FolderListing } from './table-format';

/** Last path segment of a key or prefix (`a/b/` ⇒ `b/`, `a/b.parquet` ⇒ `b.parquet`). */
export function lastSegment(keyOrPrefix: string): string {
  const trimmed = keyOrPrefix.endsWith('/') ? keyOrPrefix.slice(0, -1) : keyOrPrefix;
  return keyOrPrefix.slice(trimmed.lastIndexOf('/') + 1);
}

/** Spark, Hadoop and delta-rs keep bookkeeping in `.name` / `_name` entries; they are never data or tables. */
export function isHidden(segment: string): boolean {
  return segment.startsWith('.') || segment.startsWith('_');
}

/** Everything in one folder (all pages of a delimiter listing). */
async function listFolder(store: ObjectStore, prefix: string): Promise<FolderContents> {
  const all: FolderContents = { objects: [], prefixes: [] };
  let token: string | undefined;
  do {
    const page = await store.list(prefix, { delimiter: true, token });
    all.objects.push(...page.objects);
    all.prefixes.push(...page.prefixes);
    token = page.nextToken;
  } while (token);
  return all;
}

export class ListingPass {
  private readonly listed = new Map<string, Promise<FolderContents>>();

  constructor(readonly store: ObjectStore) {}

  /** The folder at `prefix` ('' or ending in `/`); nothing is listed until a question needs it. */
  folder(prefix: string): FolderListing {
    return {
      prefix,
      list: () => this.list(prefix),
      has: (name) => this.has(prefix, name),
      find: (name, test, options) => this.find(prefix, name, test, options),
      sub: (name) => this.folder(prefix + name),
    };
  }

  /**
   * Drops kept listings once a walk is past them: the folder's own, and with `below` every listing under
   * it (a table found: its log is not looked at again). Keeps a walk over a big bucket from holding it all.
   */
  forget(prefix: string, below: boolean): void {
    this.listed.delete(prefix);
    if (below) for (const key of this.listed.keys()) if (key.startsWith(prefix)) this.listed.delete(key);
  }

  private list(prefix: string): Promise<FolderContents> {
    let contents = this.listed.get(prefix);
    if (!contents) {
      contents = listFolder(this.store, prefix);
      this.listed.set(prefix, contents);
    }
    return contents;
  }

  private async has(prefix: string, name: string): Promise<boolean> {
    const listed = this.listed.get(prefix);
    if (listed) return (await listed).prefixes.includes(prefix + name);
    const probe = await this.store.list(prefix + name, { delimiter: true, maxKeys: 1 });
    return probe.objects.length > 0 || probe.prefixes.length > 0;
  }

  private async find(parent: string, name: string, test: (object: ObjectInfo) => boolean, options: FindOptions = {}): Promise<ObjectInfo | undefined> {
    const { deep = false, startsWith = '' } = options;
    // A sub-folder the parent's listing does not hold has nothing to find: no request.
    const parentListed = name === '' ? undefined : this.listed.get(parent);
    if (parentListed && !(await parentListed).prefixes.includes(parent + name)) return undefined;
    const prefix = parent + name;
    const wanted = (object: ObjectInfo) => object.key.startsWith(prefix + startsWith) && test(object);
    const listed = this.listed.get(prefix);
    if (listed && !deep) return (await listed).objects.find(wanted);
    // Page by page, stopping at the first match; a delimiter listing read to its end is the whole folder, kept.
    const whole = startsWith === '' && !deep;
    const all: FolderContents = { objects: [], prefixes: [] };
    let token: string | undefined;
    do {
      const page = await this.store.list(prefix + startsWith, { delimiter: !deep, token });
      const found = page.objects.find(wanted);
      if (found) return found;
      if (whole) {
        all.objects.push(...page.objects);
        all.prefixes.push(...page.prefixes);
      }
      token = page.nextToken;
    } while (token);
    if (whole && !this.listed.has(prefix)) this.listed.set(prefix, Promise.resolve(all));
    return undefined;
  }
}
