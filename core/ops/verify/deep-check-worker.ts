/**
 * A worker thread of --deep (deep-check-pool.ts): decodes each file it is sent in full with
 * parquet-wasm (arrow-rs compiled to WebAssembly, a reader independent of DuckDB). Only files already
 * found undecodable come here, for a second opinion that names what is wrong in arrow-rs's words. A
 * thread because the decode is CPU-bound and arrow-rs panics on some corrupt pages outside the awaited
 * call, which ends the thread and not the job. The decoder reads the file through a file-backed Blob.
 *
 * Bundles emit this file as an entry of its own (scripts/build-cli.mjs, electron.vite.config.ts).
 */
import { openAsBlob } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { ParquetFile, type RecordBatch } from 'parquet-wasm';
import type { DeepCheckTask, DeepCheckAnswer } from './deep-check-pool';

/** Rows per decoded batch: big enough that per-batch overhead vanishes, small enough to bound memory. */
const BATCH_ROWS = 65_536;

const port = parentPort!;
port.postMessage({ ready: true } satisfies DeepCheckAnswer);
port.on('message', async ({ path }: DeepCheckTask) => {
  let blob: Blob;
  try {
    blob = await openAsBlob(path);
  } catch (e) {
    // The file could not be read: a failure of the run, not a finding.
    return void port.postMessage({ failure: String((e as Error | undefined)?.message || e) } satisfies DeepCheckAnswer);
  }
  port.postMessage({ wasmError: await decodeError(blob) } satisfies DeepCheckAnswer);
});

/** parquet-wasm's error message, or undefined when every page decoded. */
async function decodeError(blob: Blob): Promise<string | undefined> {
  let file: ParquetFile | undefined;
  try {
    file = await ParquetFile.fromFile(blob);
    const batches = (await file.stream({ batchSize: BATCH_ROWS })).getReader();
    for (let next = await batches.read(); !next.done; next = await batches.read()) (next.value as RecordBatch).free();
    return undefined;
  } catch (e) {
    return String((e as Error | undefined)?.message || e);
  } finally {
    try {
      file?.free();
    } catch {
      // freeing after a panic can throw again; the answer is already known
    }
  }
}
