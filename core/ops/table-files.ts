/**
 * A DuckDB view over a Delta snapshot's live files that also says which file each row came from
 * (`__lb_file`: the file's index in `snapshot.files`) — what copy-on-write needs and a plain table
 * view does not give. Each file is read through the SQL layer's view of a snapshot (schema types,
 * log partition values, missing columns as nulls, deletion vectors applied); the per-file views are
 * united with their index. Options: `rowNumbers` adds each row's position in its file (`__lb_row`,
 * for writing deletion vectors); `ignoreDeletionVectors` reads every row a file still holds (what a
 * purge must find).
 */
import { join } from 'node:path';
import type { Snapshot } from '../formats/delta/table';
import { createDeltaView, fileKeyOf, viewFiles } from '../sql/delta-source';
import { quoteIdent } from '../sql-text';
import type { AddFile } from '../formats/delta/actions';
import { FileCache, type EnsureOptions } from '../storage/cache';
import type { ObjectStore } from '../storage/types';
import type { ScratchDb } from './scratch-db';

export const FILE_INDEX_COLUMN = '__lb_file';
export const ROW_NUMBER_COLUMN = '__lb_row';

export interface FilesViewOptions {
  rowNumbers?: boolean;
  ignoreDeletionVectors?: boolean;
}

export async function createFilesView(db: ScratchDb, store: ObjectStore, snapshot: Snapshot, view: string, options: FilesViewOptions = {}): Promise<void> {
  const paths = await localPaths(db, store, snapshot.tableUrl, snapshot.files);
  const files = await viewFiles(store, snapshot, snapshot.files, paths, { cache: scratchCache(db), signal: db.signal });
  const rowNumber = options.rowNumbers ? ROW_NUMBER_COLUMN : undefined;
  const perFile: string[] = [];
  for (const [index, file] of files.entries()) {
    db.checkCancelled();
    const name = `${view}_${index}`;
    await createDeltaView(db.connection, name, snapshot, [options.ignoreDeletionVectors ? { path: file.path, add: file.add } : file], rowNumber);
    perFile.push(`SELECT *, ${index} AS ${FILE_INDEX_COLUMN} FROM ${quoteIdent(name)}`);
  }
  if (perFile.length === 0) {
    const name = `${view}_empty`;
    await createDeltaView(db.connection, name, snapshot, [], rowNumber);
    perFile.push(`SELECT *, 0 AS ${FILE_INDEX_COLUMN} FROM ${quoteIdent(name)}`);
  }
  await db.connection.run(`CREATE OR REPLACE VIEW ${quoteIdent(view)} AS ${perFile.join(' UNION ALL ')}`);
}

/**
 * Local paths DuckDB can read of some of a table's files, in their order: the files themselves for local
 * stores, copies in the job's scratch otherwise (in `cache`, when given: a folder of its own).
 */
export async function localPaths(
  db: ScratchDb,
  store: ObjectStore,
  tableUrl: string,
  files: readonly AddFile[],
  options: { onProgress?: EnsureOptions['onProgress']; cache?: FileCache } = {},
): Promise<string[]> {
  const items = files.map((add) => ({ key: fileKeyOf(add, tableUrl), size: add.size }));
  const paths = await (options.cache ?? scratchCache(db)).ensureMany(store, items, { signal: db.signal, onProgress: options.onProgress });
  return items.map((item) => paths.get(item.key)!);
}

/** The job's own copies of remote objects (data and DV files), in its scratch folder. */
export function scratchCache(db: ScratchDb): FileCache {
  return new FileCache(join(db.dir, 'table-files'), Number.POSITIVE_INFINITY);
}
