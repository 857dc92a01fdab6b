/** The Maintenance panel's fields → job arguments, parsed like the CLI's flags; and the panel store's plan → confirm. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WorkbenchEvent } from '../../core/api/workbench';
import { createWorkbench, type Workbench } from '../../core/api/workbench-impl';
import { workbenchArgs } from '../../core/api/workbench-schema';
import { LocalStore } from '../../core/storage/local';
import { setClient } from '../../renderer/src/api/client';
import { DEFAULT_FIELDS, defaultFields, maintenanceArgs } from '../../renderer/src/logic/maintenance-args';
import { useJobs } from '../../renderer/src/stores/jobs';
import { tableJobs, useMaintenance } from '../../renderer/src/stores/maintenance';
import { appendCsv } from '../helpers/maintenance-table';

const where = { location: '/lake/orders', connectionId: 'c1' };

describe('maintenanceArgs', () => {
  it('parses sizes, durations and lists; the default retentions are left to the table', () => {
    expect(maintenanceArgs('compact', { ...DEFAULT_FIELDS, targetSize: '64MB', minFiles: '3', sortBy: 'a, b' }, where, true)).toEqual({
      ...where,
      operation: 'compact',
      targetSize: 64 * 1024 * 1024,
      minFiles: 3,
      where: undefined,
      sortBy: ['a', 'b'],
      dryRun: true,
    });
    expect(maintenanceArgs('vacuum', DEFAULT_FIELDS, where)).toEqual({ ...where, operation: 'vacuum', retentionMs: undefined, force: false, dryRun: false });
    expect(maintenanceArgs('vacuum', { ...DEFAULT_FIELDS, retention: '1h', force: true }, where)).toMatchObject({ retentionMs: 3600_000, force: true });
    expect(maintenanceArgs('orphans', { ...DEFAULT_FIELDS, olderThan: '2d' }, where)).toEqual({ ...where, operation: 'orphans', olderThanMs: 2 * 86_400_000 });
    expect(maintenanceArgs('repack', { ...DEFAULT_FIELDS, purgeWhere: ' id = 3 ', purge: true, recompress: '9' }, where)).toMatchObject({
      purgeWhere: 'id = 3',
      purge: true,
      recompressLevel: 9,
    });
    expect(maintenanceArgs('maintain', { ...DEFAULT_FIELDS, logRetention: '10d' }, where, true)).toMatchObject({
      operation: 'maintain',
      targetSize: 128 * 1024 * 1024,
      minFiles: 5,
      logRetentionMs: 10 * 86_400_000,
      dryRun: true,
    });
  });

  it('compact-staging reads the staging area given and writes into the panel\'s table', () => {
    expect(maintenanceArgs('compact-staging', { ...DEFAULT_FIELDS, staging: ' /lake/staging ' }, where, true)).toEqual({
      location: '/lake/staging',
      connectionId: 'c1',
      operation: 'compact-staging',
      into: '/lake/orders',
      dryRun: true,
    });
    expect(() => maintenanceArgs('compact-staging', DEFAULT_FIELDS, where)).toThrow(/staging: give the location/);
  });

  it('names the field that does not parse', () => {
    expect(() => maintenanceArgs('compact', { ...DEFAULT_FIELDS, targetSize: 'big' }, where)).toThrow(/not a size: "big"/);
    expect(() => maintenanceArgs('compact', { ...DEFAULT_FIELDS, minFiles: '0' }, where)).toThrow(/min files/);
    expect(() => maintenanceArgs('expire', { ...DEFAULT_FIELDS, logRetention: 'soon' }, where)).toThrow(/not a duration: "soon"/);
    // On Iceberg the expire field is the snapshots' age, 5 days by default (then the table's property decides); orphans 3 days.
    const iceberg = defaultFields('snapshots');
    expect([iceberg.logRetention, iceberg.olderThan]).toEqual(['5d', '3d']);
    expect(defaultFields(undefined)).toEqual(DEFAULT_FIELDS);
    expect(maintenanceArgs('expire', iceberg, where, true, 'snapshots')).toEqual({ ...where, operation: 'expire', logRetentionMs: undefined, dryRun: true });
    expect(maintenanceArgs('expire', { ...iceberg, logRetention: '1d' }, where, true, 'snapshots')).toMatchObject({ logRetentionMs: 86_400_000 });
    expect(maintenanceArgs('orphans', iceberg, where)).toMatchObject({ olderThanMs: 3 * 86_400_000 });
    expect(() => maintenanceArgs('repack', { ...DEFAULT_FIELDS, recompress: '30' }, where)).toThrow(/zstd level/);
  });

  it('rewrite-manifests: its plan and its run, as arguments the engine accepts', () => {
    const plan = maintenanceArgs('rewrite-manifests', DEFAULT_FIELDS, where, true);
    expect(plan).toEqual({ ...where, operation: 'rewrite-manifests', dryRun: true });
    expect(workbenchArgs.maintenanceStart.parse(plan)).toEqual(plan);
    expect(workbenchArgs.maintenanceStart.parse({ ...plan, targetSize: 1024 })).toMatchObject({ targetSize: 1024 });
    expect(workbenchArgs.maintenanceStart.safeParse({ ...plan, targetSize: 0 }).success).toBe(false);
  });
});

describe('maintenance store (against an in-process workbench)', () => {
  let home: string;
  let workbench: Workbench;
  let table: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakebench-renderer-maintenance-'));
    table = join(home, 'clicks');
    for (let i = 0; i < 4; i++) await appendCsv(new LocalStore(table), home, `id\n${i}\n`);
    workbench = createWorkbench({ home });
    await workbench.openWorkspace({ location: home, withoutTables: true }); // not the sample lake: nothing is written in the background
    setClient(workbench);
    useJobs.setState({ jobs: [] });
    workbench.onEvent((e: WorkbenchEvent) => {
      useJobs.getState().onEvent(e);
      useMaintenance.getState().onEvent(e);
    });
  });
  afterAll(async () => {
    await workbench?.close();
    await rm(home, { recursive: true, force: true });
  });

  /** Waits for a store condition that a background job settles (no timing assertion: only a bound). */
  const until = <T,>(read: () => T | undefined | false) => expect.poll(read, { timeout: 30_000 });
  const state = () => useMaintenance.getState().byTable[table];

  it('holds a dry run as the plan; confirming runs it for real; the log follows each run', async () => {
    const args = maintenanceArgs('compact', { ...DEFAULT_FIELDS, minFiles: '2' }, { location: table }, true);
    await useMaintenance.getState().start(args);
    const planJob = state().plan!.jobId;
    expect(state().plan).toEqual({ jobId: planJob, confirmArgs: { ...args, dryRun: false } });
    expect(useJobs.getState().open).toBe(false); // the panel shows the progress, not the drawer
    await until(() => state().log.length).toBe(1);
    const planned = tableJobs(useJobs.getState().jobs, state().runs)[0].job;
    expect(planned).toMatchObject({ state: 'done', result: { plan: [{ files: 4, outputFiles: 1 }] } });

    await useMaintenance.getState().confirmPlan(table);
    expect(state().plan).toBeUndefined();
    await until(() => state().log.length).toBe(2);
    expect(state().log.map((e) => [e.operation, e.dryRun, e.filesBefore, e.filesAfter])).toEqual([
      ['compact', false, 4, 1],
      ['compact', true, 4, 4],
    ]);
    expect(state().runs.map((r) => 'dryRun' in r.args && r.args.dryRun)).toEqual([false, true]);
  });

  it('runs a scheduled maintain on its interval until the schedule is turned off', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const args = maintenanceArgs('maintain', { ...DEFAULT_FIELDS, minFiles: '2' }, { location: table });
      if (args.operation !== 'maintain') throw new Error('not a maintain');
      const runs = state().runs.length;
      useMaintenance.getState().setSchedule(table, { everyMinutes: 60, args });
      expect(useMaintenance.getState().schedules).toEqual({ [table]: { everyMinutes: 60, args } });
      vi.advanceTimersByTime(59 * 60_000);
      expect(state().runs.length).toBe(runs);
      vi.advanceTimersByTime(60_000);
      await until(() => state().runs.length).toBe(runs + 1);
      expect(state().runs[0].args).toEqual(args);
      await until(() => state().log[0]?.operation === 'vacuum' && state().log[0].runId).toBeTruthy();

      useMaintenance.getState().setSchedule(table, undefined);
      vi.advanceTimersByTime(120 * 60_000);
      expect(state().runs.length).toBe(runs + 1);
      expect(useMaintenance.getState().schedules).toEqual({});
    } finally {
      vi.useRealTimers();
    }
  });
});
