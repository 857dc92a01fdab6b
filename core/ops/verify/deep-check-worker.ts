/**
 * A worker thread of --deep (deep-check-pool.ts runs one per core): for each file it is sent, the page
 * CRCs (page-crc.ts) and a full decode by parquet-wasm (arrow-rs compiled to WebAssembly, an
 * independent reader next to DuckDB). Both are CPU-bound and single-threaded per wasm instance, hence
 * threads. A file up to IN_MEMORY_MAX_BYTES is read from disk once and both checks work on those bytes;
 * a bigger one is read by each check in turn, so that memory stays bounded.
 *
 * Bundles emit this file as an entry of its own (scripts/build-cli.mjs, electron.vite.config.ts).
 */
import { openAsBlob } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { ParquetFile, type RecordBatch } from 'parquet-wasm';
import { checkPageCrcs, checkPageCrcsInBytes } from './page-crc';
import type { DeepCheckTask, DeepCheckAnswer } from './deep-check-pool';

/** Rows per decoded batch: big enough that per-batch overhead vanishes, small enough to bound memory. */
const BATCH_ROWS = 65_536;
/** Files up to this size are held in memory while checked (twice: the read, and parquet-wasm's Blob). */
const IN_MEMORY_MAX_BYTES = 256 * 1024 ** 2;

const port = parentPort!;
port.postMessage({ ready: true } satisfies DeepCheckAnswer);
port.on('message', async ({ path, size, metadata }: DeepCheckTask) => {
  try {
    const bytes = size <= IN_MEMORY_MAX_BYTES ? await readFile(path) : undefined;
    const crcs = await (bytes ? checkPageCrcsInBytes(bytes, metadata) : checkPageCrcs(path, metadata));
    const wasmError = await decodeError(bytes ? new Blob([bytes]) : await openAsBlob(path));
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
