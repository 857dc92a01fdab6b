import { DeltaTable, type Snapshot } from '../formats/delta/table';
import { assertWritable } from '../formats/delta/features';
import type { ObjectStore } from '../storage/types';

/**
 * The latest snapshot of a table an operation is about to change, refused (UNSUPPORTED_FEATURE naming
 * the feature) when its protocol asks writers for something Lakebench does not do — a writer that
 * ignored, say, deletion vectors or invariants would corrupt the table for everyone else.
 */
export async function writableSnapshot(store: ObjectStore): Promise<Snapshot> {
  const snapshot = await (await DeltaTable.open(store)).snapshot();
  assertWritable(snapshot.protocol, store.url, snapshot.metadata);
  return snapshot;
}
