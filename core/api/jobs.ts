/**
 * Long operations as jobs: started in the background, reported through progress events, cancellable,
 * and recorded in the catalog's job log (design.md: "every long operation is a job").
 */
import { randomUUID } from 'node:crypto';
import { isLakebenchError, LakebenchError } from '../errors';
import type { JobProgress } from './types';
import type { JobInfo, JobKind, JobProgressEvent } from './workbench';

export interface JobContext {
  signal: AbortSignal;
  progress(progress: JobProgress): void;
}

export interface JobListener {
  progress(event: JobProgressEvent): void;
  state(job: JobInfo): void;
}

interface RunningJob {
  info: JobInfo;
  abort: AbortController;
  done: Promise<void>;
}

export class Jobs {
  private readonly running = new Map<string, RunningJob>();

  constructor(
    private readonly listener: JobListener,
    private readonly log: (job: JobInfo) => void,
    private readonly past: () => JobInfo[],
  ) {}

  /** Starts `work` and answers at once with the running job. */
  start(kind: JobKind, title: string, work: (ctx: JobContext) => Promise<unknown>): JobInfo {
    const info: JobInfo = { jobId: randomUUID(), kind, title, state: 'running', startedAt: new Date().toISOString() };
    const abort = new AbortController();
    const began = Date.now();
    const progress = (p: JobProgress) => {
      const event: JobProgressEvent = { jobId: info.jobId, ...p, ...etaOf(p, Date.now() - began) };
      info.progress = event;
      this.listener.progress(event);
    };
    this.log(info);
    const done = work({ signal: abort.signal, progress }).then(
      (result) => this.end(info, { state: 'done', result }),
      (e: unknown) =>
        this.end(info, {
          state: isLakebenchError(e, 'CANCELLED') || abort.signal.aborted ? 'cancelled' : 'failed',
          error: e instanceof Error ? e.message : String(e),
        }),
    );
    this.running.set(info.jobId, { info, abort, done });
    this.listener.state({ ...info });
    return { ...info };
  }

  /** Running jobs first, then the job log. */
  list(): JobInfo[] {
    const running = [...this.running.values()].map((j) => ({ ...j.info }));
    return [...running, ...this.past().filter((p) => !this.running.has(p.jobId))];
  }

  cancel(jobId: string): void {
    const job = this.running.get(jobId);
    if (!job) throw new LakebenchError('NOT_FOUND', `no running job ${jobId}`);
    job.abort.abort();
  }

  /** Resolves when the job has ended (for tests and shutdown). */
  async settled(jobId: string): Promise<void> {
    await this.running.get(jobId)?.done;
  }

  async cancelAll(): Promise<void> {
    const jobs = [...this.running.values()];
    jobs.forEach((j) => j.abort.abort());
    await Promise.all(jobs.map((j) => j.done));
  }

  private end(info: JobInfo, outcome: Pick<JobInfo, 'state' | 'result' | 'error'>): void {
    Object.assign(info, outcome, { finishedAt: new Date().toISOString() });
    this.running.delete(info.jobId);
    this.log(info);
    this.listener.state({ ...info });
  }
}

/** Time left at the average rate so far; unknown until some work is done. */
function etaOf(p: JobProgress, elapsedMs: number): { etaMs?: number } {
  if (p.total <= 0 || p.done <= 0 || p.done >= p.total) return {};
  return { etaMs: Math.round((elapsedMs / p.done) * (p.total - p.done)) };
}
