/**
 * The second, independent decoder of --deep: parquet-wasm (arrow-rs compiled to WebAssembly) reads
 * every row group of a file, batch by batch, and frees each batch at once. Decoding is CPU-bound and
 * single-threaded per wasm instance, so files are spread over a pool of worker threads that run next
 * to DuckDB's own threads.
 *
 * The worker is a few lines of plain JavaScript evaluated from a string: a worker script file would
 * need its own entry in each bundle (esbuild CLI, electron-vite, vitest), a string works in all of them.
 * parquet-wasm is resolved here and handed over as a path.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LakebenchError } from '../../errors';

/** Rows per decoded batch: big enough that per-batch overhead vanishes, small enough to bound memory. */
const BATCH_ROWS = 65_536;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openAsBlob } = require('node:fs');
const { ParquetFile } = require(workerData.parquetWasm);
parentPort.postMessage({ ready: true });
parentPort.on('message', async ({ path }) => {
  let file;
  try {
    file = await ParquetFile.fromFile(await openAsBlob(path));
    for await (const batch of await file.stream({ batchSize: ${BATCH_ROWS} })) batch.free();
    parentPort.postMessage({});
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
  } finally {
    try { file?.free(); } catch {}
  }
});
`;

interface Task {
  path: string;
  resolve: (error: string | undefined) => void;
  reject: (e: unknown) => void;
}

export class WasmDecoderPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  /** Workers that loaded parquet-wasm: from then on a crash is a finding about the file being decoded. */
  private readonly ready = new WeakSet<Worker>();
  private readonly queue: Task[] = [];
  private readonly parquetWasm = createRequire(import.meta.url).resolve('parquet-wasm');
  private closed = false;

  constructor(private readonly size = availableParallelism()) {}

  /** Decodes the whole file; answers parquet-wasm's error message, or undefined when every page decoded. */
  decode(path: string): Promise<string | undefined> {
    if (this.closed) return Promise.reject(new LakebenchError('CANCELLED', 'decoding was cancelled', { object: path }));
    return new Promise((resolve, reject) => {
      this.queue.push({ path, resolve, reject });
      this.pump();
    });
  }

  /** Stops every worker; decodes not finished yet are rejected with CANCELLED. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.idle, ...this.busy.keys()];
    for (const task of [...this.queue, ...this.busy.values()]) {
      task.reject(new LakebenchError('CANCELLED', 'decoding was cancelled', { object: task.path }));
    }
    this.queue.length = 0;
    this.idle.length = 0;
    this.busy.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0 && (this.idle.length > 0 || this.busy.size < this.size)) {
      const worker = this.idle.pop() ?? this.spawn();
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.postMessage({ path: task.path });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { parquetWasm: this.parquetWasm } });
    worker.on('message', ({ ready, error }: { ready?: boolean; error?: string }) => {
      if (ready) return void this.ready.add(worker);
      const task = this.busy.get(worker);
      if (!task) return;
      this.busy.delete(worker);
      // After a failed decode (a Rust panic, a failed allocation) the wasm instance may be unusable: replace it.
      if (error === undefined) this.idle.push(worker);
      else void worker.terminate();
      task.resolve(error);
      this.pump();
    });
    // An error escaping the worker ends it. Before parquet-wasm loaded it is a failure of the run; after,
    // it is a panic of the decoder raised outside the awaited call (arrow-rs asserts on some corrupt
    // pages), which is a finding about the file.
    worker.on('error', (e) => {
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      if (!task) return;
      if (this.ready.has(worker)) task.resolve(`decoder crashed (${e.name}: ${e.message})`);
      else task.reject(new LakebenchError('IO', `parquet-wasm could not be started: ${e.message}`, { object: task.path, cause: e }));
      this.pump();
    });
    return worker;
  }
}
