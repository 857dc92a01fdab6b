/**
 * Which data files an Iceberg compaction (`rewrite_data_files`, bin-pack) rewrites, from a scan plan of
 * the current snapshot alone: per spec and partition, the files under the target size, every file
 * some delete applies to (rewriting it applies the delete) and every file of an older spec (rewritten
 * into the current one, whatever its size, as Spark's rewrite_data_files does), packed into bins near the target; and the
 * delete files that apply only to rewritten files, which the rewrite makes obsolete. Pure, no I/O.
 */
import { partitionValue, type DataFile } from '../formats/iceberg/manifests';
import type { PartitionSpec } from '../formats/iceberg/metadata';
import type { ScanPlan, ScanTask } from '../formats/iceberg/scan';
import { partitionKey, type IcebergValue } from '../formats/iceberg/values';
import { packInOrder } from './compact-plan';

export interface RewriteLimits {
  targetSize: number;
  minFiles: number;
  /** Every data file is rewritten, a file alone in its bin included (Iceberg's `rewrite-all`). */
  all: boolean;
  /** The table's current spec: files of any other are rewritten into it. */
  currentSpecId: number;
  /** Only these data files (recorded paths) may be rewritten (compact --where); every file when absent. */
  candidates?: ReadonlySet<string>;
}

/** The data files of one spec and partition, and how they are packed (each bin becomes one file). */
export interface RewriteGroup {
  specId: number;
  /** The partition tuple as the manifests hold it (what the new files record). */
  partition: Record<string, unknown>;
  bins: ScanTask[][];
}

export interface RewritePlan {
  groups: RewriteGroup[];
  /** Delete files every task of which is rewritten: dropped by the rewrite. */
  obsoleteDeletes: DataFile[];
}

const hasDeletes = (task: ScanTask) => task.positionDeletes.length > 0 || task.equalityDeletes.length > 0 || task.deletionVector !== undefined;
/** A file that must be rewritten, whatever its size or company: a delete applies to it, or its spec is an older one. */
const mustRewrite = (task: ScanTask, currentSpecId: number) => hasDeletes(task) || task.file.specId !== currentSpecId;
const deletesOf = (task: ScanTask) => [...task.positionDeletes, ...task.equalityDeletes, ...(task.deletionVector ? [task.deletionVector] : [])];

export function planRewrite(plan: ScanPlan, specs: ReadonlyMap<number, PartitionSpec>, limits: RewriteLimits): RewritePlan {
  const groups = new Map<string, ScanTask[]>();
  for (const task of plan.tasks) {
    if (limits.candidates && !limits.candidates.has(task.file.path)) continue;
    if (!limits.all && task.file.fileSizeInBytes >= limits.targetSize && !mustRewrite(task, limits.currentSpecId)) continue;
    const spec = specs.get(task.file.specId);
    const key = partitionKey(task.file.specId, (spec?.fields ?? []).map((_, i) => partitionValue(task.file, spec!, i) as IcebergValue | null));
    groups.set(key, [...(groups.get(key) ?? []), task]);
  }
  const planned: RewriteGroup[] = [];
  for (const tasks of groups.values()) {
    const must = (task: ScanTask) => mustRewrite(task, limits.currentSpecId);
    if (!limits.all && tasks.length < limits.minFiles && !tasks.some(must)) continue;
    // Oldest data first, so rows that arrived together stay together.
    const ordered = [...tasks].sort((a, b) => a.file.dataSequenceNumber - b.file.dataSequenceNumber);
    // A file alone in its bin would only be copied, unless a delete goes with the rewrite or it changes spec.
    const bins = packInOrder(ordered, limits.targetSize, (task) => task.file.fileSizeInBytes).filter((bin) => limits.all || bin.length > 1 || bin.some(must));
    if (bins.length > 0) planned.push({ specId: tasks[0]!.file.specId, partition: tasks[0]!.file.partition, bins });
  }
  const rewritten = new Set(planned.flatMap((g) => g.bins.flat().map((t) => t.file.path)));
  const users = new Map<string, string[]>();
  for (const task of plan.tasks) for (const d of deletesOf(task)) users.set(d.path, [...(users.get(d.path) ?? []), task.file.path]);
  // A Puffin file holds many deletion vectors under one path: it goes only when none is left in use.
  const obsoletePaths = new Set([...users].filter(([, files]) => files.every((f) => rewritten.has(f))).map(([path]) => path));
  const obsoleteDeletes = [...new Map(plan.deleteFiles.filter((d) => obsoletePaths.has(d.path)).map((d) => [d.path, d])).values()];
  return { groups: planned, obsoleteDeletes };
}
