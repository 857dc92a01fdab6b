/**
 * What an Iceberg table's metadata reaches (the "valid files" of Iceberg's remove_orphan_files): the
 * current metadata file and every metadata file its `metadata-log` names, and for every snapshot any of
 * them holds its manifest list, its manifests, the data and delete files live in them, and the
 * statistics files; `version-hint.text` too. Objects under the table that none of these name are
 * orphans. A file only a `deleted` manifest entry names is not reached: it was live in the parent
 * snapshot, which reaches it while it is retained (as Iceberg's reader of manifests counts only live
 * entries).
 *
 * Metadata files numbered above the current one count as well (see newerMetadataFiles).
 *
 * Metadata files the log names that are gone (a writer's `write.metadata.delete-after-commit`) and the
 * manifests of snapshots already expired are skipped: nothing can be an orphan through them. A
 * snapshot the *current* metadata holds whose manifest list or manifest cannot be read is another
 * matter — its files would look unreferenced — so that ends the walk with the object named.
 */
import { isLakebenchError, LakebenchError } from '../../errors';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../../ops/maintenance/operations';
import { ENTRY_STATUS, type ManifestFile } from './manifests';
import type { IcebergSnapshot } from './metadata';
import { currentMetadataKey, listMetadataFiles, metadataVersionOf, VERSION_HINT } from './metadata-files';
import { IcebergTable } from './table';

export interface ReachableFiles {
  /** The table at the metadata file the walk started from. */
  current: IcebergTable;
  /** The keys (both forms of an escaped path: PathResolver.keysOf) of every object reached. */
  keys: Set<string>;
  /**
   * Those of them the table keeps: every metadata file, and what the snapshots of the current (and
   * newer) metadata reach, less the `expiring` ones. The rest is reached only through snapshots that
   * expire removed (or, with `expiring`, will remove): what expire deletes.
   */
  retainedKeys: Set<string>;
  /** Metadata files read: the current one, newer ones, and those of its log that exist. */
  metadataFiles: string[];
  /** Recorded paths outside the table's location (never orphans of it; listed for reports). */
  outside: string[];
}

export interface ReachableOptions extends Pick<OpOptions, 'signal' | 'onProgress'> {
  /** The metadata file to start from (a catalog's pointer); default: the folder's current one. */
  metadataKey?: string;
  /** Snapshots of the current metadata to count as expired (an expire plan). */
  expiring?: ReadonlySet<string>;
}

/** Manifest and metadata reads in flight (as for scans). */
const READ_CONCURRENCY = 16;

/** Walks the metadata log from the current metadata file and collects every key it reaches. */
export async function reachableFiles(store: ObjectStore, options: ReachableOptions = {}): Promise<ReachableFiles> {
  const current = await IcebergTable.open(store, { metadataKey: options.metadataKey ?? (await currentMetadataKey(store)) });
  const walk = new Walk(store, options);
  walk.add(current, VERSION_HINT, true);
  walk.add(current, current.metadataKey, true);
  const logged = current.metadata.metadataLog.flatMap((entry) => walk.add(current, entry.metadataFile, true) ?? []);
  const newer = await newerMetadataFiles(store, current.metadataKey);
  for (const key of newer) walk.add(current, key, true);
  const roots = [...newer, ...logged];
  options.onProgress?.({ phase: 'metadata', done: 0, total: roots.length + 1, bytes: 0 });
  const others = await mapWithConcurrency(roots, READ_CONCURRENCY, async (key) => {
    walk.checkCancelled();
    return openIfPresent(store, key);
  });
  const tables = [current, ...others.filter((t): t is IcebergTable => t !== undefined)];
  options.onProgress?.({ phase: 'metadata', done: roots.length + 1, total: roots.length + 1, bytes: 0 });

  const expiring = options.expiring ?? new Set<string>();
  const currentSnapshots = new Set(current.metadata.snapshots.map((s) => s.id).filter((id) => !expiring.has(id)));
  const keptTables = new Set([current, ...others.slice(0, newer.length)]);
  const kept = new Set([...keptTables].flatMap((t) => (t ? t.metadata.snapshots.map((s) => s.id) : [])).filter((id) => !expiring.has(id)));
  for (const table of tables) {
    for (const path of table.metadata.statisticsFiles ?? []) walk.add(table, path, keptTables.has(table));
  }
  // Each snapshot once (the newest metadata holding it reads it), each manifest once.
  const snapshots = new Map<string, { table: IcebergTable; snapshot: IcebergSnapshot }>();
  for (const table of tables) for (const snapshot of table.metadata.snapshots) if (!snapshots.has(snapshot.id)) snapshots.set(snapshot.id, { table, snapshot });
  // A manifest both kept and expiring snapshots list is read once, as kept (and required if either is).
  const manifests = new Map<string, { table: IcebergTable; manifest: ManifestFile; required: boolean; retained: boolean }>();
  await mapWithConcurrency([...snapshots.values()], READ_CONCURRENCY, async ({ table, snapshot }) => {
    walk.checkCancelled();
    const required = currentSnapshots.has(snapshot.id);
    const retained = kept.has(snapshot.id);
    if (snapshot.manifestList !== undefined) walk.add(table, snapshot.manifestList, retained);
    const list = await walk.read(required, () => table.manifests(snapshot));
    for (const manifest of list ?? []) {
      const key = walk.add(table, manifest.path, retained);
      if (key === undefined) continue;
      const seen = manifests.get(key);
      manifests.set(key, { table, manifest, required: required || (seen?.required ?? false), retained: retained || (seen?.retained ?? false) });
    }
  });
  let done = 0;
  options.onProgress?.({ phase: 'manifests', done, total: manifests.size, bytes: 0 });
  await mapWithConcurrency([...manifests.values()], READ_CONCURRENCY, async ({ table, manifest, required, retained }) => {
    walk.checkCancelled();
    for (const file of (await walk.read(required, () => table.manifestEntries(manifest))) ?? []) {
      if (file.status !== ENTRY_STATUS.deleted) walk.add(table, file.path, retained);
    }
    options.onProgress?.({ phase: 'manifests', done: ++done, total: manifests.size, bytes: 0 });
  });
  return { current, keys: walk.keys, retainedKeys: walk.retainedKeys, metadataFiles: tables.map((t) => t.metadataKey), outside: [...walk.outside] };
}

/**
 * Metadata files numbered above the current one: a commit that landed after the current one was read,
 * or one whose `version-hint.text` update was cut short (the put-if-absent of `vN.metadata.json` is the
 * commit) — or a catalog commit that lost its race, which the next commit's number overtakes. None is
 * an orphan while it is newer, and everything it reaches is kept.
 */
async function newerMetadataFiles(store: ObjectStore, currentKey: string): Promise<string[]> {
  const version = metadataVersionOf(currentKey);
  if (version === undefined) return [];
  return (await listMetadataFiles(store)).filter((f) => f.version > version && f.key !== currentKey).map((f) => f.key);
}

/** The metadata file at `key`, or undefined when it is gone (cleaned up after later commits). */
async function openIfPresent(store: ObjectStore, key: string): Promise<IcebergTable | undefined> {
  try {
    return await IcebergTable.open(store, { metadataKey: key });
  } catch (e) {
    if (isLakebenchError(e, 'NOT_FOUND')) return undefined;
    throw e;
  }
}

/** The keys collected so far and the rules for adding and reading. */
class Walk {
  readonly keys = new Set<string>();
  readonly retainedKeys = new Set<string>();
  readonly outside = new Set<string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly options: ReachableOptions,
  ) {}

  /** Adds the keys a recorded path names (resolved by `table`'s roots); returns its decoded key, undefined when outside. */
  add(table: IcebergTable, recorded: string, retained: boolean): string | undefined {
    let keys: string[];
    try {
      keys = table.paths.keysOf(recorded);
    } catch (e) {
      if (!isLakebenchError(e, 'OUTSIDE_LOCATION')) throw e;
      this.outside.add(recorded);
      return undefined;
    }
    for (const key of keys) {
      this.keys.add(key);
      if (retained) this.retainedKeys.add(key);
    }
    return keys[keys.length - 1];
  }

  /**
   * Reads a manifest list or manifest. Missing or unreadable: fatal when a snapshot of the current
   * metadata needs it (`required`), else skipped (an expired snapshot's files are gone by design).
   */
  async read<T>(required: boolean, load: () => Promise<T>): Promise<T | undefined> {
    try {
      return await load();
    } catch (e) {
      if (!isLakebenchError(e, 'NOT_FOUND') && !isLakebenchError(e, 'CORRUPT')) throw e;
      if (!required) return undefined;
      throw new LakebenchError(
        e.code,
        `${(e as Error).message}: a snapshot of the current metadata needs it, so which files are orphans cannot be told (run verify)`,
        { object: e.object ?? this.store.url, cause: e },
      );
    }
  }

  checkCancelled(): void {
    if (this.options.signal?.aborted) throw new LakebenchError('CANCELLED', 'cancelled', { object: this.store.url });
  }
}
