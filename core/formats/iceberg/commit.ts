/**
 * The one commit path of every Iceberg write (design.md, crash safety): the operation writes its new
 * files, manifests and manifest list under fresh names; then the table pointer is swapped atomically,
 * the only visible step — per kind of table (commit-targets.ts): a file-system table creates the next
 * `vN.metadata.json` only if absent, a SQL catalog updates its row only where it still names the old
 * metadata, a REST catalog commits with requirements. A lost race is retried from a fresh read when the
 * operation allows it (its `build` re-validates against the new state and throws CONFLICT when it
 * cannot apply there), otherwise it ends with CONFLICT; what the losing attempts wrote is unreferenced
 * (orphans, for the orphan report).
 */
import { isLakebenchError, LakebenchError } from '../../errors';
import type { ObjectStore } from '../../storage/types';
import type { TableMetadata } from './metadata';
import type { CommitRequirement, JsonObject, MetadataUpdate } from './metadata-update';
import type { IcebergTable } from './table';

/** The table as one commit attempt starts from. */
export interface TableState {
  table: IcebergTable;
  /** The metadata JSON as stored (what updates are applied to: nothing else changes). */
  raw: JsonObject;
  /** The metadata file's location as the table's pointer records it (the catalog row, or the recorded path). */
  metadataLocation: string;
}

/** What a commit applies, and how to recognise it in the table afterwards (commit identity). */
export interface PendingCommit {
  updates: MetadataUpdate[];
  requirements: CommitRequirement[];
  /** True when the table's metadata shows this commit (its new snapshot is there …). */
  landed(metadata: TableMetadata): boolean;
}

/** Where a table's pointer is, and how it is swapped. */
export interface CommitTarget {
  /** The table's store (new files go there). */
  readonly store: ObjectStore;
  /** What messages name. */
  readonly url: string;
  /** The table's current state, read fresh. */
  load(): Promise<TableState>;
  /** Applies the commit over `base` atomically: true when it is in place, false when another commit came first. */
  swap(base: TableState, commit: PendingCommit): Promise<boolean>;
}

/** One attempt of an operation: what it commits on `state`, and what it answers then. */
export interface CommitAttempt<T> {
  commit: PendingCommit;
  result: T;
}

export interface CommitOptions {
  /** Attempts before a lost race ends with CONFLICT (default 4); 1 = never retried. */
  attempts?: number;
  signal?: AbortSignal;
  /** Called before each retry, with the attempt about to start (progress). */
  onRetry?(attempt: number): void;
}

const DEFAULT_ATTEMPTS = 4;

export interface Committed<T> {
  result: T;
  /** The state the winning attempt was built on. */
  base: TableState;
  attempts: number;
}

/**
 * Runs `build` on a fresh state and swaps the pointer, retrying a lost race from a fresh read. `build`
 * throws CONFLICT when the operation cannot apply to the state it is given (the spec's rules for it).
 */
export async function commitWithRetry<T>(target: CommitTarget, build: (state: TableState) => Promise<CommitAttempt<T>>, options: CommitOptions = {}): Promise<Committed<T>> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const base = await target.load();
    const { commit, result } = await build(base);
    options.signal?.throwIfAborted();
    if (await target.swap(base, commit)) return { result, base, attempts: attempt };
    if (attempt >= attempts) {
      throw new LakebenchError('CONFLICT', `another writer committed to the table first, ${attempt} time(s); nothing was committed (what this run wrote is unreferenced: the orphan report lists it)`, {
        object: target.url,
      });
    }
    options.onRetry?.(attempt + 1);
  }
}

/** True for a lost race or a refused validation: what a caller reports as a conflict. */
export function isConflict(error: unknown): boolean {
  return isLakebenchError(error, 'CONFLICT');
}
