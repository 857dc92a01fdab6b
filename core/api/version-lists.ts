/**
 * The versions completion offers after `table@`, per table and connection: read from the table's
 * history once and kept a while, as completion asks again on every key typed after the `@` (a history
 * read of a remote table is a round of requests). Anything that ends a job may have added versions, so
 * the workbench clears the lists then; the time limit covers writers outside the app.
 */
import type { VersionedTable, VersionsOf } from './completion';

const KEPT_MS = 30_000;

export class VersionLists {
  private readonly lists = new Map<string, { readAt: number; versions: Promise<string[]> }>();

  constructor(
    private readonly read: VersionsOf,
    private readonly now: () => number = Date.now,
  ) {}

  /** The table's versions, newest first, from the list kept for it when it is recent enough. */
  readonly of: VersionsOf = (table: VersionedTable) => {
    const key = JSON.stringify([table.connectionId ?? null, table.location]);
    const kept = this.lists.get(key);
    if (kept && this.now() - kept.readAt < KEPT_MS) return kept.versions;
    const versions = this.read(table);
    this.lists.set(key, { readAt: this.now(), versions });
    // A read that failed is not kept: the next key typed tries again.
    versions.catch(() => this.lists.get(key)?.versions === versions && this.lists.delete(key));
    return versions;
  };

  clear(): void {
    this.lists.clear();
  }
}
