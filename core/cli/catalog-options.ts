/**
 * `--catalog <name>=<uri>` (repeatable) and the REST catalog's auth: `--catalog-token` or
 * `--catalog-credential <client_id>:<client_secret>`, else LAKEBENCH_CATALOG_TOKEN and
 * LAKEBENCH_CATALOG_CREDENTIAL. Each catalog's tables become locations `<name>.<namespace>.<table>`
 * and are queryable so in SQL. Table storage is opened with the command's --endpoint/--region/--profile
 * (or the catalog's vended credentials).
 */
import type { LakebenchApi } from '../api/api';
import type { LocationOptions } from '../api/types';

export interface CatalogFlags {
  catalog?: string[];
  catalogToken?: string;
  catalogCredential?: string;
}

export async function addCatalogs(api: LakebenchApi, flags: CatalogFlags, storage: LocationOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!flags.catalog?.length) return;
  const [{ openCatalog, parseCatalogRef }, { defaultStoreOpener }] = await Promise.all([
    import('../formats/iceberg/catalog/catalog'),
    import('../formats/iceberg/catalog/table-location'),
  ]);
  const token = flags.catalogToken ?? env.LAKEBENCH_CATALOG_TOKEN;
  const credential = flags.catalogCredential ?? env.LAKEBENCH_CATALOG_CREDENTIAL;
  const openStore = defaultStoreOpener(storage);
  for (const spec of flags.catalog) {
    const { name, uri } = parseCatalogRef(spec);
    api.catalogs.add(name, openCatalog(uri, openStore, { ...(token && { token }), ...(credential && { credential }) }));
  }
}
