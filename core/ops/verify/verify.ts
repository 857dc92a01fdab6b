/**
 * `verify`: checks the table at a location with its format's own checks (a Delta table's log and live
 * files, every file of a Parquet folder, a DES archive's shards, a LakeSync or Lakeside bucket), or one
 * Parquet file, and reports every problem found — a problem never stops the run, so one report lists
 * them all. Only failures of the run itself (storage errors, cancellation, a location holding no table)
 * are thrown. Read-only: nothing under the location is written.
 */
import { LakebenchError } from '../../errors';
import { detectFormat } from '../../formats/detect';
import { tableFormats } from '../../formats/registry';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { checkDataFiles, dataFilesReport } from './data-files';
import type { VerifyOptions, VerifyReport } from './problems';

export { verifyDataFiles } from './data-files';
export type { DataFileRef } from './file-checks';
export type { ProblemKind, VerifyOptions, VerifyProblem, VerifyReport } from './problems';

export interface VerifyLocationOptions extends VerifyOptions, OpOptions {
  /** Verify this one Parquet file (a key of `store`, the file's folder) instead of the table at the root. */
  file?: string;
  /** The file pinning the table's state to verify (an Iceberg metadata file a location or catalog named). */
  pinned?: string;
}

export async function verifyLocation(store: ObjectStore, options: VerifyLocationOptions = {}): Promise<VerifyReport> {
  if (options.file !== undefined) {
    const files = await checkDataFiles(store, [{ path: options.file }], options);
    return dataFilesReport(store.urlOf(options.file), [], files);
  }
  // A folder shaped like a table whose content does not hold up (a log without a readable commit) is
  // verified as that table: reporting what is wrong with it is verify's job.
  const format = await detectFormat(store, { resembling: true });
  if (!format) {
    const known = tableFormats().map((f) => f.title).join(', ');
    throw new LakebenchError('NOT_A_TABLE', `no table (${known}) or Parquet file here`, { object: store.url });
  }
  return format.verify(store, options);
}
