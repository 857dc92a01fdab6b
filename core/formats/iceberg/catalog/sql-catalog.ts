/**
 * The Iceberg SQL catalog as pyiceberg and the JDBC catalog write it in SQLite: one row per table in
 * `iceberg_tables(catalog_name, table_namespace, table_name, metadata_location,
 * previous_metadata_location)`; namespaces are dot-joined (`a.b`) and may also be listed, without
 * tables, in `iceberg_namespace_properties`. Opened read-only here; commits update a table's row through
 * their own read-write handle (SqlCatalogTarget in commit-targets.ts).
 */
import type Database from 'better-sqlite3';
import { LakebenchError } from '../../../errors';
import { openSqlite } from '../../../native/sqlite-addon';
import type { CommitTarget } from '../commit';
import { SqlCatalogTarget } from '../commit-targets';
import type { IcebergTable } from '../table';
import type { CatalogTableId, IcebergCatalog } from './catalog';
import { openTableAt, type StoreOpener } from './table-location';

export class SqlCatalog implements IcebergCatalog {
  private readonly db: Database.Database;
  readonly catalogName: string;

  constructor(
    private readonly path: string,
    private readonly openStore: StoreOpener,
    catalogName?: string,
  ) {
    try {
      this.db = openSqlite(path, { readonly: true, fileMustExist: true });
      this.db.prepare('SELECT 1 FROM iceberg_tables LIMIT 1').all();
    } catch (e) {
      throw new LakebenchError('NOT_FOUND', `no Iceberg SQL catalog here (a SQLite file with an iceberg_tables table): ${(e as Error).message}`, {
        object: path,
        cause: e,
      });
    }
    const names = (this.db.prepare('SELECT DISTINCT catalog_name FROM iceberg_tables ORDER BY 1').all() as { catalog_name: string }[]).map((r) => r.catalog_name);
    if (catalogName === undefined && names.length > 1) {
      this.db.close();
      throw new LakebenchError('USAGE', `the SQL catalog holds several catalogs (${names.join(', ')}): name one with ?catalog=<name>`, { object: path });
    }
    this.catalogName = catalogName ?? names[0] ?? 'default';
  }

  close(): void {
    this.db.close();
  }

  async listNamespaces(parent: string[] = []): Promise<string[][]> {
    const prefix = parent.join('.');
    const rows = this.db.prepare('SELECT DISTINCT table_namespace AS ns FROM iceberg_tables WHERE catalog_name = ?').all(this.catalogName) as { ns: string }[];
    const hasProperties = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'iceberg_namespace_properties'").get();
    if (hasProperties) {
      rows.push(...(this.db.prepare('SELECT DISTINCT namespace AS ns FROM iceberg_namespace_properties WHERE catalog_name = ?').all(this.catalogName) as { ns: string }[]));
    }
    const children = new Set<string>();
    for (const { ns } of rows) {
      const parts = ns.split('.');
      if (parts.length <= parent.length || (prefix !== '' && !ns.startsWith(`${prefix}.`))) continue;
      children.add(parts.slice(0, parent.length + 1).join('.'));
    }
    return [...children].sort().map((ns) => ns.split('.'));
  }

  async listTables(namespace: string[]): Promise<CatalogTableId[]> {
    const rows = this.db
      .prepare('SELECT table_name AS name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? ORDER BY table_name')
      .all(this.catalogName, namespace.join('.')) as { name: string }[];
    return rows.map((r) => ({ namespace, name: r.name }));
  }

  commitTarget(namespace: string[], name: string): CommitTarget {
    return new SqlCatalogTarget({ path: this.path, catalogName: this.catalogName, namespace, name, openStore: this.openStore });
  }

  async loadTable(namespace: string[], name: string): Promise<IcebergTable> {
    const row = this.db
      .prepare('SELECT metadata_location AS location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?')
      .get(this.catalogName, namespace.join('.'), name) as { location: string | null } | undefined;
    const id = [...namespace, name].join('.');
    if (!row) throw new LakebenchError('NOT_FOUND', `table ${id} is not in catalog ${this.catalogName}`, { object: this.path });
    if (!row.location) throw new LakebenchError('CORRUPT', `table ${id} has no metadata_location`, { object: this.path });
    return openTableAt(row.location, this.openStore);
  }
}
