/**
 * An Iceberg table opened on an ObjectStore rooted at the table's folder: its metadata (found from the
 * folder, or named by a catalog), snapshots, schemas and partition specs, and per snapshot its
 * manifests, files and a pruned scan plan. Read-only: nothing here writes.
 *
 * Manifests and manifest lists are immutable (new commits write new ones under fresh names), so their
 * parsed entries are kept in a bounded in-process cache keyed by store and path.
 */
import { LakebenchError } from '../../errors';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import { readDeletionVector, type PositionRanges } from './deletion-vector';
import type { ColumnTypes, Predicate } from './expression';
import { ENTRY_STATUS, manifestFromPath, readManifest, readManifestList, type DataFile, type ManifestFile } from './manifests';
import { parseTableMetadata, type IcebergSnapshot, type PartitionSpec, type TableMetadata } from './metadata';
import { currentMetadataKey } from './metadata-files';
import { PathResolver } from './paths';
import { fieldsById, type IcebergType, type Schema } from './schema';
import { planScan, type ScanPlan } from './scan';
import { selectSnapshot, type SnapshotSelector } from './snapshots';

export interface ReadOptions {
  /** Read from storage even when a parsed copy is cached (verify checks what is stored now). */
  fresh?: boolean;
}

export interface OpenOptions {
  /** Key (under the store root) of the metadata file to open; default: the folder's current one. */
  metadataKey?: string;
}

/** One row of the snapshot history, as the CLI and the app show it. */
export interface SnapshotSummary {
  /** Snapshot id as a decimal string (exact for all 64 bits). */
  version: string;
  timestamp: number;
  operation: string;
  parent?: string;
  sequenceNumber: number;
  schemaId?: number;
  summary: Record<string, string>;
  /** Branches and tags pointing at this snapshot. */
  refs: string[];
  /** On the current snapshot's ancestry (what `main` went through). */
  current: boolean;
}

const MAX_CACHED_MANIFESTS = 4096;
const MANIFEST_CONCURRENCY = 16;
const manifestCache = new Map<string, Promise<unknown>>();

function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  let hit = manifestCache.get(key) as Promise<T> | undefined;
  if (hit) {
    manifestCache.delete(key); // re-insert: the map's order is the LRU order
    manifestCache.set(key, hit);
    return hit;
  }
  hit = load();
  manifestCache.set(key, hit);
  hit.catch(() => manifestCache.delete(key));
  while (manifestCache.size > MAX_CACHED_MANIFESTS) manifestCache.delete(manifestCache.keys().next().value!);
  return hit;
}

export class IcebergTable {
  readonly paths: PathResolver;
  readonly specs: ReadonlyMap<number, PartitionSpec>;

  private constructor(
    readonly store: ObjectStore,
    readonly metadataKey: string,
    readonly metadata: TableMetadata,
  ) {
    this.paths = new PathResolver(metadata, store.url);
    this.specs = new Map(metadata.specs.map((spec) => [spec.specId, spec]));
  }

  /** NOT_A_TABLE when the folder holds no metadata; CORRUPT naming the metadata file when it does not parse. */
  static async open(store: ObjectStore, options: OpenOptions = {}): Promise<IcebergTable> {
    const key = options.metadataKey ?? (await currentMetadataKey(store));
    const metadata = parseTableMetadata(await store.get(key), store.urlOf(key));
    return new IcebergTable(store, key, metadata);
  }

  /** A table whose metadata was already read (a REST catalog's load-table answer includes it). */
  static fromMetadata(store: ObjectStore, metadataKey: string, metadata: TableMetadata): IcebergTable {
    return new IcebergTable(store, metadataKey, metadata);
  }

  get url(): string {
    return this.store.url;
  }

  /** Every snapshot still in the metadata, newest first. */
  history(): SnapshotSummary[] {
    const refsById = new Map<string, string[]>();
    for (const [name, ref] of Object.entries(this.metadata.refs)) refsById.set(ref.snapshotId, [...(refsById.get(ref.snapshotId) ?? []), name]);
    const ancestry = new Set<string>();
    const byId = new Map(this.metadata.snapshots.map((s) => [s.id, s]));
    for (let id = this.metadata.currentSnapshotId; id !== undefined && !ancestry.has(id); id = byId.get(id)?.parentId) ancestry.add(id);
    return [...this.metadata.snapshots]
      .sort((a, b) => b.timestampMs - a.timestampMs || b.sequenceNumber - a.sequenceNumber)
      .map((s) => ({
        version: s.id,
        timestamp: s.timestampMs,
        operation: s.operation,
        ...(s.parentId !== undefined && { parent: s.parentId }),
        sequenceNumber: s.sequenceNumber,
        ...(s.schemaId !== undefined && { schemaId: s.schemaId }),
        summary: s.summary,
        refs: refsById.get(s.id) ?? [],
        current: ancestry.has(s.id),
      }));
  }

  /** The selected snapshot; undefined for the current state of a table with no snapshot yet. */
  snapshot(selector: SnapshotSelector = { kind: 'current' }): IcebergSnapshot | undefined {
    return selectSnapshot(this.metadata, selector, this.url);
  }

  /**
   * The schema rows are read with: the table's current schema for its current state and branches (as
   * Spark and Trino do, so a rename shows at once), the snapshot's own schema when travelling to a
   * snapshot id, a tag or a time.
   */
  schemaFor(snapshot: IcebergSnapshot | undefined, selector: SnapshotSelector = { kind: 'current' }): Schema {
    const travelling = selector.kind === 'id' || selector.kind === 'tag' || selector.kind === 'time';
    const id = travelling && snapshot?.schemaId !== undefined ? snapshot.schemaId : this.metadata.currentSchemaId;
    const schema = this.metadata.schemas.find((s) => s['schema-id'] === id);
    if (!schema) throw new LakebenchError('CORRUPT', `schema ${id} is not in the table metadata`, { object: this.store.urlOf(this.metadataKey) });
    return schema;
  }

  /** Every column type by field id, over all schemas (the current schema's type wins): what filters and bounds are read with. */
  columnTypes(): ColumnTypes {
    const types = new Map<number, IcebergType>();
    const current = this.metadata.schemas.filter((s) => s['schema-id'] === this.metadata.currentSchemaId);
    const others = this.metadata.schemas.filter((s) => s['schema-id'] !== this.metadata.currentSchemaId);
    for (const schema of [...others, ...current]) for (const [id, field] of fieldsById(schema)) types.set(id, field.type);
    return types;
  }

  /** The manifests of a snapshot (from its manifest list, or v1's inline list). */
  async manifests(snapshot: IcebergSnapshot, { fresh = false }: ReadOptions = {}): Promise<ManifestFile[]> {
    if (snapshot.manifestList === undefined) return (snapshot.manifests ?? []).map(manifestFromPath);
    const key = this.paths.keyOf(snapshot.manifestList);
    const load = async () => readManifestList(await this.read(key, snapshot.manifestList!), this.store.urlOf(key));
    return fresh ? load() : cached(`${this.store.id}|list|${key}`, load);
  }

  /** Every entry of one manifest (deleted ones too). */
  async manifestEntries(manifest: ManifestFile, { fresh = false }: ReadOptions = {}): Promise<DataFile[]> {
    const key = this.paths.keyOf(manifest.path);
    const load = async () => readManifest(await this.read(key, manifest.path), manifest, this.store.urlOf(key));
    return fresh ? load() : cached(`${this.store.id}|manifest|${key}|${manifest.sequenceNumber}|${manifest.specId}`, load);
  }

  /** The live data and delete files of a snapshot (none for an empty table). */
  async files(snapshot: IcebergSnapshot | undefined): Promise<DataFile[]> {
    if (!snapshot) return [];
    const entries = await mapWithConcurrency(await this.manifests(snapshot), MANIFEST_CONCURRENCY, (m) => this.manifestEntries(m));
    return entries.flat().filter((file) => file.status !== ENTRY_STATUS.deleted);
  }

  /** The data files a filter may match, with the delete files each needs. */
  async planScan(snapshot: IcebergSnapshot | undefined, filter?: Predicate): Promise<ScanPlan> {
    if (!snapshot) return { tasks: [], deleteFiles: [], stats: { manifests: 0, manifestsSkipped: 0, dataFiles: 0, dataFilesSkipped: 0 } };
    return planScan({
      manifests: await this.manifests(snapshot),
      specs: this.specs,
      types: this.columnTypes(),
      ...(filter && { filter }),
      readEntries: (manifest) => this.manifestEntries(manifest),
    });
  }

  /** The deleted positions of a v3 deletion vector (a blob range of its Puffin file). */
  async deletionVector(file: DataFile): Promise<PositionRanges> {
    const key = this.paths.keyOf(file.path);
    if (file.contentOffset === undefined || file.contentSizeInBytes === undefined) {
      throw new LakebenchError('CORRUPT', 'deletion vector entry lacks content_offset or content_size_in_bytes', { object: this.store.urlOf(key) });
    }
    const blob = await this.read(key, file.path, { offset: file.contentOffset, length: file.contentSizeInBytes });
    return readDeletionVector(blob, this.store.urlOf(key));
  }

  /** Bytes of a file the metadata names; NOT_FOUND naming both the recorded path and where it was looked for. */
  async read(key: string, recorded: string, range?: { offset: number; length: number }): Promise<Uint8Array> {
    try {
      return await this.store.get(key, range);
    } catch (e) {
      if (e instanceof LakebenchError && e.code === 'NOT_FOUND') {
        throw new LakebenchError('NOT_FOUND', `${recorded} is missing (looked for ${this.store.urlOf(key)})`, {
          object: this.store.urlOf(key),
          cause: e,
        });
      }
      throw e;
    }
  }
}
