/**
 * The workbench's maintenance jobs: one MaintenanceJobArgs → the operation, run through
 * `LakebenchApi.maintenance` so it lands in the maintenance log, with the job's signal and progress.
 * Options the caller leaves out take the CLI's defaults; absent retentions let the table's own
 * properties decide (delta.deletedFileRetentionDuration, delta.logRetentionDuration). Each operation's module loads when it runs.
 */
import { randomUUID } from 'node:crypto';
import { LakebenchError } from '../errors';
import { MAINTENANCE_DEFAULTS as DEFAULTS } from '../ops/maintenance/defaults';
import type { MaintainOptions, MaintainResult } from '../ops/maintain';
import type { OpOptions } from '../ops/maintenance/operations';
import type { LakebenchApi } from './api';
import type { JobContext } from './jobs';
import type { LocationArgs } from './types';
import { stagingTarget } from '../formats/lakeside/staging-target';
import type { MaintenanceJobArgs, MaintenanceJobOperation, MaintenanceSubject } from './workbench';

const VERBS: Record<MaintenanceJobOperation, string> = {
  compact: 'Compact',
  'compact-staging': 'Compact staging',
  verify: 'Verify',
  orphans: 'Find orphans in',
  vacuum: 'Vacuum',
  repack: 'Repack',
  checkpoint: 'Checkpoint',
  // Delta expires log entries, Iceberg snapshots: old versions either way.
  expire: 'Expire old versions of',
  maintain: 'Maintain',
  'des-repack': 'Repack the DES archive',
  'rewrite-manifests': 'Rewrite the manifests of',
};

/** `Compact /lake/orders (plan)`: the job's title in the jobs drawer. */
export function maintenanceJobTitle(args: MaintenanceJobArgs): string {
  const verb = args.operation === 'verify' && args.deep ? 'Deep verify' : VERBS[args.operation];
  const into = args.operation !== 'compact-staging' ? '' : args.into ? ` into ${args.into}` : args.lakeside ? ' into its Lakeside layout' : '';
  return `${verb} ${args.location}${into}${'dryRun' in args && args.dryRun ? ' (plan)' : ''}`;
}

/** What the job does, as the job log keeps it beside its result. */
export function maintenanceSubject(args: MaintenanceJobArgs): MaintenanceSubject {
  return { operation: args.operation, dryRun: 'dryRun' in args && args.dryRun === true };
}

export async function runMaintenanceJob(api: LakebenchApi, args: MaintenanceJobArgs, job: JobContext): Promise<unknown> {
  const { location, endpoint, region, profile, connectionId } = args;
  const where: LocationArgs = { location, endpoint, region, profile, connectionId };
  const op: OpOptions = { signal: job.signal, onProgress: job.progress };
  const { dryRun } = maintenanceSubject(args);
  const run = { dryRun };
  switch (args.operation) {
    case 'compact': {
      const options = { targetSize: args.targetSize ?? DEFAULTS.targetSize, minFiles: args.minFiles ?? DEFAULTS.minFiles };
      return api.compact(where, { ...options, where: args.where, sortBy: args.sortBy, dryRun, ...op }, run);
    }
    case 'compact-staging': {
      if (args.lakeside && args.into) throw new LakebenchError('USAGE', 'lakeside writes into the bucket itself: leave out into', { object: location });
      if (args.lakeside) {
        const { compactStagingIntoLakeside } = await import('../ops/compact-staging-lakeside');
        return api.maintenance('compact-staging', where, (bucket) => compactStagingIntoLakeside(bucket, { dryRun, ...op }), { ...run, variant: 'own-staging' });
      }
      // Logged on the target table, as the CLI does.
      const { compactStaging } = await import('../ops/compact-staging');
      const staging = api.open(where);
      const into = { ...where, location: args.into ?? stagingTarget(location) };
      return api.maintenance('compact-staging', into, (target) => compactStaging(staging, target, { dryRun, ...op }), run);
    }
    case 'verify': {
      const { verifyLocation } = await import('../ops/verify/verify');
      return api.maintenance('verify', where, (store, pinned) => verifyLocation(store, { deep: args.deep, pinned, ...op }));
    }
    case 'orphans': {
      const { findTableOrphans } = await import('../ops/table-cleanup');
      const variant = (await api.support('orphans', where))?.variant;
      return api.maintenance('orphans', where, (store, pinned) => findTableOrphans(store, variant, { olderThanMs: args.olderThanMs, pinned, ...op }), { variant });
    }
    case 'vacuum': {
      const { vacuumTableOf } = await import('../ops/table-cleanup');
      const variant = (await api.support('vacuum', where))?.variant;
      // An absent retention lets the table's delta.deletedFileRetentionDuration decide (as in the CLI).
      const { retentionMs, force } = args;
      return api.maintenance('vacuum', where, (store, pinned) => vacuumTableOf(store, variant, { retentionMs, force, dryRun, pinned, ...op }), { ...run, variant });
    }
    case 'repack': {
      const { repackTable } = await import('../ops/repack');
      const { purgeWhere, purge, dropCorrupt, recompressLevel } = args;
      return api.maintenance('repack', where, (store) => repackTable(store, { purgeWhere, purge, dropCorrupt, recompressLevel, dryRun, ...op }), run);
    }
    case 'checkpoint': {
      const { checkpointTable } = await import('../ops/checkpoint');
      return api.maintenance('checkpoint', where, (store) => checkpointTable(store, op));
    }
    case 'expire': {
      if ((await api.support('expire', where))?.variant === 'snapshots') {
        const { expireIceberg } = await import('../ops/iceberg-expire');
        // The panel's retention is the snapshots' age here (absent: the table's history.expire.max-snapshot-age-ms).
        return api.maintenance('expire', where, (store, _pinned, located) => expireIceberg(store, located?.commitTarget, { olderThanMs: args.logRetentionMs, dryRun, ...op }), {
          ...run,
          variant: 'snapshots',
        });
      }
      const { expireLog } = await import('../ops/expire');
      const { logRetentionMs } = args;
      return api.maintenance('expire', where, (store) => expireLog(store, { logRetentionMs, dryRun, ...op }), run);
    }
    case 'des-repack': {
      const { repackArchive } = await import('../ops/des-repack');
      const { shard, minDeletionRatio, recompressLevel, graceMs } = args;
      return api.maintenance('des-repack', where, (store) => repackArchive(store, { shard, minDeletionRatio, recompressLevel, graceMs, dryRun, ...op }), run);
    }
    case 'rewrite-manifests':
      return api.rewriteManifests(where, { ...(args.targetSize !== undefined && { targetSize: args.targetSize }), dryRun, ...op }, run);
    case 'maintain': {
      const result = await maintainLogged(api, where, {
        targetSize: args.targetSize ?? DEFAULTS.targetSize,
        minFiles: args.minFiles ?? DEFAULTS.minFiles,
        retentionMs: args.retentionMs,
        logRetentionMs: args.logRetentionMs,
        force: args.force,
        dryRun,
        ...op,
      });
      // The job fails like its step did (the steps before it are in the maintenance log).
      if (result.failed) throw new LakebenchError(result.failed.code ?? 'IO', `maintain stopped at ${result.failed.step}: ${result.failed.error}`);
      return result;
    }
  }
}

/** Runs `maintain` on the table at `where`, each step recorded in the maintenance log under one run id. */
export async function maintainLogged(api: LakebenchApi, where: LocationArgs, options: MaintainOptions & OpOptions): Promise<MaintainResult & { runId: string }> {
  // Refused as a whole, by its own name, before its first step runs.
  await api.requireSupport('maintain', where);
  const { maintainTable, MAINTAIN_STEPS } = await import('../ops/maintain');
  const runId = randomUUID();
  const run = { runId, dryRun: options.dryRun ?? false };
  // Each step as the table's format supports it (a step it lacks is left out).
  const steps = Object.fromEntries(await Promise.all(MAINTAIN_STEPS.map(async (step) => [step, await api.support(step, where)] as const)));
  return {
    runId,
    ...(await maintainTable(
      (step, work, variant) => api.maintenance(step, where, (store, pinned, located) => work(store, { pinned, commitTarget: located?.commitTarget }), { ...run, variant }),
      { ...options, steps },
    )),
  };
}
