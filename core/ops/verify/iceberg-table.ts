/**
 * `verify` for an Iceberg table, in the report shape every verify returns: the current metadata
 * parses; every snapshot's manifest list and every manifest it names exist and decode; every data and
 * delete file live in any retained snapshot (time travel may read each) exists with the size and
 * record count its manifest records (Parquet footers read by range, as for Delta); deletion-vector
 * Puffin files exist with their size and their blobs decode; manifest list counts and snapshot summaries
 * agree with the manifests' entries (iceberg-counts.ts); `deep` decodes every page. A problem never
 * stops the run; only storage failures are thrown. Read-only, like every Iceberg operation until
 * maintenance lands.
 */
import { isLakebenchError } from '../../errors';
import { ENTRY_STATUS, FILE_CONTENT, type DataFile, type ManifestFile } from '../../formats/iceberg/manifests';
import { IcebergTable } from '../../formats/iceberg/table';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { checkDataFiles, corruptionRate } from './data-files';
import { manifestCountProblems, summaryProblems } from './iceberg-counts';
import type { DataFileRef } from './file-checks';
import type { VerifyOptions, VerifyProblem, VerifyReport } from './problems';

const READ_CONCURRENCY = 16;
/** Verify reads what is stored now, never the parsed copies queries keep. */
const FRESH = { fresh: true };

/** Errors that mean "this object is bad", reported as problems; anything else stops the run. */
function objectProblem(e: unknown, object: string): VerifyProblem | undefined {
  if (isLakebenchError(e, 'NOT_FOUND')) return { object, kind: 'missing-file', detail: (e as Error).message };
  if (isLakebenchError(e, 'CORRUPT') || isLakebenchError(e, 'UNSUPPORTED_FEATURE') || isLakebenchError(e, 'OUTSIDE_LOCATION')) {
    return { object, kind: 'log-unparsable', detail: (e as Error).message };
  }
  return undefined;
}

export async function verifyIcebergTable(store: ObjectStore, options: VerifyOptions & OpOptions & { metadataKey?: string } = {}): Promise<VerifyReport> {
  let table: IcebergTable;
  try {
    table = await IcebergTable.open(store, options.metadataKey ? { metadataKey: options.metadataKey } : {});
  } catch (e) {
    const problem = objectProblem(e, (e as { object?: string }).object ?? store.url);
    if (!problem || isLakebenchError(e, 'NOT_A_TABLE')) throw e;
    return { location: store.url, problems: [problem], checked: { files: 0, bytes: 0 }, corruption_rate: 0 };
  }
  const problems: VerifyProblem[] = [];
  const urlOf = (recorded: string) => {
    try {
      return store.urlOf(table.paths.keyOf(recorded));
    } catch {
      return recorded;
    }
  };
  const attempt = async <T>(recorded: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (e) {
      const problem = objectProblem(e, urlOf(recorded));
      if (!problem) throw e;
      problems.push(problem);
      return undefined;
    }
  };

  // Manifests of every snapshot (time travel needs them all), each read once.
  const manifests = new Map<string, ManifestFile>();
  const listed = new Map<string, ManifestFile[]>();
  options.onProgress?.({ phase: 'manifests', done: 0, total: table.metadata.snapshots.length, bytes: 0 });
  for (const snapshot of table.metadata.snapshots) {
    const list = (await attempt(snapshot.manifestList ?? snapshot.id, () => table.manifests(snapshot, FRESH))) ?? [];
    listed.set(snapshot.id, list);
    for (const manifest of list) manifests.set(manifest.path, manifest);
  }
  const entries = new Map<string, DataFile[] | undefined>();
  await mapWithConcurrency([...manifests.values()], READ_CONCURRENCY, async (manifest) => {
    entries.set(manifest.path, await attempt(manifest.path, () => table.manifestEntries(manifest, FRESH)));
  });
  // The bookkeeping cross-checks: manifest list counts and snapshot summaries against the entries.
  for (const snapshot of table.metadata.snapshots) {
    const reading = { snapshot, manifests: listed.get(snapshot.id) ?? [], entries: (m: ManifestFile) => entries.get(m.path) };
    problems.push(...manifestCountProblems(reading, urlOf), ...summaryProblems(reading, store.urlOf(table.metadataKey)));
  }

  // The live files of every retained snapshot, from the manifests that could be read (the others are
  // problems already); a Puffin file's vectors are entries of their own, each checked.
  const liveFiles = new Map<string, DataFile>();
  for (const list of listed.values()) {
    for (const file of list.flatMap((m) => entries.get(m.path) ?? [])) {
      if (file.status !== ENTRY_STATUS.deleted) liveFiles.set(`${file.path}|${file.contentOffset ?? ''}`, file);
    }
  }
  const live = [...liveFiles.values()];
  const parquet = live.filter((file) => file.format === 'PARQUET');
  const refs: DataFileRef[] = [];
  for (const file of parquet) {
    const key = await attempt(file.path, async () => table.paths.keyOf(file.path));
    if (key !== undefined) refs.push({ path: key, size: file.fileSizeInBytes, numRecords: file.recordCount });
  }
  for (const file of live.filter((f) => f.format !== 'PARQUET')) problems.push(...(await otherFormatProblems(table, file)));
  const files = await checkDataFiles(store, dedupe(refs), options);
  return {
    location: store.url,
    // A problem found twice (a Puffin file holding several bad vectors) is reported once.
    problems: [...new Map([...problems, ...files.problems].map((p) => [`${p.object}|${p.kind}`, p])).values()],
    checked: files.checked,
    corruption_rate: corruptionRate(files),
  };
}

/** A Puffin file of the same name holds several vectors: check each file once. */
function dedupe(refs: DataFileRef[]): DataFileRef[] {
  return [...new Map(refs.map((ref) => [ref.path, ref])).values()];
}

/** Puffin deletion-vector files: present, with the recorded size, and their blobs decode; other formats are named. */
async function otherFormatProblems(table: IcebergTable, file: DataFile): Promise<VerifyProblem[]> {
  const store = table.store;
  let key: string;
  try {
    key = table.paths.keyOf(file.path);
  } catch (e) {
    return [{ object: file.path, kind: 'missing-file', detail: (e as Error).message }];
  }
  const object = store.urlOf(key);
  if (file.format !== 'PUFFIN' || file.content !== FILE_CONTENT.positionDeletes) {
    return [{ object, kind: 'log-unparsable', detail: `${file.format} files are not read by Lakebench (only Parquet data and Puffin deletion vectors)` }];
  }
  const info = await store.head(key);
  if (!info) return [{ object, kind: 'missing-file', detail: 'the deletion vector file does not exist' }];
  if (file.fileSizeInBytes > 0 && info.size !== file.fileSizeInBytes) {
    return [{ object, kind: 'size-mismatch', detail: `the manifest records ${file.fileSizeInBytes} bytes, the object has ${info.size}` }];
  }
  try {
    await table.deletionVector(file);
    return [];
  } catch (e) {
    if (!isLakebenchError(e, 'CORRUPT')) throw e;
    return [{ object, kind: 'decode-error', detail: (e as Error).message }];
  }
}
