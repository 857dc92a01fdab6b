/**
 * What every Iceberg catalog answers (SQL in SQLite, REST): namespaces, their tables, and a table
 * opened at the metadata the catalog points to. `<name>=<uri>` catalog references pick the kind.
 */
import path from 'node:path';
import { LakebenchError } from '../../../errors';
import type { CommitTarget } from '../commit';
import type { IcebergTable } from '../table';
import { RestCatalog, type RestCatalogOptions } from './rest-catalog';
import { SqlCatalog } from './sql-catalog';
import type { StoreOpener } from './table-location';

export interface CatalogTableId {
  namespace: string[];
  name: string;
}

export interface IcebergCatalog {
  /** Namespaces directly under `parent` (the top level by default). */
  listNamespaces(parent?: string[]): Promise<string[][]>;
  listTables(namespace: string[]): Promise<CatalogTableId[]>;
  loadTable(namespace: string[], name: string): Promise<IcebergTable>;
  /** Where a commit to the table swaps its pointer (commit-targets.ts). */
  commitTarget(namespace: string[], name: string): CommitTarget;
  /** Lets go of what it holds open (a SQL catalog's SQLite handle). */
  close?(): void;
}

export interface CatalogRef {
  /** The name tables are queried under: `<name>.<namespace>.<table>`. */
  name: string;
  uri: string;
}

/** `name=uri` as given to `--catalog`. */
export function parseCatalogRef(text: string): CatalogRef {
  const eq = text.indexOf('=');
  const name = text.slice(0, eq).trim();
  const uri = text.slice(eq + 1).trim();
  if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || uri === '') {
    throw new LakebenchError('USAGE', `a catalog is given as <name>=<uri> (a name of letters, digits and _), not "${text}"`);
  }
  return { name, uri };
}

/** R2 Data Catalog serves a bucket's catalog at `https://catalog.cloudflarestorage.com/<account>/<bucket>`. */
const R2_CATALOG_HOST = 'catalog.cloudflarestorage.com';

/**
 * The warehouse a REST catalog URI implies: R2 Data Catalog names each bucket's warehouse
 * `<account>_<bucket>` (the prefix its /v1/config then hands out); other catalogs take `?warehouse=`.
 */
export function impliedWarehouse(url: URL): string | undefined {
  if (url.hostname.toLowerCase() !== R2_CATALOG_HOST) return undefined;
  const [account, bucket] = url.pathname.split('/').filter(Boolean);
  return account && bucket ? `${account}_${bucket}` : undefined;
}

/**
 * The catalog a URI names: `http(s)://…` a REST catalog (`?warehouse=` passed to /v1/config, implied
 * for R2 Data Catalog), and a SQLite file (`sqlite:///abs/path.db`, or a path) a SQL catalog
 * (`?catalog=` picks its catalog_name).
 */
export function openCatalog(uri: string, openStore: StoreOpener, rest: Omit<RestCatalogOptions, 'uri' | 'openStore'> = {}): IcebergCatalog {
  if (/^https?:\/\//i.test(uri)) {
    const url = new URL(uri);
    const warehouse = url.searchParams.get('warehouse') ?? rest.warehouse ?? impliedWarehouse(url);
    url.searchParams.delete('warehouse');
    return new RestCatalog({ ...rest, uri: url.toString().replace(/\/$/, ''), openStore, ...(warehouse && { warehouse }) });
  }
  const sqlite = /^sqlite:\/\/(.*)$/i.exec(uri);
  const [file, query] = (sqlite ? sqlite[1]! : uri).split('?');
  const catalogName = new URLSearchParams(query ?? '').get('catalog') ?? undefined;
  return new SqlCatalog(path.resolve(file!), openStore, catalogName);
}
