/**
 * A DuckDB view over a Delta snapshot's live files that also says which file each row came from
 * (`__lb_file`: the file's index in `snapshot.files`) — what copy-on-write needs and a plain table
 * view does not give. Each file is read through the SQL layer's view of a snapshot (schema types,
 * log partition values, missing columns as nulls); the per-file views are united with their index.
 */
import { join } from 'node:path';
import type { Snapshot } from '../formats/delta/table';
import { createDeltaView, fileKeyOf } from '../sql/delta-source';
import { quoteIdent } from '../sql-text';
import type { AddFile } from '../formats/delta/actions';
import { FileCache, type EnsureOptions } from '../storage/cache';
import type { ObjectStore } from '../storage/types';
import type { ScratchDb } from './scratch-db';

export const FILE_INDEX_COLUMN = '__lb_file';

export async function createFilesView(db: ScratchDb, store: ObjectStore, snapshot: Snapshot, view: string): Promise<void> {
  const paths = await localPaths(db, store, snapshot.tableUrl, snapshot.files);
  const perFile: string[] = [];
  for (const [index, path] of paths.entries()) {
    db.checkCancelled();
    const name = `${view}_${index}`;
    await createDeltaView(db.connection, name, snapshot, [{ path, add: snapshot.files[index]! }]);
    perFile.push(`SELECT *, ${index} AS ${FILE_INDEX_COLUMN} FROM ${quoteIdent(name)}`);
  }
  if (perFile.length === 0) {
    const name = `${view}_empty`;
    await createDeltaView(db.connection, name, snapshot, []);
    perFile.push(`SELECT *, 0 AS ${FILE_INDEX_COLUMN} FROM ${quoteIdent(name)}`);
  }
  await db.connection.run(`CREATE OR REPLACE VIEW ${quoteIdent(view)} AS ${perFile.join(' UNION ALL ')}`);
}

/**
 * Local paths DuckDB can read of some of a table's files, in their order: the files themselves for local
 * stores, copies in the job's scratch otherwise.
 */
export async function localPaths(
  db: ScratchDb,
  store: ObjectStore,
  tableUrl: string,
  files: readonly AddFile[],
  onProgress?: EnsureOptions['onProgress'],
): Promise<string[]> {
  const items = files.map((add) => ({ key: fileKeyOf(add, tableUrl), size: add.size }));
  const cache = new FileCache(join(db.dir, 'table-files'), Number.POSITIVE_INFINITY);
  const paths = await cache.ensureMany(store, items, { signal: db.signal, onProgress });
  return items.map((item) => paths.get(item.key)!);
}
