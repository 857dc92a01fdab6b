/**
 * DELETE by deletion vectors, as Spark and Databricks do on a table with `delta.enableDeletionVectors`:
 * no data file is rewritten. Each file holding matching rows gets a new DV — its old DV's rows plus the
 * matching ones — in one new DV file (fresh UUID name, written before the commit, so a failure leaves
 * only an orphan); the commit removes (path, old DV) and adds (path, new DV). A file all of whose rows
 * are then deleted is removed outright.
 */
import { randomUUID } from 'node:crypto';
import type { AddFile, RemoveFile } from '../formats/delta/actions';
import { readDeletedRows } from '../formats/delta/deleted-rows';
import { dvFileBytes, type DeletionVectorDescriptor, uuidPathOrInlineDv } from '../formats/delta/deletion-vector';
import { encodeRoaringBitmapArray } from '../formats/delta/roaring';
import type { Snapshot } from '../formats/delta/table';
import { LakebenchError } from '../errors';
import { quoteIdent } from '../sql-text';
import type { ObjectStore } from '../storage/types';
import { runPredicateQuery } from './partition-predicate';
import type { ScratchDb } from './scratch-db';
import { createFilesView, FILE_INDEX_COLUMN, ROW_NUMBER_COLUMN, scratchCache } from './table-files';
import { removeOf, statsRecordCount } from './table-changes';

export interface DeletionVectorDelete {
  /** The new DV file (uploaded by the caller before committing); undefined when every touched file goes whole. */
  dvFile?: { key: string; bytes: Uint8Array };
  actions: ({ add: AddFile } | { remove: RemoveFile })[];
  rowsDeleted: number;
  /** Files whose every row is now deleted: removed, not given a DV. */
  filesRemoved: number;
  dvsAdded: number;
  /** Files with matching rows (what the commit changes). */
  files: AddFile[];
}

/** Whether a delete on this table writes deletion vectors: the table has the feature and turns DVs on. */
export function writesDeletionVectors(snapshot: Snapshot): boolean {
  return (
    (snapshot.protocol.writerFeatures ?? []).includes('deletionVectors') &&
    snapshot.metadata.configuration?.['delta.enableDeletionVectors'] === 'true' &&
    snapshot.files.every((f) => statsRecordCount(f) !== undefined) // a DV needs the file's row count
  );
}

export async function planDeletionVectors(
  db: ScratchDb,
  store: ObjectStore,
  snapshot: Snapshot,
  predicate: string,
  view: string,
  now: number,
): Promise<DeletionVectorDelete> {
  await createFilesView(db, store, snapshot, view, { rowNumbers: true });
  let hits: Record<string, unknown>[];
  try {
    hits = await runPredicateQuery(
      db,
      `SELECT ${FILE_INDEX_COLUMN} AS i, list(${ROW_NUMBER_COLUMN} ORDER BY ${ROW_NUMBER_COLUMN}) AS rows
         FROM ${quoteIdent(view)} WHERE (${predicate}) GROUP BY 1 ORDER BY 1`,
    );
  } catch (e) {
    throw new LakebenchError('USAGE', `predicate ${JSON.stringify(predicate)} cannot be evaluated: ${(e as Error).message}`, { object: store.url, cause: e });
  }
  const files = hits.map((row) => snapshot.files[Number(row.i)]!);
  const old = await readDeletedRows(store, snapshot.tableUrl, files, { cache: scratchCache(db), signal: db.signal });
  const plan: DeletionVectorDelete = { actions: [], rowsDeleted: 0, filesRemoved: 0, dvsAdded: 0, files };
  const bitmaps: { file: AddFile; bitmap: Uint8Array; cardinality: number }[] = [];
  hits.forEach((row, i) => {
    const file = files[i];
    const matched = (row.rows as bigint[]).map(Number);
    const deleted = mergeSorted(old[i]?.positions ?? [], matched);
    plan.rowsDeleted += matched.length;
    plan.actions.push(removeOf(file, now));
    if (deleted.length >= statsRecordCount(file)!) plan.filesRemoved++;
    else bitmaps.push({ file, bitmap: encodeRoaringBitmapArray(deleted), cardinality: deleted.length });
  });
  if (bitmaps.length === 0) return plan;

  const uuid = randomUUID();
  const { bytes, offsets } = dvFileBytes(bitmaps.map((b) => b.bitmap));
  plan.dvFile = { key: `deletion_vector_${uuid}.bin`, bytes };
  bitmaps.forEach(({ file, bitmap, cardinality }, i) => {
    const deletionVector: DeletionVectorDescriptor = {
      storageType: 'u',
      pathOrInlineDv: uuidPathOrInlineDv(uuid),
      offset: offsets[i],
      sizeInBytes: bitmap.length,
      cardinality,
    };
    plan.actions.push({ add: { ...file, dataChange: true, stats: wideBounds(file.stats!), deletionVector } });
    plan.dvsAdded++;
  });
  return plan;
}

/** The union of two ascending lists of positions, ascending and without repeats. */
function mergeSorted(a: ArrayLike<number>, b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (out.length === 0 || out[out.length - 1] !== next) out.push(next);
  }
  return out;
}

/** The file's stats with `tightBounds: false`: min/max may now be values only deleted rows held (PROTOCOL.md, "Per-file Statistics"). */
function wideBounds(stats: string): string {
  return JSON.stringify({ ...(JSON.parse(stats) as object), tightBounds: false });
}
