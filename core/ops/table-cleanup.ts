/**
 * `orphans` and `vacuum` in the variant a table's format supports them in (OperationSupport.variant):
 * none — Delta's, against the log's retained versions; `metadata-log` — Iceberg's, against what every
 * metadata file of the metadata log reaches. The CLI and the app's jobs both run them through here.
 * (Lakeside's `reconcile` report has a shape of its own and is run by its callers directly.)
 */
import { LakebenchError } from '../errors';
import type { OperationSupport } from '../formats/table-format';
import type { ObjectStore } from '../storage/types';
import type { OpOptions } from './maintenance/operations';
import type { OrphansResult } from './orphans';
import type { VacuumOptions, VacuumResult } from './vacuum';

export type CleanupVariant = OperationSupport['variant'];

export interface TableOrphansOptions extends OpOptions {
  /** Only orphans at least this old; default: the format's (Delta 0, Iceberg 3 days). */
  olderThanMs?: number;
  /** The file pinning the table's state (an Iceberg catalog's metadata file). */
  pinned?: string;
}

export interface TableOrphansResult extends OrphansResult {
  /** The age applied. */
  olderThanMs: number;
}

/** Refuses a variant run elsewhere (Lakeside's reconcile report): its callers run it directly. */
function checkVariant(variant: CleanupVariant, store: ObjectStore): void {
  if (variant !== undefined && variant !== 'metadata-log') {
    throw new LakebenchError('UNSUPPORTED_OPERATION', `the ${variant} variant is not run this way`, { object: store.url });
  }
}

export async function findTableOrphans(store: ObjectStore, variant: CleanupVariant, options: TableOrphansOptions): Promise<TableOrphansResult> {
  checkVariant(variant, store);
  const { pinned, ...rest } = options;
  if (variant === 'metadata-log') {
    const { findIcebergOrphans } = await import('./iceberg-orphans');
    return findIcebergOrphans(store, { ...rest, ...(pinned !== undefined && { metadataKey: pinned }) });
  }
  const { findOrphans } = await import('./orphans');
  const olderThanMs = options.olderThanMs ?? 0;
  return { ...(await findOrphans(store, { ...rest, olderThanMs })), olderThanMs };
}

export async function vacuumTableOf(
  store: ObjectStore,
  variant: CleanupVariant,
  options: VacuumOptions & OpOptions & Pick<TableOrphansOptions, 'pinned'>,
): Promise<VacuumResult> {
  checkVariant(variant, store);
  const { pinned, ...rest } = options;
  if (variant === 'metadata-log') {
    const { vacuumIcebergTable } = await import('./iceberg-vacuum');
    return vacuumIcebergTable(store, { ...rest, ...(pinned !== undefined && { metadataKey: pinned }) });
  }
  const { vacuumTable } = await import('./vacuum');
  return vacuumTable(store, rest);
}
