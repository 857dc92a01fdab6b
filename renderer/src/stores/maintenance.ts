/**
 * The Maintenance panel's state per table: the jobs it started (their progress and results live in the
 * jobs store), a plan (dry run) waiting for the user's confirmation, the table's maintenance log, and an
 * optional schedule that runs `maintain` on an interval while the app is open.
 */
import { create } from 'zustand';
import type { JobInfo, MaintenanceJobArgs, MaintenanceLogEntry, WorkbenchEvent } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';
import { inAppTerms, isDryRun, type MaintenanceFields } from '../logic/maintenance-args';
import { refreshLake } from './actions';
import { useJobs } from './jobs';

/** A dry run whose result the panel shows with a button to run it for real. */
export interface PendingPlan {
  jobId: string;
  /** The arguments to run on confirmation (without dryRun). */
  confirmArgs: MaintenanceJobArgs;
}

/** A job started from the panel, with what it runs (JobInfo does not say). */
export interface MaintenanceRun {
  jobId: string;
  args: MaintenanceJobArgs;
}

export interface TableMaintenance {
  /** The option fields the user changed (kept while they look at other tabs); the rest are the table's defaults. */
  fields: Partial<MaintenanceFields>;
  /** Jobs started from the panel, newest first. */
  runs: MaintenanceRun[];
  plan?: PendingPlan;
  log: MaintenanceLogEntry[];
  /** The log entry whose report is shown (clicked in the log). */
  selectedLogId?: number;
  error?: string;
}

/** A table's schedule, kept in localStorage (a per-machine setting of the app, off unless turned on). */
export interface MaintenanceSchedule {
  everyMinutes: number;
  args: Extract<MaintenanceJobArgs, { operation: 'maintain' }>;
}

interface MaintenanceState {
  byTable: Record<string, TableMaintenance>;
  schedules: Record<string, MaintenanceSchedule>;
  /** Starts a job: with `dryRun` its result is held as the plan to confirm. */
  start(args: MaintenanceJobArgs): Promise<void>;
  confirmPlan(location: string): Promise<void>;
  discardPlan(location: string): void;
  loadLog(location: string, connectionId?: string): Promise<void>;
  selectLogEntry(location: string, id?: number): void;
  setFields(location: string, change: Partial<MaintenanceFields>): void;
  setSchedule(location: string, schedule: MaintenanceSchedule | undefined): void;
  onEvent(event: WorkbenchEvent): void;
}

const SCHEDULES_KEY = 'lakebench.maintenance.schedules';
const LOG_LIMIT = 50;
/** Operations that change the table (when not a dry run): the table view and explorer reload after them. */
const CHANGING = new Set(['compact', 'compact-staging', 'vacuum', 'repack', 'checkpoint', 'expire', 'maintain', 'rewrite-manifests']);

export const NO_MAINTENANCE: TableMaintenance = { fields: {}, runs: [], log: [] };
const timers = new Map<string, ReturnType<typeof setInterval>>();

function readSchedules(): Record<string, MaintenanceSchedule> {
  try {
    return JSON.parse(globalThis.localStorage?.getItem(SCHEDULES_KEY) ?? '{}') as Record<string, MaintenanceSchedule>;
  } catch {
    return {};
  }
}

/** The table a job is about: its location, or for compact-staging the table it writes. */
export function tableOf(args: MaintenanceJobArgs): string {
  return args.operation === 'compact-staging' && args.into ? args.into : args.location;
}

/** (Re)starts or stops the timer of one table's schedule. */
function arm(location: string, schedule: MaintenanceSchedule | undefined): void {
  clearInterval(timers.get(location));
  timers.delete(location);
  if (schedule) timers.set(location, setInterval(() => void useMaintenance.getState().start(schedule.args), schedule.everyMinutes * 60_000));
}

export const useMaintenance = create<MaintenanceState>()((set, get) => {
  const update = (location: string, change: (t: TableMaintenance) => Partial<TableMaintenance>) =>
    set((s) => {
      const table = s.byTable[location] ?? NO_MAINTENANCE;
      return { byTable: { ...s.byTable, [location]: { ...table, ...change(table) } } };
    });

  /** A run has ended: its log entry is there to show, and a table it changed is reloaded. */
  const ended = (args: MaintenanceJobArgs, job: JobInfo) => {
    void get().loadLog(tableOf(args), args.connectionId);
    if (job.state === 'done' && CHANGING.has(args.operation) && !isDryRun(args)) void refreshLake();
  };

  return {
    byTable: {},
    schedules: readSchedules(),
    start: async (args) => {
      const table = tableOf(args);
      update(table, () => ({ error: undefined, ...(isDryRun(args) && { plan: undefined }) }));
      try {
        const job = await api().maintenanceStart(args);
        // Through onEvent, not track(): the panel shows the progress, the jobs drawer stays as it is.
        useJobs.getState().onEvent({ type: 'job-state', job });
        update(table, (t) => ({
          runs: [{ jobId: job.jobId, args }, ...t.runs],
          ...(isDryRun(args) && { plan: { jobId: job.jobId, confirmArgs: { ...args, dryRun: false } } }),
        }));
        // A quick job's end event may have come before this answer.
        const known = useJobs.getState().jobs.find((j) => j.jobId === job.jobId);
        if (known && known.state !== 'running') ended(args, known);
      } catch (e) {
        update(table, () => ({ error: inAppTerms(errorMessage(e)) }));
      }
    },
    confirmPlan: async (location) => {
      const plan = get().byTable[location]?.plan;
      if (!plan) return;
      update(location, () => ({ plan: undefined }));
      await get().start(plan.confirmArgs);
    },
    discardPlan: (location) => update(location, () => ({ plan: undefined })),
    loadLog: async (location, connectionId) => {
      try {
        const log = await api().maintenanceLog({ location, connectionId, limit: LOG_LIMIT });
        update(location, () => ({ log }));
      } catch (e) {
        update(location, () => ({ error: errorMessage(e) }));
      }
    },
    selectLogEntry: (location, id) => update(location, () => ({ selectedLogId: id })),
    setFields: (location, change) => update(location, (t) => ({ fields: { ...t.fields, ...change } })),
    setSchedule: (location, schedule) => {
      const schedules = { ...get().schedules };
      if (schedule) schedules[location] = schedule;
      else delete schedules[location];
      globalThis.localStorage?.setItem(SCHEDULES_KEY, JSON.stringify(schedules));
      set({ schedules });
      arm(location, schedule);
    },
    onEvent: (event) => {
      if (event.type !== 'job-state' || event.job.state === 'running') return;
      const args = findRun(get().byTable, event.job.jobId)?.args;
      if (args) ended(args, event.job);
    },
  };
});

/** Arms the saved schedules (the app calls this once at start); returns the function that stops them. */
export function startMaintenanceSchedules(): () => void {
  const locations = Object.keys(useMaintenance.getState().schedules);
  for (const location of locations) arm(location, useMaintenance.getState().schedules[location]);
  return () => locations.forEach((location) => arm(location, undefined));
}

/** What a maintenance run the panel started does, for the jobs drawer's summary of it. */
export function findRun(byTable: Record<string, TableMaintenance>, jobId: string): MaintenanceRun | undefined {
  for (const table of Object.values(byTable)) {
    const run = table.runs.find((r) => r.jobId === jobId);
    if (run) return run;
  }
  return undefined;
}

/** The panel's runs on a table with their jobs as the jobs store knows them now (newest first). */
export function tableJobs(jobs: JobInfo[], runs: MaintenanceRun[]): Array<MaintenanceRun & { job: JobInfo }> {
  return runs.flatMap((run) => {
    const job = jobs.find((j) => j.jobId === run.jobId);
    return job ? [{ ...run, job }] : [];
  });
}
