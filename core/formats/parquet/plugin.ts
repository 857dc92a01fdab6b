/**
 * A plain folder of Parquet files (optionally in `k=v` hive folders) as a TableFormat: no log, so no
 * versions and no history; files and partitions come from the listing, the schema from DuckDB (the
 * files' own schemas, united by name). Read-only: every write operation is refused.
 */
import type { SqlSession } from '../../sql/session';
import type { ObjectStore } from '../../storage/types';
import { isHidden, lastSegment } from '../folder-listing';
import type { FolderListing, OpenContext, TableFormat, TableHandle, VersionRef } from '../table-format';
import { unversionedRef } from '../version-ref';
import { folderFiles, type FolderFiles } from './folder-files';
import { listParquetFolder } from './folder';

/** Hive folders nest one level per partition column; deeper than this is not a partition layout. */
const MAX_HIVE_DEPTH = 8;
const HIVE_FOLDER = /^[^=/]+=[^/]*\/$/;
/** The view DESCRIBE reads the schema from, in a session of its own. */
const SCHEMA_VIEW = 'folder';

function isParquetDataFile(key: string): boolean {
  const name = lastSegment(key);
  return !isHidden(name) && name.toLowerCase().endsWith('.parquet');
}

/** True when Parquet data sits in this folder or in nested `k=v` folders below it. */
async function holdsParquet(folder: FolderListing, hiveDepth = 0): Promise<boolean> {
  if ((await folder.find('', (o) => isParquetDataFile(o.key))) !== undefined) return true;
  if (hiveDepth >= MAX_HIVE_DEPTH) return false;
  for (const sub of (await folder.list()).prefixes) {
    const name = lastSegment(sub);
    if (HIVE_FOLDER.test(name) && (await holdsParquet(folder.sub(name), hiveDepth + 1))) return true;
  }
  return false;
}

class ParquetFolderHandle implements TableHandle {
  readonly format = parquetFolderFormat;
  /** Listed when first needed: registering a view lists the folder itself. */
  private listed?: Promise<FolderFiles>;

  constructor(
    readonly store: ObjectStore,
    private readonly context: OpenContext,
  ) {}

  private folderFiles(): Promise<FolderFiles> {
    return (this.listed ??= listParquetFolder(this.store).then((folder) => folderFiles(folder.files)));
  }

  async files() {
    return { location: this.store.url, files: (await this.folderFiles()).files };
  }

  async partitions() {
    const { partitionColumns, partitions } = await this.folderFiles();
    return { location: this.store.url, partitionColumns, partitions };
  }

  /** Columns as DuckDB reads the folder (partition columns included); Parquet nullability is not told. */
  async schema() {
    const session = await this.context.session();
    try {
      await this.register(session, SCHEMA_VIEW);
      const described = await session.query(`DESCRIBE ${SCHEMA_VIEW}`);
      const fields = described.rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
      return { location: this.store.url, partitionColumns: (await this.folderFiles()).partitionColumns, fields };
    } finally {
      session.close();
    }
  }

  async register(session: SqlSession, name: string, _at?: VersionRef, options: { signal?: AbortSignal } = {}): Promise<void> {
    await session.registerParquetFolder(name, this.store, options);
  }
}

export const parquetFolderFormat: TableFormat = {
  name: 'parquet',
  title: 'Parquet folders',
  toldByDataFiles: true,
  capabilities: {
    views: ['schema', 'files', 'partitions', 'quality', 'preview'],
    versionRefs: [],
    operations: { verify: {} },
  },

  detect: (folder) => holdsParquet(folder),

  parseVersion: unversionedRef,

  async open(store, context) {
    return new ParquetFolderHandle(store, context);
  },

  async verify(store, options) {
    const { checkDataFiles, dataFilesReport } = await import('../../ops/verify/data-files');
    const folder = await listParquetFolder(store);
    const files = folder.files.map((object) => ({ path: object.key, size: object.size }));
    return dataFilesReport(store.url, [], await checkDataFiles(store, files, options));
  },
};
