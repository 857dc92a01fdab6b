/**
 * The `--drop-corrupt` half of repack: which live files verify finds corrupt, and for each one the
 * evidence copied to `_quarantine/<run id>/<key>` (before anything is committed) and its readable rows
 * salvaged (salvage.ts) into a view shaped like the table.
 */
import { join } from 'node:path';
import type { AddFile } from '../formats/delta/actions';
import type { Snapshot } from '../formats/delta/table';
import { createDeltaView, fileKeyOf } from '../sql/delta-source';
import type { ObjectStore } from '../storage/types';
import type { OpOptions } from './maintenance/operations';
import { salvageRowGroups } from './salvage';
import type { ScratchDb } from './scratch-db';
import { statsRecordCount } from './table-changes';
import type { VerifyProblem } from './verify/problems';
import { verifyDataFiles } from './verify/data-files';

export const QUARANTINE_DIR = '_quarantine/';

/** Live files verify (deep: every page decoded, CRCs checked) finds a problem with, and their problems. */
export async function findCorruptFiles(
  store: ObjectStore,
  snapshot: Snapshot,
  options: OpOptions,
): Promise<Map<AddFile, VerifyProblem[]>> {
  const byUrl = new Map(snapshot.files.map((f) => [store.urlOf(fileKeyOf(f, snapshot.tableUrl)), f]));
  const problems = await verifyDataFiles(
    store,
    snapshot.files.map((f) => ({ path: fileKeyOf(f, snapshot.tableUrl), size: f.size, numRecords: statsRecordCount(f) })),
    { deep: true, signal: options.signal, onProgress: options.onProgress },
  );
  const corrupt = new Map<AddFile, VerifyProblem[]>();
  for (const problem of problems) {
    const file = byUrl.get(problem.object);
    if (file) corrupt.set(file, [...(corrupt.get(file) ?? []), problem]);
  }
  return corrupt;
}

export interface SalvagedFile {
  /** A view of the salvaged rows shaped like the table (schema types, partition values from the log). */
  view: string;
  rowsSalvaged: number;
  rowsLost: number;
  /** Key of the quarantined copy (none in a dry run, or when the object is missing). */
  copy?: string;
}

/**
 * Copies the corrupt file into the quarantine (unless `runId` is undefined: a dry run) and salvages its
 * readable row groups. A missing object has nothing to copy or salvage: all its rows are lost.
 */
export async function quarantineAndSalvage(
  db: ScratchDb,
  store: ObjectStore,
  snapshot: Snapshot,
  file: AddFile,
  index: number,
  runId: string | undefined,
): Promise<SalvagedFile> {
  const key = fileKeyOf(file, snapshot.tableUrl);
  const view = `lb_repack_salvage_${index}`;
  const expectedRows = statsRecordCount(file) ?? 0;
  if (!(await store.head(key))) return { view, rowsSalvaged: 0, rowsLost: expectedRows };
  let localPath = store.localPath(key);
  if (!localPath) {
    localPath = join(db.dir, `corrupt-${index}.parquet`);
    await store.download(key, localPath);
  }
  const copy = runId === undefined ? undefined : `${QUARANTINE_DIR}${runId}/${key}`;
  if (copy) await store.putFile(copy, localPath);
  const salvage = await salvageRowGroups(db, localPath, join(db.dir, `salvage-${index}`), expectedRows);
  await createDeltaView(db.connection, view, snapshot, salvage.parts.map((path) => ({ path, add: file })));
  return { view, rowsSalvaged: salvage.rowsSalvaged, rowsLost: salvage.rowsLost, copy };
}
