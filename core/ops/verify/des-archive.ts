/**
 * `verify` of a DES archive: every live shard inspected whole (des-shard.ts), sidecars without their
 * shard, and the output of unfinished repacks listed as orphans (no reader uses them; repack removes
 * them). Shards a committed repack retired are not checked: readers no longer pick them.
 */
import { listArchive } from '../../formats/des/listing';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { checkCancelled } from '../table-references';
import { inspectShard } from './des-shard';
import type { VerifyProblem, VerifyReport } from './problems';

/** Whole shards in flight: each is held in memory while checked. */
const SHARD_CONCURRENCY = 2;

export async function verifyArchive(store: ObjectStore, { signal, onProgress }: OpOptions = {}): Promise<VerifyReport> {
  const listing = await listArchive(store);
  const progress = { phase: 'shards', done: 0, total: listing.shards.length, bytes: 0 };
  onProgress?.({ ...progress });
  const inspected = await mapWithConcurrency(listing.shards, SHARD_CONCURRENCY, async (shard) => {
    checkCancelled(signal, store);
    const { problems, index } = await inspectShard(store, shard);
    progress.done++;
    progress.bytes += shard.shard.size;
    onProgress?.({ ...progress });
    return { problems, entries: index?.entries.length ?? 0 };
  });
  const lonely: VerifyProblem[] = listing.lonelySidecars.map((s) => ({
    object: store.urlOf(s.key),
    kind: 'lonely-sidecar',
    detail: `sidecar ${s.key} has no shard beside it`,
  }));
  const corruptShards = inspected.filter((s) => s.problems.some((p) => p.kind !== 'missing-sidecar')).length;
  return {
    location: store.url,
    problems: [...inspected.flatMap((s) => s.problems), ...lonely],
    checked: { files: listing.shards.length, bytes: progress.bytes, entries: inspected.reduce((n, s) => n + s.entries, 0) },
    corruption_rate: listing.shards.length === 0 ? 0 : corruptShards / listing.shards.length,
    orphans: listing.uncommitted.map((o) => store.urlOf(o.key)),
  };
}
