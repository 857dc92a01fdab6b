/**
 * The pool of deep-check workers (deep-check-worker.ts), at most one per core and started only when a
 * file needs one: each file goes to an idle worker, which decodes it with parquet-wasm.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LakebenchError } from '../../errors';
import { deepCheckWorkerSpec } from './deep-check-worker-spec';

/** What a worker is sent: a local Parquet file. */
export interface DeepCheckTask {
  path: string;
}

/** What a worker answers: that it started, or parquet-wasm's error (undefined when every page decoded), or why the file could not be read. */
export type DeepCheckAnswer = { ready: true } | { wasmError: string | undefined } | { failure: string };

interface PendingTask {
  task: DeepCheckTask;
  resolve: (wasmError: string | undefined) => void;
  reject: (e: unknown) => void;
}

export class DeepCheckPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, PendingTask>();
  /** Workers that loaded parquet-wasm: from then on a crash is a finding about the file being decoded. */
  private readonly ready = new WeakSet<Worker>();
  private readonly queue: PendingTask[] = [];
  private readonly spec = deepCheckWorkerSpec();
  private closed = false;

  constructor(private readonly size = availableParallelism()) {}

  /** parquet-wasm's error decoding one local file, undefined when every page decoded. */
  decodeError(task: DeepCheckTask): Promise<string | undefined> {
    if (this.closed) return Promise.reject(cancelled(task));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  /** Stops every worker; checks not finished yet are rejected with CANCELLED. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.idle, ...this.busy.keys()];
    for (const pending of [...this.queue, ...this.busy.values()]) pending.reject(cancelled(pending.task));
    this.queue.length = 0;
    this.idle.length = 0;
    this.busy.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0 && (this.idle.length > 0 || this.busy.size < this.size)) {
      const worker = this.idle.pop() ?? this.spawn();
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      worker.postMessage(pending.task);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(this.spec.url, { execArgv: this.spec.execArgv });
    worker.on('message', (answer: DeepCheckAnswer) => {
      if ('ready' in answer) return void this.ready.add(worker);
      const pending = this.busy.get(worker);
      if (!pending) return;
      this.busy.delete(worker);
      if ('failure' in answer) {
        this.idle.push(worker);
        pending.reject(new LakebenchError('IO', `could not read the file to check it: ${answer.failure}`, { object: pending.task.path }));
      } else {
        // After a failed decode (a Rust panic, a failed allocation) the wasm instance may be unusable: replace it.
        if (answer.wasmError === undefined) this.idle.push(worker);
        else void worker.terminate();
        pending.resolve(answer.wasmError);
      }
      this.pump();
    });
    // An error escaping the worker ends it. Before it loaded it is a failure of the run; after, it is a
    // panic of the decoder raised outside the awaited call (arrow-rs asserts on some corrupt pages),
    // which is a finding about the file.
    worker.on('error', (e) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      if (!pending) return;
      if (this.ready.has(worker)) {
        pending.resolve(`decoder crashed (${e.name}: ${e.message})`);
      } else {
        pending.reject(new LakebenchError('IO', `the deep-check worker could not be started: ${e.message}`, { object: pending.task.path, cause: e }));
      }
      this.pump();
    });
    return worker;
  }
}

const cancelled = (task: DeepCheckTask) => new LakebenchError('CANCELLED', 'decoding was cancelled', { object: task.path });
