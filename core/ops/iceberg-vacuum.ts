/**
 * VACUUM of an Iceberg table (Iceberg's remove_orphan_files): deletes the orphans (iceberg-orphans.ts)
 * last modified longer ago than the retention, and aborts incomplete uploads started that long ago.
 * Nothing any metadata file of the log reaches is ever deleted; expired snapshots' files are expire's.
 *
 * The retention protects writes in flight, whose files are orphans until their commit lands: 7 days
 * as for Delta (Iceberg's own default is 3 days: `--retention 3d --force`), shorter only with `force`.
 * Right before deleting, the metadata folder is listed again: a commit that landed meanwhile has its
 * reach walked and kept.
 */
import { listMetadataFiles } from '../formats/iceberg/metadata-files';
import { reachableFiles } from '../formats/iceberg/reachable';
import type { ObjectStore } from '../storage/types';
import { formatDuration } from '../units';
import { scanIcebergTable, type IcebergOrphansOptions } from './iceberg-orphans';
import type { OpOptions } from './maintenance/operations';
import { deleteDoomed, effectiveRetention, uploadToAbort, type Doomed, type VacuumOptions, type VacuumResult } from './vacuum';

export type IcebergVacuumOptions = VacuumOptions & OpOptions & Pick<IcebergOrphansOptions, 'metadataKey'>;

export async function vacuumIcebergTable(store: ObjectStore, options: IcebergVacuumOptions): Promise<VacuumResult> {
  const now = options.now ?? Date.now();
  const retentionMs = effectiveRetention(options, undefined, store.url);
  const scan = await scanIcebergTable(store, { ...options, now });
  const doomed = scan.orphans
    .filter((o) => o.ageMs >= retentionMs)
    .map((o): Doomed => (o.reason === 'incomplete-upload' ? uploadToAbort(o) : { key: o.key, size: o.size, reason: 'orphan' }));
  const walked = new Set(scan.reachable.metadataFiles);
  const safe = await withoutNewCommits(store, doomed, walked, options);
  return deleteDoomed(store, safe, { ...options, retentionMs, retention: formatDuration(retentionMs) });
}

/**
 * Drops what a metadata file that appeared since the walk reaches: a commit that landed while the
 * table was listed must not lose its files (a concurrent writer re-adding an old file, say).
 */
async function withoutNewCommits(store: ObjectStore, doomed: Doomed[], walked: Set<string>, options: IcebergVacuumOptions): Promise<Doomed[]> {
  if (doomed.length === 0) return doomed;
  const doomedKeys = new Set(doomed.map((d) => d.key));
  const appeared = (await listMetadataFiles(store)).filter((f) => !walked.has(f.key) && !doomedKeys.has(f.key));
  if (appeared.length === 0) return doomed;
  const { keys } = await reachableFiles(store, { metadataKey: options.metadataKey, signal: options.signal });
  return doomed.filter((d) => !keys.has(d.key));
}
