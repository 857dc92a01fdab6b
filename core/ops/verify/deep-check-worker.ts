/**
 * A worker thread of --deep (deep-check-pool.ts runs one per core): for each file it is sent, the page
 * CRCs (page-crc.ts) and a full decode by parquet-wasm (arrow-rs compiled to WebAssembly, an
 * independent reader next to DuckDB). Both are CPU-bound and single-threaded per wasm instance, hence
 * threads, and the main thread stays free for the job. The decoder reads the file through a file-backed
 * Blob; the CRC walk reads only page headers (and the bodies of pages that carry a CRC). Reading the file
 * into memory once for both was measured slower: parquet-wasm reads an in-memory Blob at half the speed.
 *
 * Bundles emit this file as an entry of its own (scripts/build-cli.mjs, electron.vite.config.ts).
 */
import { openAsBlob } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { ParquetFile, type RecordBatch } from 'parquet-wasm';
import { checkPageCrcs } from './page-crc';
import type { DeepCheckTask, DeepCheckAnswer } from './deep-check-pool';

/** Rows per decoded batch: big enough that per-batch overhead vanishes, small enough to bound memory. */
const BATCH_ROWS = 65_536;

const port = parentPort!;
port.postMessage({ ready: true } satisfies DeepCheckAnswer);
port.on('message', async ({ path, metadata }: DeepCheckTask) => {
  try {
    const crcs = await checkPageCrcs(path, metadata);
    const wasmError = await decodeError(await openAsBlob(path));
    port.postMessage({ crcs, wasmError } satisfies DeepCheckAnswer);
  } catch (e) {
    // The file could not be read: a failure of the run, not a finding (as on the main thread before).
    port.postMessage({ failure: String((e as Error | undefined)?.message || e) } satisfies DeepCheckAnswer);
  }
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
