/**
 * Iceberg tables as a TableFormat: found by a metadata file in `metadata/`, read at any snapshot (by
 * id, time, tag or branch), inspected through snapshots, manifests, files, partitions per spec and
 * schemas with field ids, and queried through a DuckDB view. Writes go through one commit path
 * (commit.ts); the capabilities list the operations Iceberg tables take (import as an append, compact,
 * verify, orphans, vacuum, expire, maintain), and every other operation is refused by name before anything is touched. Versions are
 * snapshot ids, kept as text (64 bits) everywhere outside this folder.
 */
import { LakebenchError } from '../../errors';
import type { SqlSession } from '../../sql/session';
import type { ObjectStore } from '../../storage/types';
import { lastSegment } from '../folder-listing';
import type { FilesResult, FolderListing, HistoryEntry, ManifestsResult, OpenContext, PartitionsResult, SchemaResult, TableFormat, TableHandle, VersionRef, VersionsSummary } from '../table-format';
import { commonVersionRef } from '../version-ref';
import type { IcebergSnapshot } from './metadata';
import { isMetadataFileName, METADATA_DIR } from './metadata-files';
import { fileEntries, historyEntries, manifestEntry, partitionsResult, schemaResult, type FileContext } from './results';
import type { SnapshotSelector } from './snapshots';
import type { IcebergTable } from './table';

const MAX_LONG = 2n ** 63n - 1n;
const MIN_LONG = -(2n ** 63n);

/** `@<snapshot id>`: a signed 64-bit integer, kept exactly as text. */
function parseSnapshotId(text: string, object: string): VersionRef {
  const id = /^-?\d+$/.test(text) ? BigInt(text) : undefined;
  if (id === undefined || id > MAX_LONG || id < MIN_LONG) {
    throw new LakebenchError('USAGE', `@${text}: an Iceberg table is read at a snapshot id, an ISO time, tag:<name> or branch:<name>`, { object });
  }
  return { kind: 'id', id: id.toString() };
}

/** The snapshot selector of a ref (every kind is one Iceberg travels by). */
export function snapshotSelector(ref: VersionRef): SnapshotSelector {
  switch (ref.kind) {
    case 'latest':
      return { kind: 'current' };
    case 'time':
      return { kind: 'time', asOf: new Date(ref.at) };
    default:
      return ref;
  }
}

class IcebergHandle implements TableHandle {
  readonly format = icebergFormat;

  constructor(readonly table: IcebergTable) {}

  get store(): ObjectStore {
    return this.table.store;
  }

  private at(ref: VersionRef): { snapshot: IcebergSnapshot | undefined; selector: SnapshotSelector } {
    const selector = snapshotSelector(ref);
    return { snapshot: this.table.snapshot(selector), selector };
  }

  private fileContext(ref: VersionRef): FileContext {
    const { snapshot, selector } = this.at(ref);
    return { specs: this.table.specs, types: this.table.columnTypes(), schema: this.table.schemaFor(snapshot, selector) };
  }

  async history(upTo: VersionRef): Promise<HistoryEntry[]> {
    const entries = historyEntries(this.table.history());
    if (upTo.kind === 'latest') return entries;
    const last = this.at(upTo).snapshot;
    const ordinal = entries.find((e) => e.version === last?.id)?.ordinal ?? -1;
    return entries.filter((e) => e.ordinal <= ordinal);
  }

  async versions(): Promise<VersionsSummary> {
    const { snapshots, currentSnapshotId } = this.table.metadata;
    return { count: snapshots.length, ...(currentSnapshotId !== undefined && { current: currentSnapshotId }) };
  }

  async files(at: VersionRef): Promise<FilesResult> {
    const { snapshot } = this.at(at);
    const files = fileEntries(await this.table.files(snapshot), this.fileContext(at));
    return { location: this.store.url, ...(snapshot && { version: snapshot.id }), files };
  }

  async manifests(at: VersionRef): Promise<ManifestsResult> {
    const { snapshot } = this.at(at);
    const manifests = snapshot ? await this.table.manifests(snapshot) : [];
    return { location: this.store.url, ...(snapshot && { version: snapshot.id }), manifests: manifests.map(manifestEntry) };
  }

  async manifestFiles(at: VersionRef, path: string): Promise<FilesResult> {
    const { snapshot } = this.at(at);
    const manifest = snapshot && (await this.table.manifests(snapshot)).find((m) => m.path === path);
    if (!snapshot || !manifest) {
      throw new LakebenchError('NOT_FOUND', `manifest ${path} is not in snapshot ${snapshot?.id ?? '(none: the table is empty)'}`, { object: this.store.url });
    }
    const files = fileEntries(await this.table.manifestEntries(manifest), this.fileContext(at));
    return { location: this.store.url, version: snapshot.id, files };
  }

  async partitions(at: VersionRef): Promise<PartitionsResult> {
    const { snapshot } = this.at(at);
    const files = await this.table.files(snapshot);
    return partitionsResult(this.store.url, snapshot?.id, files, this.table.metadata, { specs: this.table.specs, types: this.table.columnTypes() });
  }

  async schema(at: VersionRef): Promise<SchemaResult> {
    const { snapshot, selector } = this.at(at);
    return schemaResult(this.store.url, snapshot?.id, this.table.schemaFor(snapshot, selector), this.table.metadata);
  }

  async register(session: SqlSession, name: string, at: VersionRef, options: { signal?: AbortSignal } = {}): Promise<void> {
    await session.registerIceberg(name, this.table, snapshotSelector(at), options);
  }
}

/** Opens the table a handle reads (a catalog's table arrives already opened). */
export function icebergHandle(table: IcebergTable): TableHandle {
  return new IcebergHandle(table);
}

const isMetadataFile = (object: { key: string }) => isMetadataFileName(lastSegment(object.key));

export const icebergFormat: TableFormat = {
  name: 'iceberg',
  title: 'Iceberg tables',
  capabilities: {
    views: ['history', 'schema', 'files', 'manifests', 'partitions', 'compare', 'quality', 'preview'],
    versionRefs: ['id', 'time', 'tag', 'branch'],
    // An operation added here is one the engine may run on Iceberg tables.
    operations: {
      // Append only (promote's write into a trusted table too): ops/iceberg-append.ts.
      import: { variant: 'append-snapshot', note: 'rows appended to the table by one append snapshot, in its current schema and partition spec' },
      verify: {},
      compact: { variant: 'replace-snapshot', note: 'rewrite_data_files: small files per partition bin-packed, deletes applied, one replace snapshot' },
      'rewrite-manifests': { note: 'rewrite_manifests: small data manifests merged by partition, one replace snapshot' },
      // Against what every metadata file of the metadata log reaches (ops/iceberg-orphans.ts).
      orphans: { variant: 'metadata-log' },
      vacuum: { variant: 'metadata-log' },
      // expire_snapshots through the commit path (ops/iceberg-expire.ts).
      expire: { variant: 'snapshots' },
      // compact → expire → vacuum (no checkpoint: ops/maintain.ts).
      maintain: {},
    },
  },

  // File-system tables name their metadata `vN.metadata.json` (after every `snap-*.avro` manifest list in
  // the listing: one narrow listing of `metadata/v` finds it); catalogs write `NNNNN-<uuid>.metadata.json`,
  // which sorts first in `metadata/`.
  async detect(folder: FolderListing) {
    return (
      (await folder.find(METADATA_DIR, isMetadataFile, { startsWith: 'v' })) !== undefined ||
      (await folder.find(METADATA_DIR, isMetadataFile)) !== undefined
    );
  },

  parseVersion(text, object) {
    return commonVersionRef(text) ?? parseSnapshotId(text, object);
  },

  tableFile(location) {
    const at = location.lastIndexOf(`/${METADATA_DIR}`);
    const name = location.slice(at + METADATA_DIR.length + 1);
    if (at <= 0 || !isMetadataFileName(name)) return undefined;
    return { table: location.slice(0, at), key: METADATA_DIR + name };
  },

  async open(store: ObjectStore, context: OpenContext) {
    // Loaded on open: finding tables needs only detect.
    const { IcebergTable } = await import('./table');
    return icebergHandle(await IcebergTable.open(store, context.pinned === undefined ? {} : { metadataKey: context.pinned }));
  },

  async verify(store, options) {
    const { verifyIcebergTable } = await import('../../ops/verify/iceberg-table');
    return verifyIcebergTable(store, { ...options, ...(options.pinned !== undefined && { metadataKey: options.pinned }) });
  },
};
