/**
 * A plain folder of Parquet files read as one table. Files may sit in `k=v` hive folders, whose values
 * DuckDB turns into columns (hive_partitioning): unlike Delta there is no log, so folder names are the
 * only record of partition values.
 */
import { LakebenchError } from '../../errors';
import { quoteIdent, quoteLiteralList } from '../../sql-text';
import type { ObjectInfo, ObjectStore } from '../../storage/types';

export interface ParquetFolder {
  /** The data files (keys relative to the folder), sorted by key. */
  files: ObjectInfo[];
  /** True when files sit in `k=v` folders. */
  hive: boolean;
}

/** `.name` and `_name` entries are writer bookkeeping (`_SUCCESS`, `.crc`, `_temporary/`), never data. */
function isDataKey(key: string): boolean {
  const segments = key.split('/');
  return key.toLowerCase().endsWith('.parquet') && segments.every((s) => !s.startsWith('.') && !s.startsWith('_'));
}

function hasHiveFolder(key: string): boolean {
  return key
    .split('/')
    .slice(0, -1)
    .some((segment) => /^[^=]+=/.test(segment));
}

/** The Parquet data files under the store root; NOT_A_TABLE when there are none. */
export async function listParquetFolder(store: ObjectStore): Promise<ParquetFolder> {
  const files: ObjectInfo[] = [];
  for await (const object of store.listAll('')) if (isDataKey(object.key)) files.push(object);
  if (files.length === 0) {
    throw new LakebenchError('NOT_A_TABLE', 'folder holds no Parquet files', { object: store.url });
  }
  files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { files, hive: files.some((f) => hasHiveFolder(f.key)) };
}

/**
 * `CREATE OR REPLACE VIEW` over local copies of the files. hive_partitioning is set either way because
 * DuckDB would otherwise guess it from every `k=v` in the full path, including folders above the table.
 */
export function parquetFolderViewSql(name: string, localPaths: readonly string[], hive: boolean): string {
  return (
    `CREATE OR REPLACE VIEW ${quoteIdent(name)} AS SELECT * FROM ` +
    `read_parquet(${quoteLiteralList(localPaths)}, union_by_name = true, hive_partitioning = ${hive})`
  );
}
