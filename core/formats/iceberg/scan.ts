/**
 * Scan planning (table spec, "Scan Planning"): the live data files of a snapshot that a filter may
 * match, each with the delete files that apply to it:
 * - a position delete file applies to data files of its partition whose data sequence number is ≤ its
 *   own (and only to its `referenced_data_file`, or to paths within its `file_path` bounds, when given);
 * - a deletion vector (v3) applies to its referenced data file when that file's sequence number is ≤ its own;
 * - an equality delete file applies to data files whose data sequence number is < its own, in its
 *   partition, or everywhere when its spec is unpartitioned.
 * Manifests whose partition summaries rule the filter out are never read.
 */
import { mapWithConcurrency } from '../../storage/concurrency';
import { fileMightMatch, manifestMightMatch, type ColumnTypes, type Predicate } from './expression';
import { ENTRY_STATUS, FILE_CONTENT, partitionValue, type DataFile, type ManifestFile } from './manifests';
import type { PartitionSpec } from './metadata';
import { canonicalLocation } from './paths';
import { parseTransform } from './transforms';
import { fromBound, partitionKey, type IcebergValue } from './values';

export interface ScanTask {
  file: DataFile;
  positionDeletes: DataFile[];
  equalityDeletes: DataFile[];
  deletionVector?: DataFile;
}

export interface ScanStats {
  manifests: number;
  manifestsSkipped: number;
  dataFiles: number;
  dataFilesSkipped: number;
}

export interface ScanPlan {
  tasks: ScanTask[];
  /** Every delete file some task needs, once. */
  deleteFiles: DataFile[];
  stats: ScanStats;
}

export interface ScanInput {
  manifests: ManifestFile[];
  specs: ReadonlyMap<number, PartitionSpec>;
  /** Types of the columns filters name, by field id. */
  types: ColumnTypes;
  filter?: Predicate;
  /** Reads one manifest's entries (all statuses). */
  readEntries: (manifest: ManifestFile) => Promise<DataFile[]>;
}

/** Manifests read at once: enough to hide storage latency. */
const MANIFEST_CONCURRENCY = 16;
/** Reserved field id of `file_path` in position delete files (spec, "Reserved Field IDs"). */
const DELETE_FILE_PATH_ID = 2147483546;

export async function planScan(input: ScanInput): Promise<ScanPlan> {
  const { filter, specs, types } = input;
  const stats: ScanStats = { manifests: input.manifests.length, manifestsSkipped: 0, dataFiles: 0, dataFilesSkipped: 0 };
  const wanted = input.manifests.filter((manifest) => {
    const spec = specs.get(manifest.specId);
    // Delete manifests are always read: their files apply to data files the filter keeps.
    const keep = !filter || manifest.content === 'deletes' || !spec || manifestMightMatch(filter, spec, manifest.partitions, types);
    if (!keep) stats.manifestsSkipped++;
    return keep;
  });
  const entries = (await mapWithConcurrency(wanted, MANIFEST_CONCURRENCY, input.readEntries)).flat();
  const live = entries.filter((entry) => entry.status !== ENTRY_STATUS.deleted);

  const data: DataFile[] = [];
  const deletes = new DeleteIndex(specs);
  for (const file of live) {
    if (file.content !== FILE_CONTENT.data) {
      deletes.add(file);
      continue;
    }
    stats.dataFiles++;
    const spec = specs.get(file.specId);
    if (filter && spec && !fileMightMatch(filter, spec, file, types)) stats.dataFilesSkipped++;
    else data.push(file);
  }
  const tasks = data.map((file) => deletes.forDataFile(file));
  const used = new Set<DataFile>();
  for (const task of tasks) {
    for (const d of [...task.positionDeletes, ...task.equalityDeletes, ...(task.deletionVector ? [task.deletionVector] : [])]) used.add(d);
  }
  return { tasks, deleteFiles: [...used], stats };
}

/** The partition identity of a file: spec id and partition tuple. */
function partitionOf(file: DataFile, spec: PartitionSpec | undefined): string {
  const values = (spec?.fields ?? []).map((_, i) => partitionValue(file, spec!, i) as IcebergValue | null);
  return partitionKey(file.specId, values);
}

function isUnpartitioned(spec: PartitionSpec | undefined): boolean {
  return !spec || spec.fields.every((field) => parseTransform(field.transform).kind === 'void');
}

class DeleteIndex {
  private readonly positionByPartition = new Map<string, DataFile[]>();
  private readonly equalityByPartition = new Map<string, DataFile[]>();
  private readonly globalEquality: DataFile[] = [];
  private readonly vectors = new Map<string, DataFile>();

  constructor(private readonly specs: ReadonlyMap<number, PartitionSpec>) {}

  add(file: DataFile): void {
    const spec = this.specs.get(file.specId);
    if (file.content === FILE_CONTENT.positionDeletes && file.format === 'PUFFIN') {
      if (file.referencedDataFile) this.vectors.set(canonicalLocation(file.referencedDataFile), file);
      return;
    }
    if (file.content === FILE_CONTENT.equalityDeletes && isUnpartitioned(spec)) {
      this.globalEquality.push(file);
      return;
    }
    const index = file.content === FILE_CONTENT.positionDeletes ? this.positionByPartition : this.equalityByPartition;
    const key = partitionOf(file, spec);
    const list = index.get(key);
    if (list) list.push(file);
    else index.set(key, [file]);
  }

  forDataFile(file: DataFile): ScanTask {
    const key = partitionOf(file, this.specs.get(file.specId));
    const path = canonicalLocation(file.path);
    const positionDeletes = (this.positionByPartition.get(key) ?? []).filter(
      (d) => file.dataSequenceNumber <= d.dataSequenceNumber && mayReference(d, path),
    );
    const equalityDeletes = [...this.globalEquality, ...(this.equalityByPartition.get(key) ?? [])].filter(
      (d) => file.dataSequenceNumber < d.dataSequenceNumber,
    );
    const vector = this.vectors.get(path);
    const deletionVector = vector && file.dataSequenceNumber <= vector.dataSequenceNumber ? vector : undefined;
    return { file, positionDeletes, equalityDeletes, ...(deletionVector && { deletionVector }) };
  }
}

/** Whether a position delete file can name `path`: its referenced file, else its file_path bounds. */
function mayReference(deletes: DataFile, path: string): boolean {
  if (deletes.referencedDataFile) return canonicalLocation(deletes.referencedDataFile) === path;
  const lower = deletes.lowerBounds?.get(DELETE_FILE_PATH_ID);
  const upper = deletes.upperBounds?.get(DELETE_FILE_PATH_ID);
  // Bounds are over the paths as recorded; compare recorded forms only when the schemes agree.
  if (!lower || !upper) return true;
  const [low, high] = [canonicalLocation(fromBound(lower, 'string') as string), canonicalLocation(fromBound(upper, 'string') as string)];
  const sameScheme = low.split(':')[0] === path.split(':')[0];
  // String bounds may be truncated prefixes: compare only over the bound's length.
  return !sameScheme || (low <= path.slice(0, Math.max(low.length, path.length)) && path.slice(0, high.length) <= high);
}
