/**
 * Rewriting manifests (Iceberg's `rewrite_manifests`): the live entries of a spec's data manifests,
 * ordered by partition, written into as few manifests as the target size allows, so that a scan opens
 * few manifests and partition summaries prune well. Entries keep their snapshot ids, sequence numbers
 * and every field as read (`existing`); delete manifests are kept as they are. The result is a
 * `replace` snapshot whose rows equal its parent's.
 */
import { readManifestRecords, type DataFile, type ManifestFile } from './manifests';
import { writeManifest, type EntryRecord, type ManifestListRow } from './manifest-write';
import type { PartitionSpec } from './metadata';
import { finishSnapshot, keptEntry, keptRow, newSnapshotId, nextSequenceNumber, writeContext, type ProducedSnapshot } from './snapshot-producer';
import type { IcebergTable } from './table';
import { partitionKey, type IcebergValue } from './values';
import { partitionValue } from './manifests';

/** Iceberg's `commit.manifest.target-size-bytes` default. */
export const DEFAULT_MANIFEST_TARGET_BYTES = 8 * 1024 * 1024;

/** What a rewrite does to one spec's data manifests. */
export interface ManifestRewriteGroup {
  specId: number;
  manifests: ManifestFile[];
  /** Live entries in them. */
  entries: number;
  /** Manifests written instead. */
  manifestsAfter: number;
}

export interface ManifestRewritePlan {
  groups: ManifestRewriteGroup[];
  /** Entries per new manifest (from the bytes an entry takes in the manifests read). */
  entriesPerManifest: number;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** The specs whose data manifests would be fewer after a rewrite (none for an empty table). */
export async function planManifestRewrite(table: IcebergTable, targetBytes = DEFAULT_MANIFEST_TARGET_BYTES): Promise<ManifestRewritePlan> {
  const snapshot = table.snapshot();
  const manifests = snapshot ? (await table.manifests(snapshot)).filter((m) => m.content === 'data') : [];
  const counts = await Promise.all(manifests.map(async (m) => (await table.manifestEntries(m)).filter((e) => e.status !== 2).length));
  const lengths = await Promise.all(manifests.map(async (m) => (m.length > 0 ? m.length : ((await table.store.head(table.paths.keyOf(m.path)))?.size ?? 0))));
  const bytesPerEntry = Math.max(1, sum(lengths) / Math.max(1, sum(counts)));
  const entriesPerManifest = Math.max(1, Math.floor(targetBytes / bytesPerEntry));
  const bySpec = new Map<number, { manifests: ManifestFile[]; entries: number }>();
  manifests.forEach((m, i) => {
    const specId = m.specId >= 0 ? m.specId : table.metadata.defaultSpecId;
    const group = bySpec.get(specId) ?? { manifests: [], entries: 0 };
    group.manifests.push(m);
    group.entries += counts[i]!;
    bySpec.set(specId, group);
  });
  const groups = [...bySpec].flatMap(([specId, group]) => {
    const manifestsAfter = Math.ceil(group.entries / entriesPerManifest);
    return manifestsAfter < group.manifests.length ? [{ specId, ...group, manifestsAfter }] : [];
  });
  return { groups, entriesPerManifest };
}

/** Writes the new manifests and manifest list of a rewrite planned on `table`'s current snapshot; undefined when there is nothing to do. */
export async function produceManifestRewrite(table: IcebergTable, plan: ManifestRewritePlan, now = Date.now()): Promise<ProducedSnapshot | undefined> {
  const snapshot = table.snapshot();
  if (!snapshot || plan.groups.length === 0) return undefined;
  const snapshotId = newSnapshotId();
  const sequenceNumber = nextSequenceNumber(table);
  const context = writeContext(table);
  const replaced = new Set(plan.groups.flatMap((g) => g.manifests.map((m) => m.path)));
  const rows: ManifestListRow[] = [];
  const written: string[] = [];
  for (const group of plan.groups) {
    const spec = table.specs.get(group.specId)!;
    const entries: { file: DataFile; entry: EntryRecord }[] = [];
    for (const manifest of group.manifests) {
      const key = table.paths.keyOf(manifest.path);
      const { files, records } = readManifestRecords(await table.read(key, manifest.path), manifest, table.store.urlOf(key));
      files.forEach((file, i) => {
        if (file.status !== 2) entries.push({ file, entry: keptEntry(file, records[i]!, BigInt(snapshot.id)) });
      });
    }
    entries.sort((a, b) => compareKeys(partitionOf(a.file, spec), partitionOf(b.file, spec)));
    for (let at = 0; at < entries.length; at += plan.entriesPerManifest) {
      const chunk = entries.slice(at, at + plan.entriesPerManifest).map((e) => e.entry);
      const row = await writeManifest(context, { spec, content: 'data', entries: chunk, snapshotId, sequenceNumber });
      written.push(table.paths.keyOf(row.manifest_path));
      rows.push(row);
    }
  }
  const kept: ManifestListRow[] = [];
  for (const manifest of await table.manifests(snapshot)) {
    if (replaced.has(manifest.path)) continue;
    kept.push(keptRow(manifest, await table.manifestEntries(manifest), manifest.length, BigInt(snapshot.id)));
  }
  const totals = Object.fromEntries(Object.entries(snapshot.summary).filter(([key]) => key.startsWith('total-')));
  return finishSnapshot(table, {
    snapshotId,
    sequenceNumber,
    rows: [...rows, ...kept],
    summary: {
      operation: 'replace',
      'manifests-created': String(rows.length),
      'manifests-replaced': String(replaced.size),
      'manifests-kept': String(kept.length),
      'entries-processed': String(sum(plan.groups.map((g) => g.entries))),
      ...totals,
    },
    written,
    now,
  });
}

function partitionOf(file: DataFile, spec: PartitionSpec): string {
  return partitionKey(file.specId, spec.fields.map((_, i) => partitionValue(file, spec, i) as IcebergValue | null));
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
