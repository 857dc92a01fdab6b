/**
 * Checks of a list of data files: the footer checks of each (file-checks.ts), then with --deep the
 * page decoding and CRCs of those whose footer parsed (deep-check.ts). A file that fails the footer
 * checks is not decoded: its problem is already known and decoding would only fail again.
 */
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { checkCancelled } from '../table-references';
import { deepCheck, type DeepCheckFile } from './deep-check';
import { checkDataFile, type CheckedFile, type DataFileRef } from './file-checks';
import type { VerifyOptions, VerifyProblem, VerifyReport } from './problems';

/** Footer checks in flight: range reads are latency-bound on S3, cheap locally. */
const CHECK_CONCURRENCY = 16;

export interface DataFilesCheck {
  problems: VerifyProblem[];
  checked: VerifyReport['checked'];
  /** Files with at least one problem. */
  corruptFiles: number;
}

export async function checkDataFiles(
  store: ObjectStore,
  files: DataFileRef[],
  { deep, signal, onProgress }: VerifyOptions & OpOptions = {},
): Promise<DataFilesCheck> {
  const progress = { phase: 'files', done: 0, total: files.length, bytes: 0 };
  onProgress?.({ ...progress });
  const checked = await mapWithConcurrency(files, CHECK_CONCURRENCY, async (file) => {
    checkCancelled(signal, store);
    const result = await checkDataFile(store, file);
    progress.done++;
    progress.bytes += result.size ?? 0;
    onProgress?.({ ...progress });
    return result;
  });
  const deepProblems = deep ? await deepCheck(store, checked.filter(readyForDeep), { signal, onProgress }) : [];

  const problems = [...checked.flatMap((file) => file.problems), ...deepProblems];
  // Each file's problems together, files in the order given.
  const order = new Map(checked.map((file, i) => [file.object, i]));
  problems.sort((a, b) => order.get(a.object)! - order.get(b.object)!);
  return {
    problems,
    checked: { files: files.length, bytes: checked.reduce((sum, file) => sum + (file.size ?? 0), 0) },
    corruptFiles: new Set(problems.map((p) => p.object)).size,
  };
}

/** Problems of the given data files (repack --drop-corrupt uses this on a table's live files). */
export async function verifyDataFiles(
  store: ObjectStore,
  files: DataFileRef[],
  options: VerifyOptions & OpOptions = {},
): Promise<VerifyProblem[]> {
  return (await checkDataFiles(store, files, options)).problems;
}

/** The report of a table: problems of its log (or metadata) first, then those of its data files. */
export function dataFilesReport(location: string, logProblems: VerifyProblem[], files: DataFilesCheck): VerifyReport {
  return {
    location,
    problems: [...logProblems, ...files.problems],
    checked: files.checked,
    corruption_rate: corruptionRate(files),
  };
}

/** Share of the checked files with at least one problem (0 when none were checked). */
export function corruptionRate({ checked, corruptFiles }: DataFilesCheck): number {
  return checked.files === 0 ? 0 : corruptFiles / checked.files;
}

function readyForDeep(file: CheckedFile): file is CheckedFile & DeepCheckFile {
  return file.metadata !== undefined && file.size !== undefined;
}
