/**
 * Maintenance as workbench jobs over HTTP (what the app's Maintenance panel calls): plan and run,
 * progress events, cancel, argument checks, and the maintenance log. Real server, sample lake copy.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo, MaintenanceJobArgs, MaintenanceJobResults, WorkbenchEvent } from '../../core/api/workbench';
import { WorkbenchError } from '../../core/api/workbench';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';
import { appendCsv } from '../helpers/maintenance-table';
import { startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

let served: WorkbenchServer;
/** The sample lake's orders, and a table of many small files written beside it (the sample has none to compact). */
let orders: string;
let clicks: string;
const SMALL_FILES = 6;
const events: WorkbenchEvent[] = [];
let unsubscribe: () => void;

beforeAll(async () => {
  served = await startWorkbenchServer();
  orders = join(served.lake, 'orders');
  clicks = join(served.lake, 'clicks');
  for (let i = 0; i < SMALL_FILES; i++) await appendCsv(new LocalStore(clicks), served.dir, `id,page\n${i},/p${i}\n${i + 100},/q${i}\n`);
  unsubscribe = served.workbench.onEvent((event) => events.push(event));
});
afterAll(async () => {
  unsubscribe?.();
  await served?.stop();
});

async function runJob(args: MaintenanceJobArgs): Promise<JobInfo> {
  const started = await served.client.maintenanceStart(args);
  expect(started).toMatchObject({ kind: 'maintenance', state: 'running' });
  await served.workbench.jobSettled(started.jobId);
  return (await served.client.jobs({})).find((j) => j.jobId === started.jobId)!;
}

const progressOf = (jobId: string) => events.filter((e) => e.type === 'job-progress' && e.progress.jobId === jobId);
const rows = (location: string) => queryTable(new LocalStore(location), 'SELECT * FROM t ORDER BY ALL');
const liveFiles = async (location = orders) => (await served.client.files({ location })).files.length;

describe('maintenance jobs', () => {
  it('verify: a clean report, progress events, and an ok log entry with counts', async () => {
    const job = await runJob({ location: orders, operation: 'verify' });
    expect(job).toMatchObject({ state: 'done', title: `Verify ${orders}` });
    const report = job.result as MaintenanceJobResults['verify'];
    expect(report.problems).toEqual([]);
    expect(report.checked.files).toBe(await liveFiles());
    expect(progressOf(job.jobId).length).toBeGreaterThan(0);
    const [entry] = await served.client.maintenanceLog({ location: orders, limit: 1 });
    expect(entry).toMatchObject({ operation: 'verify', status: 'ok', dryRun: false, filesBefore: report.checked.files });
  });

  it('a cancelled job is logged as cancelled and leaves the table as it was', async () => {
    // Cancelled as soon as it starts (in process: before any of its I/O completes), so it never commits.
    const started = await served.workbench.maintenanceStart({ location: clicks, operation: 'compact', minFiles: 2 });
    await served.workbench.jobCancel({ jobId: started.jobId });
    await served.workbench.jobSettled(started.jobId);
    const job = (await served.client.jobs({})).find((j) => j.jobId === started.jobId)!;
    expect(job.state).toBe('cancelled');
    expect(await liveFiles(clicks)).toBe(SMALL_FILES);
    const [entry] = await served.client.maintenanceLog({ location: clicks, limit: 1 });
    expect(entry).toMatchObject({ operation: 'compact', status: 'cancelled', filesBefore: SMALL_FILES, filesAfter: SMALL_FILES });
  });

  it('compact: the plan changes nothing; the run packs the small files, rows unchanged', async () => {
    const before = await rows(clicks);
    expect(await liveFiles(clicks)).toBe(SMALL_FILES);
    const plan = await runJob({ location: clicks, operation: 'compact', minFiles: 2, dryRun: true });
    expect(plan).toMatchObject({ state: 'done', title: `Compact ${clicks} (plan)` });
    const planned = plan.result as MaintenanceJobResults['compact'];
    expect(planned.version).toBeUndefined();
    expect(planned.plan).toMatchObject([{ files: SMALL_FILES, outputFiles: 1 }]);
    expect(await liveFiles(clicks)).toBe(SMALL_FILES);

    const run = await runJob({ location: clicks, operation: 'compact', minFiles: 2 });
    expect(run.result).toMatchObject({ filesRemoved: SMALL_FILES, filesAdded: 1 });
    expect(progressOf(run.jobId).length).toBeGreaterThan(0);
    expect(await liveFiles(clicks)).toBe(1);
    expect(await rows(clicks)).toEqual(before);

    const [real, dry, cancelled] = await served.client.maintenanceLog({ location: clicks, limit: 3 });
    expect(cancelled.status).toBe('cancelled');
    expect(dry).toMatchObject({ operation: 'compact', dryRun: true, filesBefore: SMALL_FILES, filesAfter: SMALL_FILES });
    expect(real).toMatchObject({ operation: 'compact', dryRun: false, status: 'ok', filesBefore: SMALL_FILES, filesAfter: 1 });
    expect(real.snapshotsAfter).toBe(real.snapshotsBefore! + 1);
  });

  it('maintain: a plan of every step under one run id, as dry runs', async () => {
    const job = await runJob({ location: orders, operation: 'maintain', minFiles: 2, dryRun: true });
    const result = job.result as MaintenanceJobResults['maintain'];
    expect(result).toMatchObject({ dryRun: true, checkpoint: { dryRun: true }, expire: { dryRun: true }, vacuum: { dryRun: true } });
    const entries = (await served.client.maintenanceLog({ location: orders })).filter((e) => e.runId === result.runId);
    expect(entries.map((e) => [e.operation, e.dryRun])).toEqual([
      ['vacuum', true],
      ['expire', true],
      ['checkpoint', true],
      ['compact', true],
    ]);
  });

  it('a failing step fails the maintain job naming the step', async () => {
    const job = await runJob({ location: orders, operation: 'maintain', retentionMs: 60_000 });
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/^maintain stopped at vacuum: /);
  });

  it('compact-staging: logged on the table it writes, which had no counts before', async () => {
    const staging = join(served.lake, 'staging');
    const target = join(staging, 'delta');
    const plan = await runJob({ location: staging, operation: 'compact-staging', dryRun: true });
    expect(plan).toMatchObject({ state: 'done', title: `Compact staging ${staging} (plan)` });
    const planned = plan.result as MaintenanceJobResults['compact-staging'];
    expect(planned.records).toBeGreaterThan(0);
    const done = await runJob({ location: staging, operation: 'compact-staging' });
    const result = done.result as MaintenanceJobResults['compact-staging'];
    expect(result).toMatchObject({ version: 0, records: planned.records });
    const [real, dry] = await served.client.maintenanceLog({ location: target });
    expect(dry).toMatchObject({ operation: 'compact-staging', dryRun: true, snapshotsBefore: null, snapshotsAfter: null });
    expect(real).toMatchObject({ operation: 'compact-staging', status: 'ok', snapshotsBefore: null, snapshotsAfter: 1, filesBefore: null });
    expect(real.filesAfter).toBe(await liveFiles(target));
  });

  it('refuses bad arguments before anything runs', async () => {
    const bad = [
      { location: orders, operation: 'compact', minFiles: 0 },
      { location: orders, operation: 'shred' },
      { location: orders, operation: 'repack', recompressLevel: 40 },
    ];
    for (const args of bad) {
      const error = await served.client.maintenanceStart(args as MaintenanceJobArgs).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkbenchError);
      expect((error as WorkbenchError).code).toBe('USAGE');
    }
  });

  it('lists the log of every table, newest first', async () => {
    const all = await served.client.maintenanceLog({});
    expect(all.length).toBeGreaterThan(5);
    expect([...all].sort((a, b) => b.executedAt.localeCompare(a.executedAt) || b.id - a.id)).toEqual(all);
  });
});
