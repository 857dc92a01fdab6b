/**
 * Iceberg catalogs the API knows by name: the CLI's `--catalog <name>=<uri>`, the app's catalog
 * connections. As a location, `<name>` is the catalog itself (its tables are what `tables` finds) and
 * `<name>.<namespace>.<table>` one of its tables, opened at the metadata the catalog points to; SQL
 * sessions see every table as `<name>.<namespace>.<table>`. A catalog is Iceberg's own way of naming
 * tables, so this module knows the Iceberg format by name.
 */
import { LakebenchError } from '../errors';
import type { CatalogTableId, IcebergCatalog } from '../formats/iceberg/catalog/catalog';
import type { CommitTarget } from '../formats/iceberg/commit';
import { icebergFormat } from '../formats/iceberg/plugin';
import type { IcebergTable } from '../formats/iceberg/table';
import type { TableFormat } from '../formats/table-format';
import { mapWithConcurrency } from '../storage/concurrency';
import type { FoundTable } from './types';

/** A catalog table a location names. */
export interface CatalogTableRef {
  catalog: string;
  namespace: string[];
  table: string;
}

/** Namespace listings in flight while walking a catalog. */
const LIST_CONCURRENCY = 8;

export class Catalogs {
  /** The format of every catalog's tables. */
  readonly format: TableFormat = icebergFormat;
  /** By lower-cased name (SQL names match case-insensitively), and each name as registered. */
  private readonly byName = new Map<string, IcebergCatalog>();
  private readonly names = new Map<string, string>();

  /** Registers a catalog under `name` (replacing one of that name). */
  add(name: string, catalog: IcebergCatalog): void {
    this.byName.set(name.toLowerCase(), catalog);
    this.names.set(name.toLowerCase(), name);
  }

  remove(name: string): void {
    this.byName.delete(name.toLowerCase());
    this.names.delete(name.toLowerCase());
  }

  /** Catalog names as registered. */
  list(): string[] {
    return [...this.names.values()];
  }

  /** The catalog a location names by itself (`prod`), if any. */
  named(location: string): IcebergCatalog | undefined {
    return this.byName.get(location.toLowerCase());
  }

  /** `prod.db.events` (`prod.a.b.events`: namespace a.b) for a registered catalog `prod`; undefined for any other location. */
  tableRef(location: string): CatalogTableRef | undefined {
    if (/[/\\:]/.test(location)) return undefined;
    const parts = location.split('.');
    const catalog = this.names.get(parts[0]!.toLowerCase());
    if (catalog === undefined || parts.length < 3 || parts.some((p) => p === '')) return undefined;
    return { catalog, namespace: parts.slice(1, -1), table: parts[parts.length - 1]! };
  }

  /** Where commits to the table a ref names go. */
  commitTarget(ref: CatalogTableRef): CommitTarget {
    return this.byName.get(ref.catalog.toLowerCase())!.commitTarget(ref.namespace, ref.table);
  }

  load(ref: CatalogTableRef): Promise<IcebergTable> {
    return this.byName.get(ref.catalog.toLowerCase())!.loadTable(ref.namespace, ref.table);
  }

  /** Every table of the catalog named `name`, as `tables` lists tables: keyed `<namespace path>/<table>`. */
  async tables(name: string): Promise<FoundTable[]> {
    const catalog = this.named(name);
    if (!catalog) throw new LakebenchError('NOT_FOUND', `no catalog named ${name}`, { object: name });
    const shown = this.names.get(name.toLowerCase())!;
    const ids: CatalogTableId[] = [];
    let level = await catalog.listNamespaces();
    while (level.length > 0) {
      const found = await mapWithConcurrency(level, LIST_CONCURRENCY, async (namespace) => ({
        tables: await catalog.listTables(namespace),
        children: await catalog.listNamespaces(namespace),
      }));
      ids.push(...found.flatMap((f) => f.tables));
      level = found.flatMap((f) => f.children);
    }
    return ids
      .map((id) => ({
        name: id.name,
        key: [...id.namespace, id.name].join('/'),
        location: [shown, ...id.namespace, id.name].join('.'),
        layout: this.format.name,
        capabilities: this.format.capabilities,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
