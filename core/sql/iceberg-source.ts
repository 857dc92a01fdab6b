/**
 * An Iceberg snapshot as a DuckDB view, local or remote. Scan planning picks the data files (and the
 * delete files they need), which are read in place for local tables and fetched through the FileCache
 * for remote ones (DuckDB only reads local files); the view SQL comes from formats/iceberg/view-sql.ts.
 *
 * Per query, when the query is a plain SELECT over this table with a usable WHERE (iceberg-filter.ts),
 * only the files the filter may match are planned and fetched, and the query is rewritten to read a
 * view of just those, as RemoteDeltaSource does for Delta partitions.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Predicate } from '../formats/iceberg/expression';
import type { DataFile } from '../formats/iceberg/manifests';
import type { IcebergSnapshot } from '../formats/iceberg/metadata';
import type { ScanPlan } from '../formats/iceberg/scan';
import type { Schema } from '../formats/iceberg/schema';
import type { SnapshotSelector } from '../formats/iceberg/snapshots';
import type { IcebergTable } from '../formats/iceberg/table';
import { icebergViewInput, nameMapping, type FileColumns } from '../formats/iceberg/view-input';
import { icebergViewSql } from '../formats/iceberg/view-sql';
import { LakebenchError } from '../errors';
import type { CacheLease, FileCache } from '../storage/cache';
import { mapWithConcurrency } from '../storage/concurrency';
import { withAbortSignal } from '../storage/request-scope';
import { quoteLiteralList, type SqlName } from '../sql-text';
import type { PreparedQuery } from './delta-source';
import { deserialize } from './prune';
import { icebergFilter } from './iceberg-filter';

/** Parallel downloads per query, as for Delta. */
const FETCH_CONCURRENCY = 8;
/** Existence checks of local files in flight. */
const CHECK_CONCURRENCY = 32;

export interface ViewCreated {
  plan: ScanPlan;
  /** Data and delete files the view reads (what was fetched for a remote table). */
  filesRead: number;
}

export class IcebergSource {
  readonly snapshot: IcebergSnapshot | undefined;
  readonly schema: Schema;
  private fullViewCreated = false;

  constructor(
    /** The view's name: one identifier, or `catalog.schema.table` for a catalog's table. */
    readonly name: SqlName,
    readonly table: IcebergTable,
    selector: SnapshotSelector = { kind: 'current' },
    private readonly cache?: FileCache,
  ) {
    this.snapshot = table.snapshot(selector);
    this.schema = table.schemaFor(this.snapshot, selector);
    if (table.store.kind !== 'local' && !cache) {
      throw new LakebenchError('USAGE', 'a remote Iceberg table needs a file cache to be queried', { object: table.url });
    }
  }

  /** Creates (or replaces) `viewName` over the files `filter` may match (all live files without one). */
  async createView(connection: DuckDBConnection, viewName: SqlName, filter?: Predicate, signal?: AbortSignal, lease?: CacheLease): Promise<ViewCreated> {
    return this.createViewOf(connection, viewName, await this.table.planScan(this.snapshot, filter), signal, lease);
  }

  /** Creates (or replaces) `viewName` over the tasks of `plan` (a part of the snapshot's plan: what a compaction rewrites). */
  async createViewOf(connection: DuckDBConnection, viewName: SqlName, plan: ScanPlan, signal?: AbortSignal, lease?: CacheLease): Promise<ViewCreated> {
    const wanted = [...plan.tasks.map((t) => t.file), ...plan.deleteFiles.filter((d) => d.format !== 'PUFFIN')];
    const local = await this.localPaths(wanted, signal, lease);
    const localPath = (key: string) => local.get(key)!;
    const footers = nameMapping(this.table) ? await footerColumns(connection, plan.tasks.map((t) => localPath(this.table.paths.keyOf(t.file.path)))) : undefined;
    const input = await icebergViewInput(this.table, this.schema, plan, { localPath, ...(footers && { footers }) });
    await connection.run(icebergViewSql(viewName, input));
    return { plan, filesRead: wanted.length };
  }

  /**
   * What `sql` needs: a pruned view when its WHERE narrows the scan (the query is rewritten to read
   * it), else the full view under the table's name, made once.
   */
  async prepare(connection: DuckDBConnection, sql: string, prune: { viewName: string } | undefined, signal?: AbortSignal, lease?: CacheLease): Promise<PreparedQuery> {
    if (prune && this.snapshot) {
      const filter = await icebergFilter(connection, sql, this.name, this.schema);
      if (filter) {
        await this.createView(connection, prune.viewName, filter.predicate, signal, lease);
        filter.from.alias = filter.from.alias || filter.from.table_name;
        // The pruned view lives in the session's own schema, whatever catalog the table was named in.
        Object.assign(filter.from, { table_name: prune.viewName, schema_name: '', catalog_name: '' });
        return { sql: await deserialize(connection, filter.statement), temporaryView: prune.viewName };
      }
    }
    // The full view is made once; its files are leased again for each statement (the cache may evict between them).
    if (!this.fullViewCreated) {
      await this.createView(connection, this.name, undefined, signal, lease);
      this.fullViewCreated = true;
    } else if (lease && this.table.store.kind !== 'local') {
      const plan = await this.table.planScan(this.snapshot);
      await this.localPaths([...plan.tasks.map((t) => t.file), ...plan.deleteFiles.filter((d) => d.format !== 'PUFFIN')], signal, lease);
    }
    return { sql };
  }

  /** Local paths by store key: in place for local tables, through the cache (pinned by `lease`) otherwise. */
  private async localPaths(files: DataFile[], signal?: AbortSignal, lease?: CacheLease): Promise<Map<string, string>> {
    const store = this.table.store;
    const items = files.map((file) => ({ key: this.table.paths.keyOf(file.path), size: file.fileSizeInBytes }));
    if (store.kind === 'local') {
      // A missing file must fail by name here, not as DuckDB's "No files found" over a long query text.
      await mapWithConcurrency(items, CHECK_CONCURRENCY, async (item, i) => {
        if (!(await store.head(item.key))) {
          throw new LakebenchError('NOT_FOUND', `data file ${files[i]!.path} is missing (looked for ${store.localPath(item.key)})`, {
            object: store.urlOf(item.key),
          });
        }
      });
      return new Map(items.map((item) => [item.key, store.localPath(item.key)!]));
    }
    // Cancelling the statement aborts the downloads in flight, not only those not yet started.
    return withAbortSignal(signal, () => this.cache!.ensureMany(store, items, { concurrency: FETCH_CONCURRENCY, ...(signal && { signal }), ...(lease && { lease }) }));
  }
}

/** Top-level field ids and column names in each file's footer (for tables whose files may lack ids). */
async function footerColumns(connection: DuckDBConnection, paths: string[]): Promise<Map<string, FileColumns>> {
  const found = new Map<string, { fieldIds: Set<number>; names: Set<string> }>();
  for (const path of paths) found.set(path, { fieldIds: new Set(), names: new Set() });
  if (paths.length === 0) return found;
  const reader = await connection.runAndReadAll(
    `SELECT file_name, name, field_id FROM parquet_schema(${quoteLiteralList(paths)}) WHERE name IS NOT NULL`,
  );
  for (const [file, name, fieldId] of reader.getRows()) {
    const entry = found.get(String(file));
    if (!entry) continue;
    entry.names.add(String(name));
    if (fieldId !== null && fieldId !== undefined) entry.fieldIds.add(Number(fieldId));
  }
  return found;
}
