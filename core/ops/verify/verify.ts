/**
 * `verify`: checks a Delta table (log, then its live files), a plain Parquet folder (every data file),
 * one Parquet file, a DES archive (des-archive.ts), a LakeSync or a Lakeside bucket, and reports every problem found — a problem never stops the run, so one report
 * lists them all. Only failures of the run itself (storage errors, cancellation, a location holding no
 * table) are thrown. Read-only: nothing under the location is written.
 */
import { isLakebenchError, LakebenchError } from '../../errors';
import { detectLayout, type TableLayout } from '../../formats/detect';
import { LOG_DIR } from '../../formats/delta/log-files';
import { listParquetFolder } from '../../formats/parquet-folder';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { checkDataFiles, corruptionRate, type DataFilesCheck } from './data-files';
import { checkDeletionVectors } from './deletion-vectors';
import { checkDeltaLog } from './delta-log-checks';
import { verifyArchive } from './des-archive';
import { verifyLakeside } from './lakeside-bucket';
import { verifyLakeSync } from './lakesync-bucket';
import type { DataFileRef } from './file-checks';
import type { VerifyOptions, VerifyProblem, VerifyReport } from './problems';

export { verifyDataFiles } from './data-files';
export type { DataFileRef } from './file-checks';
export type { ProblemKind, VerifyOptions, VerifyProblem, VerifyReport } from './problems';

export interface VerifyLocationOptions extends VerifyOptions, OpOptions {
  /** Verify this one Parquet file (a key of `store`, the file's folder) instead of the table at the root. */
  file?: string;
}

export async function verifyLocation(store: ObjectStore, options: VerifyLocationOptions = {}): Promise<VerifyReport> {
  if (options.file !== undefined) {
    const files = await checkDataFiles(store, [{ path: options.file }], options);
    return report(store.urlOf(options.file), [], files);
  }
  const layout = await detectLayout(store);
  if (layout === 'des') return verifyArchive(store, options);
  if (layout === 'lakesync') return verifyLakeSync(store, options);
  if (layout === 'lakeside') return verifyLakeside(store, options);
  if (await isDeltaTable(store, layout)) {
    const log = await checkDeltaLog(store, options);
    const dvProblems = await checkDeletionVectors(store, log.adds, options);
    return report(store.url, [...log.problems, ...dvProblems], await checkDataFiles(store, log.files, options));
  }
  const folder = await listParquetFolder(store).catch((e: unknown) => {
    throw isLakebenchError(e, 'NOT_A_TABLE') ? new LakebenchError('NOT_A_TABLE', 'no Delta table, Parquet folder or Parquet file here', { object: store.url }) : e;
  });
  const files: DataFileRef[] = folder.files.map((object) => ({ path: object.key, size: object.size }));
  return report(store.url, [], await checkDataFiles(store, files, options));
}

/**
 * A `_delta_log/` holding any object makes a Delta table, even when no commit in it is readable
 * (table detection would then call it a Parquet folder): verify must report that log, not skip it.
 */
async function isDeltaTable(store: ObjectStore, layout: TableLayout | undefined): Promise<boolean> {
  if (layout === 'delta') return true;
  return (await store.list(LOG_DIR, { maxKeys: 1 })).objects.length > 0;
}

function report(location: string, logProblems: VerifyProblem[], files: DataFilesCheck): VerifyReport {
  return {
    location,
    problems: [...logProblems, ...files.problems],
    checked: files.checked,
    corruption_rate: corruptionRate(files),
  };
}
