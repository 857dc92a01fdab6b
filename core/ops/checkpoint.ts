/**
 * `checkpoint`: writes the checkpoint of the latest version (classic, or UUID-named for a table whose
 * checkpoint policy is v2) and points `_last_checkpoint` at it, so readers start there instead of replaying every commit. Idempotent: an existing checkpoint of
 * that version holds the same state and is kept (checkpoint-write.ts).
 */
import { writeCheckpoint } from '../formats/delta/checkpoint-write';
import type { ObjectStore } from '../storage/types';
import type { OpOptions } from './maintenance/operations';
import { checkCancelled } from './table-references';
import { writableSnapshot } from './writable-snapshot';

export interface CheckpointResult {
  version: number;
  /** URL of the checkpoint file. */
  object: string;
}

export async function checkpointTable(store: ObjectStore, { signal, onProgress }: OpOptions = {}): Promise<CheckpointResult> {
  onProgress?.({ phase: 'checkpoint', done: 0, total: 1, bytes: 0 });
  // Writing into the log is a write: a protocol feature Lakebench does not implement (v2 checkpoints, …) refuses it.
  const snapshot = await writableSnapshot(store);
  checkCancelled(signal, store);
  const key = await writeCheckpoint(store, snapshot);
  onProgress?.({ phase: 'checkpoint', done: 1, total: 1, bytes: 0 });
  return { version: snapshot.version, object: store.urlOf(key) };
}
