/**
 * A catalog browsed like a folder tree in the explorer: namespaces and their tables as prefixes
 * (`db/`, `db/nested/`, `db/events/`), so a catalog connection needs nothing of its own in the
 * renderer; `tables` keys each table the same way (`db/events`), which puts its badge on its row.
 */
import type { IcebergCatalog } from '../formats/iceberg/catalog/catalog';
import type { LsPageEntry, LsPageResult } from './workbench';

const prefixEntry = (path: string[]): LsPageEntry => ({ kind: 'prefix', key: `${path.join('/')}/`, name: `${path[path.length - 1]}/` });

/** The namespaces and tables directly under `prefix` ('' = the catalog's top namespaces; a table's key = nothing). */
export async function catalogPage(catalog: IcebergCatalog, location: string, prefix: string): Promise<LsPageResult> {
  const namespace = prefix.split('/').filter(Boolean);
  // A table's row opened in the explorer: it holds no namespaces (a REST catalog would answer 404).
  const [name, ...parent] = [...namespace].reverse();
  if (parent.length > 0 && (await catalog.listTables(parent.reverse())).some((table) => table.name === name)) return { location, prefix, entries: [] };
  const [children, tables] = await Promise.all([
    catalog.listNamespaces(namespace),
    namespace.length === 0 ? Promise.resolve([]) : catalog.listTables(namespace),
  ]);
  const entries = [...children.map((child) => prefixEntry(child)), ...tables.map((table) => prefixEntry([...table.namespace, table.name]))];
  return { location, prefix, entries: entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) };
}
