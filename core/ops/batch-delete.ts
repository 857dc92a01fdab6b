/**
 * Deleting many objects for a maintenance job: in batches (one S3 DeleteObjects request of up to 1,000
 * keys; locally a round of parallel unlinks), with progress and a cancellation check between batches,
 * and the keys a batch could not delete reported one by one instead of failing the whole job.
 */
import { LakebenchError } from '../errors';
import type { ObjectStore } from '../storage/types';
import type { OpOptions, OpProgress } from './maintenance/operations';
import { checkCancelled } from './table-references';

/** A key left undeleted, with the store's reason. */
export interface FailedDelete {
  object: string;
  code: string;
  message: string;
}

/** S3 takes 1,000 keys a request; local unlinks are cheap, so smaller rounds keep cancellation prompt. */
const BATCH_KEYS = { s3: 1000, local: 64 } as const;

/**
 * Deletes `items` in order, batch by batch; `progress` (phase, done, total, bytes) advances by each batch's
 * deleted keys and bytes. Answers the failures; the keys not among them are gone.
 */
export async function deleteInBatches<T extends { key: string; size?: number }>(
  store: ObjectStore,
  items: readonly T[],
  progress: OpProgress,
  { signal, onProgress }: OpOptions,
): Promise<FailedDelete[]> {
  const failed: FailedDelete[] = [];
  const batchKeys = BATCH_KEYS[store.kind];
  for (let i = 0; i < items.length; i += batchKeys) {
    checkCancelled(signal, store);
    const batch = items.slice(i, i + batchKeys);
    const failures = await store.deleteMany(batch.map((item) => item.key));
    const notDeleted = new Set(failures.map((f) => f.key));
    for (const f of failures) failed.push({ object: store.urlOf(f.key), code: f.code, message: f.message });
    for (const item of batch) {
      if (notDeleted.has(item.key)) continue;
      progress.done++;
      progress.bytes += item.size ?? 0;
    }
    onProgress?.({ ...progress });
  }
  return failed;
}

/** The failures as one clause naming every key: `2 of 5 <what> could not be deleted: url (Code: message), …`. */
export function describeFailedDeletes(failed: readonly FailedDelete[], total: number, what: string): string {
  const named = failed.map((f) => `${f.object} (${f.code}: ${f.message})`).join(', ');
  return `${failed.length} of ${total} ${what} could not be deleted: ${named}`;
}

/**
 * deleteInBatches for a step whose next step needs every key gone (a manifest deleted after what it
 * names): any key left undeleted stops the run with one IO error naming them all.
 */
export async function deleteAllInBatches(
  store: ObjectStore,
  keys: readonly string[],
  what: string,
  options: OpOptions & { progress?: OpProgress } = {},
): Promise<void> {
  const progress = options.progress ?? { phase: 'delete', done: 0, total: keys.length, bytes: 0 };
  const failed = await deleteInBatches(store, keys.map((key) => ({ key })), progress, options);
  if (failed.length > 0) throw new LakebenchError('IO', describeFailedDeletes(failed, keys.length, what), { object: failed[0]!.object });
}
