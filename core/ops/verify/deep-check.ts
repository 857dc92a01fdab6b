/**
 * --deep: every page of every file read by two independent readers side by side. DuckDB decodes every
 * value (duckdb-scan.ts) on its own threads; the page walk (page-walk.ts) checks every page from the raw
 * bytes: page CRCs, decompression to the stated size with native codecs (on libuv's thread pool), value
 * counts. Only a file one of them finds undecodable is then decoded by parquet-wasm as well, in a worker
 * (deep-check-pool.ts), whose error names what is wrong in a second reader's words: a full second decode
 * of every file cost 5–7× DuckDB's scan, so verify ran at several times a scan for a check that the page
 * walk makes at a fraction of one. Remote files are copied into the job's scratch folder a batch at a time
 * (DuckDB and parquet-wasm read local files) and removed after their batch.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileMetaData } from 'hyparquet';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { withScratchDb, type ScratchDb } from '../scratch-db';
import { duckdbDecodeErrors } from './duckdb-scan';
import { DeepCheckPool } from './deep-check-pool';
import { walkFilePages, type PageWalkResult } from './page-walk';
import type { VerifyProblem } from './problems';

/** A file whose footer parsed: what the deep checks need of it. */
export interface DeepCheckFile {
  key: string;
  object: string;
  size: number;
  metadata: FileMetaData;
}

/** Scratch space for remote copies per batch: bounds the disk a deep verify of a big bucket takes. */
const REMOTE_BATCH_BYTES = 1024 ** 3;
const DOWNLOAD_CONCURRENCY = 8;
/**
 * Files walked at once: each has one page in decompression on libuv's thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise) and one column chunk in memory, so more would only cost memory.
 */
const WALK_CONCURRENCY = 4;

export async function deepCheck(store: ObjectStore, files: DeepCheckFile[], { signal, onProgress }: OpOptions = {}): Promise<VerifyProblem[]> {
  if (files.length === 0) return [];
  const problems: VerifyProblem[] = [];
  const progress = { phase: 'deep', done: 0, total: files.length, bytes: 0 };
  onProgress?.({ ...progress });
  return withScratchDb('verify', signal, async (db) => {
    const pool = new DeepCheckPool();
    const stop = () => void pool.close();
    signal?.addEventListener('abort', stop);
    try {
      for (const batch of batches(files, store.kind === 'local' ? Number.POSITIVE_INFINITY : REMOTE_BATCH_BYTES)) {
        const paths = await localCopies(db, store, batch);
        const found = await checkBatch(db, pool, batch, paths, (file) => {
          progress.done++;
          progress.bytes += file.size;
          onProgress?.({ ...progress });
        });
        problems.push(...found);
        if (store.kind !== 'local') await Promise.all([...paths.values()].map((path) => rm(path, { force: true })));
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      await pool.close();
    }
    return problems;
  });
}

async function checkBatch(
  db: ScratchDb,
  pool: DeepCheckPool,
  files: DeepCheckFile[],
  paths: Map<string, string>,
  fileDone: (file: DeepCheckFile) => void,
): Promise<VerifyProblem[]> {
  const pathOf = (file: DeepCheckFile) => paths.get(file.key)!;
  const [duckdbErrors, walks] = await Promise.all([
    duckdbDecodeErrors(db.connection, files.map(pathOf), db.checkCancelled),
    mapWithConcurrency(files, WALK_CONCURRENCY, async (file) => {
      db.checkCancelled();
      const walk = await walkFilePages(pathOf(file), file.metadata, { decompress: true });
      db.checkCancelled();
      fileDone(file);
      return walk;
    }),
  ]);
  const undecodable = (file: DeepCheckFile, i: number) => duckdbErrors.has(pathOf(file)) || walks[i]!.pageErrors.length > 0;
  const wasmErrors = await Promise.all(files.map((file, i) => (undecodable(file, i) ? pool.decodeError({ path: pathOf(file) }) : undefined)));
  return files.flatMap((file, i) => fileProblems(file, duckdbErrors.get(pathOf(file)), wasmErrors[i], walks[i]!));
}

function fileProblems(file: DeepCheckFile, duckdbError: string | undefined, wasmError: string | undefined, walk: PageWalkResult): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const decodeErrors = [
    ...(duckdbError ? [`DuckDB: ${duckdbError}`] : []),
    ...(wasmError ? [`parquet-wasm: ${wasmError}`] : []),
    ...walk.pageErrors,
  ];
  if (decodeErrors.length > 0) problems.push({ object: file.object, kind: 'decode-error', detail: decodeErrors.join('; ') });
  if (walk.mismatches.length > 0) {
    const [first] = walk.mismatches;
    problems.push({
      object: file.object,
      kind: 'page-crc-mismatch',
      detail:
        `${walk.mismatches.length} of ${walk.checkedPages} pages with a CRC do not match it ` +
        `(first: row group ${first!.rowGroup}, column ${first!.column}, page at byte ${first!.offset})`,
    });
  }
  return problems;
}

/** Local paths by key: the files themselves for local stores, copies in the scratch folder otherwise. */
async function localCopies(db: ScratchDb, store: ObjectStore, files: DeepCheckFile[]): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  if (store.kind === 'local') {
    for (const file of files) paths.set(file.key, store.localPath(file.key)!);
    return paths;
  }
  await mapWithConcurrency(files, DOWNLOAD_CONCURRENCY, async (file, i) => {
    db.checkCancelled();
    const path = join(db.dir, `file-${i}.parquet`);
    await store.download(file.key, path);
    paths.set(file.key, path);
  });
  return paths;
}

/** Consecutive runs of files of at most `maxBytes` together (a bigger file gets a batch of its own). */
function* batches(files: DeepCheckFile[], maxBytes: number): Generator<DeepCheckFile[]> {
  let batch: DeepCheckFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (batch.length > 0 && bytes + file.size > maxBytes) {
      yield batch;
      [batch, bytes] = [[], 0];
    }
    batch.push(file);
    bytes += file.size;
  }
  if (batch.length > 0) yield batch;
}
