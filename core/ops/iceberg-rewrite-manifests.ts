/**
 * `rewrite-manifests` on an Iceberg table (Iceberg's rewrite_manifests): many small data manifests
 * merged by partition into few near the target size, in one `replace` snapshot (manifest-rewrite.ts).
 * A job: plan (dry run), progress, cancel before the commit; a lost race is planned again on the fresh
 * state (the rows never change, so any state will do). Nothing is visible before the pointer swap.
 */
import { LakebenchError } from '../errors';
import type { CommitTarget } from '../formats/iceberg/commit';
import { commitWithRetry } from '../formats/iceberg/commit';
import { FileSystemTarget } from '../formats/iceberg/commit-targets';
import { DEFAULT_MANIFEST_TARGET_BYTES, planManifestRewrite, produceManifestRewrite, type ManifestRewriteGroup } from '../formats/iceberg/manifest-rewrite';
import { snapshotCommit } from '../formats/iceberg/snapshot-producer';
import type { ObjectStore } from '../storage/types';
import { progressReporter, type OpOptions } from './maintenance/operations';

export interface RewriteManifestsOptions extends OpOptions {
  /** Size of the manifests to write (bytes; Iceberg's commit.manifest.target-size-bytes, 8 MB by default). */
  targetSize?: number;
  dryRun?: boolean;
}

export interface RewriteManifestsPlanEntry {
  specId: number;
  manifests: number;
  entries: number;
  manifestsAfter: number;
}

export interface RewriteManifestsResult {
  /** The `replace` snapshot; undefined when there was nothing to do or on a dry run. */
  snapshotId?: string;
  plan: RewriteManifestsPlanEntry[];
  manifestsRemoved: number;
  manifestsAdded: number;
  dryRun?: boolean;
}

const entryOf = (group: ManifestRewriteGroup): RewriteManifestsPlanEntry => ({
  specId: group.specId,
  manifests: group.manifests.length,
  entries: group.entries,
  manifestsAfter: group.manifestsAfter,
});

/** Rewrites the manifests of the Iceberg table in `store`, committing through its catalog's target when it has one. */
export async function rewriteManifests(store: ObjectStore, commitTarget: (() => CommitTarget) | undefined, options: RewriteManifestsOptions = {}): Promise<RewriteManifestsResult> {
  const target = commitTarget?.() ?? new FileSystemTarget(store);
  const targetSize = options.targetSize ?? DEFAULT_MANIFEST_TARGET_BYTES;
  if (!(targetSize > 0)) throw new LakebenchError('USAGE', `rewrite-manifests needs a positive target size (got ${targetSize})`, { object: target.url });
  const progress = progressReporter(options.onProgress);
  progress('plan', 0, 1);
  const start = await target.load();
  const plan = await planManifestRewrite(start.table, targetSize);
  progress('plan', 1, 1);
  const planned = { plan: plan.groups.map(entryOf), manifestsRemoved: 0, manifestsAdded: 0, ...(options.dryRun && { dryRun: true }) };
  if (options.dryRun || plan.groups.length === 0) return planned;
  options.signal?.throwIfAborted();
  progress('commit', 0, 1);
  const committed = await commitWithRetry(
    target,
    async (state) => {
      const fresh = state.metadataLocation === start.metadataLocation ? plan : await planManifestRewrite(state.table, targetSize);
      const produced = await produceManifestRewrite(state.table, fresh);
      if (!produced) throw new LakebenchError('CONFLICT', 'a concurrent commit left no manifests to rewrite; nothing was committed', { object: target.url });
      return { commit: snapshotCommit(produced), result: { produced, fresh } };
    },
    options.signal ? { signal: options.signal } : {},
  );
  progress('commit', 1, 1);
  const { produced, fresh } = committed.result;
  return {
    snapshotId: produced.snapshot['snapshot-id'].toString(),
    plan: fresh.groups.map(entryOf),
    manifestsRemoved: fresh.groups.reduce((n, g) => n + g.manifests.length, 0),
    manifestsAdded: Number(produced.snapshot.summary['manifests-created']),
  };
}
