/** Long jobs (exports, imports, deletes): their state and progress from engine events, for the jobs drawer. */
import { create } from 'zustand';
import type { JobInfo, WorkbenchEvent } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';

interface JobsState {
  jobs: JobInfo[];
  open: boolean;
  /** Set when the engine process restarted (Electron), until dismissed. */
  engineNotice?: string;
  error?: string;
  setOpen(open: boolean): void;
  refresh(): Promise<void>;
  /** Adds a job just started (the start call's answer) and opens the drawer. */
  track(job: JobInfo): void;
  cancel(jobId: string): Promise<void>;
  onEvent(event: WorkbenchEvent): void;
  dismissNotice(): void;
}

/** Newest first, one entry per job. */
function upsert(jobs: JobInfo[], job: JobInfo): JobInfo[] {
  const known = jobs.find((j) => j.jobId === job.jobId);
  // Events and the start call's answer race: a progress event may overtake the state event that started
  // the job, and a quick job's "done" event may arrive before the answer saying "running". An ended
  // job never goes back to running.
  const ended = known && known.state !== 'running' && job.state === 'running';
  const merged = known ? (ended ? known : { ...known, ...job, progress: job.progress ?? known.progress }) : job;
  return [merged, ...jobs.filter((j) => j.jobId !== job.jobId)].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export const useJobs = create<JobsState>()((set) => ({
  jobs: [],
  open: false,
  setOpen: (open) => set({ open }),
  refresh: async () => {
    try {
      const jobs = await api().jobs({});
      set((s) => ({ jobs: jobs.reduce(upsert, s.jobs) }));
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
  track: (job) => set((s) => ({ jobs: upsert(s.jobs, job), open: true })),
  cancel: async (jobId) => {
    try {
      await api().jobCancel({ jobId });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
  onEvent: (event) => {
    switch (event.type) {
      case 'job-progress':
        set((s) => ({
          jobs: s.jobs.map((j) => (j.jobId === event.progress.jobId && j.state === 'running' ? { ...j, progress: event.progress } : j)),
        }));
        break;
      case 'job-state':
        set((s) => ({ jobs: upsert(s.jobs, event.job) }));
        break;
      case 'engine-restarted':
        set({ engineNotice: `The engine restarted: ${event.reason}` });
        break;
    }
  },
  dismissNotice: () => set({ engineNotice: undefined }),
}));
