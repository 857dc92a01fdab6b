/**
 * The three ways an Iceberg table's pointer is swapped (commit.ts): a file-system table (a folder,
 * local or S3/R2) by creating `metadata/v<N+1>.metadata.json` only if absent and then rewriting
 * `version-hint.text`; a SQL catalog by `UPDATE … WHERE metadata_location = <old>`; a REST catalog by
 * its table commit with requirements. Each settles an unknown outcome by reading back (commit
 * identity: the exact bytes written, the location written, the snapshot added), never a blind retry.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { LakebenchError } from '../../errors';
import { openSqlite } from '../../native/sqlite-addon';
import { conditionalPut, settleConditionalWrite, type Observed } from '../../storage/conditional-write';
import type { ObjectStore } from '../../storage/types';
import type { RestCatalog } from './catalog/rest-catalog';
import { splitMetadataLocation, type StoreOpener } from './catalog/table-location';
import type { CommitTarget, PendingCommit, TableState } from './commit';
import { metadataText, parseExactJson, tableMetadataFromJson } from './metadata';
import { currentMetadataKey, isVersionFileName, metadataVersionOf, METADATA_DIR, VERSION_HINT } from './metadata-files';
import { applyMetadataUpdates, stringifyMetadata, unmetRequirement, type JsonObject } from './metadata-update';
import { IcebergTable } from './table';

/** A table's state from its metadata file's bytes. */
async function stateAt(store: ObjectStore, key: string, metadataLocation?: string): Promise<TableState> {
  const object = store.urlOf(key);
  const bytes = await store.get(key);
  let raw: JsonObject;
  try {
    raw = parseExactJson(metadataText(bytes, object)) as JsonObject;
  } catch (e) {
    if (e instanceof LakebenchError) throw e;
    throw new LakebenchError('CORRUPT', `table metadata is not valid JSON: ${(e as Error).message}`, { object, cause: e });
  }
  const metadata = tableMetadataFromJson(raw, object);
  return { table: IcebergTable.fromMetadata(store, key, metadata), raw, metadataLocation: metadataLocation ?? `${metadata.location}/${key}` };
}

/** The new metadata's text over `base`, refusing when a requirement no longer holds. */
function nextMetadata(base: TableState, commit: PendingCommit, object: string): string {
  const unmet = unmetRequirement(base.raw, commit.requirements);
  if (unmet) throw new LakebenchError('CONFLICT', `the commit no longer applies: ${unmet}`, { object });
  return stringifyMetadata(applyMetadataUpdates(base.raw, commit.updates, { previousMetadataFile: base.metadataLocation, now: Date.now() }));
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** A table in a folder: `vN.metadata.json` files and `version-hint.text` (Iceberg's HadoopTableOperations). */
export class FileSystemTarget implements CommitTarget {
  constructor(readonly store: ObjectStore) {}

  get url(): string {
    return this.store.url;
  }

  async load(): Promise<TableState> {
    const key = await currentMetadataKey(this.store);
    if (!isVersionFileName(key)) {
      throw new LakebenchError('USAGE', `the table's metadata is named by a catalog (${key}): change it through its catalog (--catalog), not its folder`, {
        object: this.store.url,
      });
    }
    return stateAt(this.store, key);
  }

  async swap(base: TableState, commit: PendingCommit): Promise<boolean> {
    const version = metadataVersionOf(base.table.metadataKey)! + 1;
    const gzip = /\.gz\b/.test(base.table.metadataKey);
    const key = `${METADATA_DIR}v${version}${gzip ? '.gz' : ''}.metadata.json`;
    const text = nextMetadata(base, commit, this.store.urlOf(key));
    const body = gzip ? gzipSync(text) : Buffer.from(text, 'utf8');
    // The bytes are this commit's identity: they hold its fresh snapshot id and time.
    if (!(await conditionalPut(this.store, { key, body, isOurs: (existing) => sameBytes(existing, body) }))) return false;
    // Committed. The hint only spares readers a listing; one that lags is corrected by probing forward.
    await this.store.put(VERSION_HINT, String(version)).catch(() => undefined);
    return true;
  }
}

/** Where a SQL catalog keeps one table's row. */
export interface SqlCatalogTable {
  /** The SQLite file. */
  path: string;
  catalogName: string;
  namespace: string[];
  name: string;
  openStore: StoreOpener;
}

const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** A table of an Iceberg SQL catalog in SQLite (pyiceberg's and the JDBC catalog's `iceberg_tables`). */
export class SqlCatalogTarget implements CommitTarget {
  private opened?: ObjectStore;

  constructor(private readonly row: SqlCatalogTable) {}

  get url(): string {
    return `${this.row.path}#${[...this.row.namespace, this.row.name].join('.')}`;
  }

  get store(): ObjectStore {
    if (!this.opened) throw new LakebenchError('USAGE', 'the table is read before its store is known', { object: this.url });
    return this.opened;
  }

  /** Runs `work` on a read-write handle of the catalog, closed after. */
  private withDb<T>(work: (db: ReturnType<typeof openSqlite>) => T): T {
    const db = openSqlite(this.row.path, { fileMustExist: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
    try {
      return work(db);
    } finally {
      db.close();
    }
  }

  private location(): string | undefined {
    const { catalogName, namespace, name } = this.row;
    const found = this.withDb((db) =>
      db
        .prepare('SELECT metadata_location AS location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?')
        .get(catalogName, namespace.join('.'), name),
    ) as { location: string | null } | undefined;
    return found?.location ?? undefined;
  }

  async load(): Promise<TableState> {
    const location = this.location();
    if (!location) throw new LakebenchError('NOT_FOUND', `table ${[...this.row.namespace, this.row.name].join('.')} has no metadata_location in catalog ${this.row.catalogName}`, { object: this.row.path });
    const { tableLocation, metadataKey } = splitMetadataLocation(location);
    this.opened ??= this.row.openStore(tableLocation);
    return stateAt(this.opened, metadataKey, location);
  }

  async swap(base: TableState, commit: PendingCommit): Promise<boolean> {
    const version = (metadataVersionOf(base.table.metadataKey) ?? 0) + 1;
    const key = `${METADATA_DIR}${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
    const body = Buffer.from(nextMetadata(base, commit, this.store.urlOf(key)), 'utf8');
    // A fresh name: only a lost answer can find it there, and then with these bytes.
    await conditionalPut(this.store, { key, body, isOurs: (existing) => sameBytes(existing, body) });
    const next = `${base.table.metadata.location}/${key}`;
    const { catalogName, namespace, name } = this.row;
    const attempt = async () =>
      this.withDb(
        (db) =>
          db
            .prepare(
              'UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ? WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND metadata_location = ?',
            )
            .run(next, base.metadataLocation, catalogName, namespace.join('.'), name, base.metadataLocation).changes === 1,
      );
    const observe = async (): Promise<Observed> => {
      const now = this.location();
      return now === next ? 'ours' : now === base.metadataLocation ? 'unchanged' : 'theirs';
    };
    return settleConditionalWrite(attempt, observe, { object: this.url });
  }
}

/** A table of a REST catalog: the catalog applies the updates and writes the metadata file itself. */
export class RestCatalogTarget implements CommitTarget {
  private opened?: ObjectStore;

  constructor(
    private readonly catalog: RestCatalog,
    private readonly namespace: string[],
    private readonly name: string,
  ) {}

  get url(): string {
    return [...this.namespace, this.name].join('.');
  }

  get store(): ObjectStore {
    if (!this.opened) throw new LakebenchError('USAGE', 'the table is read before its store is known', { object: this.url });
    return this.opened;
  }

  async load(): Promise<TableState> {
    const state = await this.catalog.loadTableState(this.namespace, this.name);
    this.opened ??= state.table.store;
    return state;
  }

  async swap(base: TableState, commit: PendingCommit): Promise<boolean> {
    const body = stringifyMetadata({
      identifier: { namespace: this.namespace, name: this.name },
      requirements: commit.requirements as unknown as JsonObject[],
      updates: commit.updates as unknown as JsonObject[],
    });
    const observe = async (): Promise<Observed> => {
      const now = await this.catalog.loadTableState(this.namespace, this.name);
      if (commit.landed(now.table.metadata)) return 'ours';
      return now.metadataLocation === base.metadataLocation ? 'unchanged' : 'theirs';
    };
    return settleConditionalWrite(() => this.catalog.commitTable(this.namespace, this.name, body), observe, { object: this.url });
  }
}
