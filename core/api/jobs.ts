/**
 * Long operations as jobs: started in the background, reported through progress events, cancellable,
 * and recorded in the catalog's job log (design.md: "every long operation is a job").
 */
import { randomUUID } from 'node:crypto';
import { isLakebenchError, LakebenchError } from '../errors';
import { withAbortSignal } from '../storage/request-scope';
import { estimateEta } from '../ops/maintenance/operations';
import type { JobProgress } from './types';
import type { JobInfo, JobKind, JobProgressEvent, MaintenanceSubject } from './workbench';

export interface JobContext {
  signal: AbortSignal;
  progress(progress: JobProgress): void;
}

/** A job driven from outside (e.g. the file fetch inside a query): report progress, then end it once. */
export interface JobHandle extends JobContext {
  readonly info: JobInfo;
  finish(result?: unknown): void;
  fail(error: unknown): void;
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

  /** Starts `work` and answers at once with the running job (a maintenance job with its subject). */
  start(kind: JobKind, title: string, work: (ctx: JobContext) => Promise<unknown>, subject?: MaintenanceSubject): JobInfo {
    const job = this.begin(kind, title, subject);
    // Every storage request the work makes carries the job's signal: a cancel aborts requests in flight.
    withAbortSignal(job.signal, () => work(job)).then(
      (result) => job.finish(result),
      (e: unknown) => job.fail(e),
    );
    return { ...job.info };
  }

  /** Registers a running job whose work happens elsewhere; the caller ends it with finish or fail. */
  begin(kind: JobKind, title: string, subject?: MaintenanceSubject): JobHandle {
    const info: JobInfo = { jobId: randomUUID(), kind, title, state: 'running', startedAt: new Date().toISOString(), ...(subject && { subject }) };
    const abort = new AbortController();
    const began = Date.now();
    let ended: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const end = (outcome: Pick<JobInfo, 'state' | 'result' | 'error'>) => {
      if (!this.running.has(info.jobId)) return; // ended already
      Object.assign(info, outcome, { finishedAt: new Date().toISOString() });
      this.running.delete(info.jobId);
      this.log(info);
      this.listener.state({ ...info });
      ended();
    };
    this.running.set(info.jobId, { info, abort, done });
    this.log(info);
    this.listener.state({ ...info });
    return {
      info,
      signal: abort.signal,
      progress: (p) => {
        if (!this.running.has(info.jobId)) return;
        const event: JobProgressEvent = { jobId: info.jobId, ...p, ...etaOf(p, Date.now() - began) };
        info.progress = event;
        this.listener.progress(event);
      },
      finish: (result) => end({ state: 'done', result }),
      fail: (e) =>
        end({
          state: isLakebenchError(e, 'CANCELLED') || abort.signal.aborted ? 'cancelled' : 'failed',
          error: e instanceof Error ? e.message : String(e),
        }),
    };
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
}

/** The job's own estimate of the time left, else one at the average rate so far. */
function etaOf(p: JobProgress, elapsedMs: number): { etaMs?: number } {
  const etaMs = p.etaMs ?? estimateEta(p.done, p.total, elapsedMs);
  return etaMs === undefined ? {} : { etaMs };
}
