/**
 * verify's cross-checks of an Iceberg table's own bookkeeping, over what verify already read: each
 * manifest list row's file and row counts (added / existing / deleted) against the entries of the
 * manifest it names, and each snapshot summary's counts (`added-data-files`, `deleted-records`,
 * `total-records`, …) against the entries of its manifests. Writers leave out counts they did not
 * keep (and Java writes no zero `added-*`), so only counts present are checked. Pure: no I/O.
 */
import { ENTRY_STATUS, FILE_CONTENT, type DataFile, type ManifestFile } from '../../formats/iceberg/manifests';
import type { IcebergSnapshot } from '../../formats/iceberg/metadata';
import type { VerifyProblem } from './problems';

/** What verify read of one snapshot: its manifests, with the entries of each (undefined when unreadable). */
export interface SnapshotReading {
  snapshot: IcebergSnapshot;
  manifests: ManifestFile[];
  entries: (manifest: ManifestFile) => DataFile[] | undefined;
}

type Counted = 'added' | 'existing' | 'deleted';
const STATUS: Record<Counted, number> = { added: ENTRY_STATUS.added, existing: ENTRY_STATUS.existing, deleted: ENTRY_STATUS.deleted };

const rows = (files: DataFile[]) => files.reduce((sum, f) => sum + f.recordCount, 0);

/** The manifest list row's counts against the manifest's entries. */
export function manifestCountProblems(reading: SnapshotReading, urlOf: (recorded: string) => string): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  for (const manifest of reading.manifests) {
    const entries = reading.entries(manifest);
    if (!entries) continue;
    const mismatches: string[] = [];
    for (const status of Object.keys(STATUS) as Counted[]) {
      const files = entries.filter((e) => e.status === STATUS[status]);
      const recorded = { files: manifest[`${status}FilesCount`], rows: manifest[`${status}RowsCount`] };
      if (recorded.files !== undefined && recorded.files !== files.length) mismatches.push(`${status} files ${recorded.files} (the manifest holds ${files.length})`);
      if (recorded.rows !== undefined && recorded.rows !== rows(files)) mismatches.push(`${status} rows ${recorded.rows} (the manifest holds ${rows(files)})`);
    }
    if (mismatches.length) {
      problems.push({
        object: urlOf(manifest.path),
        kind: 'manifest-count-mismatch',
        detail: `the manifest list of snapshot ${reading.snapshot.id} records ${mismatches.join(', ')}`,
      });
    }
  }
  return problems;
}

/** The snapshot summary's counts against its manifests (only when every manifest could be read). */
export function summaryProblems(reading: SnapshotReading, metadataUrl: string): VerifyProblem[] {
  const all = reading.manifests.map((m) => reading.entries(m));
  if (all.some((entries) => entries === undefined)) return [];
  const entries = all.flat() as DataFile[];
  const id = reading.snapshot.id;
  // Added and deleted entries of this snapshot (an earlier snapshot's manifest kept as it was names its own).
  const by = (status: number, data: boolean) => entries.filter((e) => e.status === status && (e.content === FILE_CONTENT.data) === data && e.snapshotId === id);
  const live = (data: boolean) => entries.filter((e) => e.status !== ENTRY_STATUS.deleted && (e.content === FILE_CONTENT.data) === data);
  const addedDeletes = by(ENTRY_STATUS.added, false);
  const actual: Record<string, number> = {
    'added-data-files': by(ENTRY_STATUS.added, true).length,
    'deleted-data-files': by(ENTRY_STATUS.deleted, true).length,
    'added-records': rows(by(ENTRY_STATUS.added, true)),
    'deleted-records': rows(by(ENTRY_STATUS.deleted, true)),
    'added-delete-files': addedDeletes.length,
    'removed-delete-files': by(ENTRY_STATUS.deleted, false).length,
    'added-position-deletes': rows(addedDeletes.filter((e) => e.content === FILE_CONTENT.positionDeletes)),
    'added-equality-deletes': rows(addedDeletes.filter((e) => e.content === FILE_CONTENT.equalityDeletes)),
    'total-data-files': live(true).length,
    'total-records': rows(live(true)),
    'total-delete-files': live(false).length,
  };
  const mismatches = Object.entries(actual).flatMap(([key, count]) => {
    const text = reading.snapshot.summary[key];
    return text !== undefined && Number(text) !== count ? [`${key} = ${text} (its manifests: ${count})`] : [];
  });
  return mismatches.length ? [{ object: metadataUrl, kind: 'summary-mismatch', detail: `snapshot ${id}: the summary records ${mismatches.join(', ')}` }] : [];
}
