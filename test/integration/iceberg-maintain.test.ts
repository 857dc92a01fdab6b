/**
 * maintain on an Iceberg table: compact → rewrite-manifests → expire → vacuum (no checkpoint: Iceberg has none), each step
 * in its Iceberg variant and logged under one run id, through the CLI (for cron) and the app's job. A
 * dry run changes nothing; the real run leaves one compacted snapshot chain whose rows are unchanged,
 * with verify clean and nothing on disk the metadata does not reach.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { runMaintenanceJob } from '../../core/api/maintenance-jobs';
import type { MaintenanceLogEntry } from '../../core/catalog/catalog';
import type { MaintainResult } from '../../core/ops/maintain';
import type { RewriteManifestsResult } from '../../core/ops/iceberg-rewrite-manifests';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { reachableFiles } from '../../core/formats/iceberg/reachable';
import { verifyIcebergTable } from '../../core/ops/verify/iceberg-table';
import { LocalStore } from '../../core/storage/local';
import { runCli } from '../helpers/cli-process';
import { filesOnDisk } from '../helpers/crash-checks';
import { smallCommitsTable } from '../helpers/crash-iceberg-cleanup';
import { fileStates } from '../helpers/refusals';
import { rowsBySnapshot } from '../helpers/iceberg-rows';

let dir: string;
let api: LakebenchApi;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-iceberg-maintain-'));
  api = createApi({ catalogPath: path.join(dir, 'catalog.sqlite'), cacheDir: path.join(dir, 'cache') });
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

/** After maintain: the same current rows, one data file, verify clean, only reachable objects on disk. */
async function maintained(table: string, rows: string[]): Promise<void> {
  const store = new LocalStore(table);
  expect((await rowsBySnapshot(store)).get('current')).toEqual(rows);
  const opened = await IcebergTable.open(store);
  expect(await opened.files(opened.snapshot())).toHaveLength(1);
  expect((await verifyIcebergTable(store)).problems).toEqual([]);
  const { retainedKeys } = await reachableFiles(store);
  expect((await filesOnDisk(table)).filter((key) => !retainedKeys.has(key))).toEqual([]);
}

describe('maintain (Iceberg)', () => {
  it('the CLI: a dry run changes nothing; then compact, expire and vacuum run and checkpoint is left out', async () => {
    const table = path.join(dir, 'cli');
    // Written in 2026-01 (the test writer's clock): every snapshot but the compaction's is past 5 days.
    await smallCommitsTable(table, 8, 20, { fastAppends: false });
    const rows = (await rowsBySnapshot(new LocalStore(table))).get('current')!;
    const before = await fileStates(table);
    const plan = await runCli(['maintain', table, '--min-files', '2', '--dry-run', '--retention', '0d', '--force']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/checkpoint\s+not run/);
    expect(await fileStates(table)).toEqual(before);

    const run = await runCli(['maintain', table, '--min-files', '2', '--retention', '0d', '--force', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as MaintainResult;
    expect(result.compact).toMatchObject({ filesRemoved: 8, filesAdded: 1 });
    expect(result.checkpoint).toBeUndefined();
    // The 8 appends are old; the compaction's snapshot is the newest, kept.
    expect((result.expire as { expired: string[] }).expired).toHaveLength(8);
    expect(result.vacuum).toBeDefined();
    await maintained(table, rows);
  }, 60_000);

  it("the app's job: the same steps, each in the maintenance log under one run id", async () => {
    const table = path.join(dir, 'job');
    await smallCommitsTable(table, 6, 20, { fastAppends: false });
    const rows = (await rowsBySnapshot(new LocalStore(table))).get('current')!;
    const job = { signal: new AbortController().signal, progress: () => undefined };
    const result = (await runMaintenanceJob(api, { location: table, operation: 'maintain', minFiles: 2, retentionMs: 0, force: true }, job)) as MaintainResult & { runId: string };
    expect(result.failed).toBeUndefined();
    const log = await api.maintenanceLog({ location: table });
    expect(log.filter((e) => e.runId === result.runId).map((e) => [e.operation, e.status]).reverse()).toEqual([
      ['compact', 'ok'],
      ['rewrite-manifests', 'ok'],
      ['expire', 'ok'],
      ['vacuum', 'ok'],
    ]);
    await maintained(table, rows);
  }, 60_000);

  it("the app's rewrite-manifests job: a plan that changes nothing, then one replace snapshot; each logged with the snapshot ids, snapshots and files before → after", async () => {
    const table = path.join(dir, 'manifests-job');
    await smallCommitsTable(table, 12, 20);
    const store = new LocalStore(table);
    const rows = (await rowsBySnapshot(store)).get('current')!;
    const start = (await IcebergTable.open(store)).snapshot()!.id;
    const job = { signal: new AbortController().signal, progress: () => undefined };
    const files = await fileStates(table);
    const plan = await runMaintenanceJob(api, { location: table, operation: 'rewrite-manifests', dryRun: true }, job);
    expect(plan).toEqual({ plan: [{ specId: 0, manifests: 12, entries: 12, manifestsAfter: 1 }], manifestsRemoved: 0, manifestsAdded: 0, dryRun: true });
    expect(await fileStates(table)).toEqual(files);

    const result = (await runMaintenanceJob(api, { location: table, operation: 'rewrite-manifests' }, job)) as RewriteManifestsResult;
    expect(result).toMatchObject({ manifestsRemoved: 12, manifestsAdded: 1 });
    expect((await IcebergTable.open(store)).snapshot()!.id).toBe(result.snapshotId);
    const [run, planned] = await api.maintenanceLog({ location: table });
    const counts = (e: MaintenanceLogEntry) => [e.operation, e.dryRun, e.status, e.versionBefore, e.versionAfter, e.snapshotsBefore, e.snapshotsAfter, e.filesBefore, e.filesAfter];
    expect(counts(planned!)).toEqual(['rewrite-manifests', true, 'ok', start, start, 12, 12, 12, 12]);
    expect(counts(run!)).toEqual(['rewrite-manifests', false, 'ok', start, result.snapshotId, 12, 13, 12, 12]);
    expect((await rowsBySnapshot(store)).get('current')).toEqual(rows);
    expect((await verifyIcebergTable(store)).problems).toEqual([]);
  }, 60_000);

  it('many small manifests (one per fast append) end as fewer: rewrite-manifests runs between compact and expire', async () => {
    const table = path.join(dir, 'manifests');
    await smallCommitsTable(table, 12, 20);
    const store = new LocalStore(table);
    const rows = (await rowsBySnapshot(store)).get('current')!;
    const dataManifests = async () => {
      const opened = await IcebergTable.open(store);
      return (await opened.manifests(opened.snapshot()!)).filter((m) => m.content === 'data').length;
    };
    expect(await dataManifests()).toBe(12);
    // Too few files to compact: the manifests alone are what maintain has to fix.
    const run = await runCli(['maintain', table, '--min-files', '100', '--retention', '0d', '--force', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as MaintainResult;
    expect(result.compact?.plan).toEqual([]);
    expect(result['rewrite-manifests']).toMatchObject({ manifestsRemoved: 12, manifestsAdded: 1 });
    expect(await dataManifests()).toBe(1);
    expect((await rowsBySnapshot(store)).get('current')).toEqual(rows);
    expect((await verifyIcebergTable(store)).problems).toEqual([]);
    // The old manifests went with the expired snapshots (expire, then vacuum).
    const { retainedKeys } = await reachableFiles(store);
    expect((await filesOnDisk(table)).filter((key) => !retainedKeys.has(key))).toEqual([]);
    expect((await filesOnDisk(table)).filter((key) => key.endsWith('-m0.avro') || /-m\d+\.avro$/.test(key))).toHaveLength(1);
  }, 60_000);
});
