/**
 * Rewriting a table's bins (groups of input files that become one output file) as a pipeline: a bin's
 * inputs are downloaded (in parallel) while the bin before it is rewritten and the ones before that are
 * uploaded, and each bin's files leave the scratch folder as soon as they are done with — so a table far
 * bigger than the free disk compacts, within `limitBytes` of scratch space (a ScratchBudget).
 *
 * A bin holds its inputs' bytes (when they are downloaded, not read in place) plus as much again for the
 * files it writes, from before its download until its files are gone; the written files' real size
 * replaces that estimate once known. A bin needing more than the limit alone is refused before anything
 * is downloaded or written. Nothing here commits: the caller commits the uploaded files once, at the end.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { LakebenchError } from '../errors';
import { formatSize } from '../units';
import type { CacheProgress } from '../storage/cache';
import { estimateEta, type OpOptions } from './maintenance/operations';
import { ScratchBudget } from './scratch-budget';

/** What the pipeline needs to know of a bin before touching it. */
export interface BinSize {
  /** The bin's partition as text, for messages (`day=2026-01-01`, `(table)`). */
  label: string;
  /** Bytes of its input files. */
  inputBytes: number;
  /** Whether the inputs are downloaded into scratch space (remote tables) or read where they are. */
  downloaded: boolean;
}

export interface BinSteps<B, L, W, R> {
  /** Makes the bin's inputs readable locally, downloading into `dir` (a FileCache's folder) and telling its progress. */
  fetch(bin: B, dir: string, onProgress: (progress: CacheProgress) => void): Promise<L>;
  /** Writes the bin's rows into files in `outDir` (a fresh folder of its own); undefined when they are none (nothing to upload). */
  rewrite(bin: B, local: L, outDir: string): Promise<W | undefined>;
  upload(file: W): Promise<R>;
}

export interface PipelineOptions<B> {
  /** A folder of the job's scratch space for the pipeline's files (created here). */
  dir: string;
  limitBytes: number;
  sizeOf(bin: B): BinSize;
  /** The object named in errors (the table). */
  object: string;
  signal?: AbortSignal;
  /** Phase `transfer`: done and total are input bytes of bins done (written and uploaded) and of all, with the transfer's byte counts. */
  onProgress?: OpOptions['onProgress'];
}

export interface PipelineResult<R> {
  /** Each bin's upload, in bin order (none for a bin of no rows). */
  results: R[];
  /** The most scratch space held at once. */
  scratchHighWaterBytes: number;
}

/** A partition as messages print it: `day=2026-01-01/kind=a`, or `(table)` for an unpartitioned table. */
export const partitionLabel = (partition: Record<string, string | null>): string =>
  Object.entries(partition).map(([k, v]) => `${k}=${v ?? 'null'}`).join('/') || '(table)';

/** Bins whose inputs download at once (each with its own parallel transfers): enough to keep the link busy across bin boundaries. */
const BINS_FETCHED_AHEAD = 2;

/** Scratch bytes a bin holds at most: its downloaded inputs and room for its output (estimated at the inputs' size). */
const scratchNeed = (size: BinSize): number => (size.downloaded ? size.inputBytes : 0) + size.inputBytes;

export async function runBinPipeline<B, L, W, R>(bins: readonly B[], steps: BinSteps<B, L, W, R>, options: PipelineOptions<B>): Promise<PipelineResult<R>> {
  const sizes = bins.map(options.sizeOf);
  assertBinsFit(sizes, options);
  const budget = new ScratchBudget(options.limitBytes);
  const progress = progressCounter(sizes, budget, options.onProgress);
  const outDir = join(options.dir, 'written');
  await mkdir(outDir, { recursive: true });
  const binDir = (index: number) => join(options.dir, `bin-${index}`);

  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
    budget.close(failure.error);
  };
  const cancelled = () => fail(new LakebenchError('CANCELLED', 'compaction cancelled', { object: options.object }));
  options.signal?.addEventListener('abort', cancelled);

  const fetched = bins.map(() => deferred<L>());
  const prefetch = (async () => {
    for (const [index, bin] of bins.entries()) {
      try {
        if (index >= BINS_FETCHED_AHEAD) await fetched[index - BINS_FETCHED_AHEAD]!.promise.catch(() => {});
        await budget.reserve(scratchNeed(sizes[index]!));
        if (failure) throw failure.error;
        await mkdir(binDir(index));
        steps.fetch(bin, binDir(index), progress.fetchOf()).then(fetched[index]!.resolve, fetched[index]!.reject);
      } catch (e) {
        for (const rest of fetched.slice(index)) rest.reject(e);
        return;
      }
    }
  })();

  const uploads: Promise<R>[] = [];
  try {
    for (const [index, bin] of bins.entries()) {
      if (failure) throw failure.error;
      const size = sizes[index]!;
      const local = await fetched[index]!.promise;
      const binOut = join(outDir, randomUUID());
      await mkdir(binOut);
      const file = await steps.rewrite(bin, local, binOut);
      await rm(binDir(index), { recursive: true, force: true });
      if (size.downloaded) budget.release(size.inputBytes);
      if (!file) {
        await rm(binOut, { recursive: true, force: true });
        budget.release(size.inputBytes);
        progress.binDone(size.inputBytes, 0);
        continue;
      }
      const written = await folderBytes(binOut);
      budget.resize(size.inputBytes, written);
      const upload = steps.upload(file).then(async (result) => {
        await rm(binOut, { recursive: true });
        budget.release(written);
        progress.binDone(size.inputBytes, written);
        return result;
      });
      upload.catch(fail); // a failed upload stops the pipeline at once (and is thrown from the await below)
      uploads.push(upload);
    }
    const results = await Promise.all(uploads);
    return { results, scratchHighWaterBytes: budget.highWaterBytes };
  } catch (e) {
    fail(e);
    // Downloads and uploads in flight finish (or fail) before the caller removes the scratch folder.
    await Promise.allSettled([prefetch, ...fetched.map((f) => f.promise), ...uploads]);
    throw failure!.error;
  } finally {
    options.signal?.removeEventListener('abort', cancelled);
  }
}

/** Bytes of the files a bin wrote (its folder holds nothing else). */
async function folderBytes(dir: string): Promise<number> {
  const names = await readdir(dir);
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(dir, name))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/** USAGE naming the first bin that cannot fit under the limit even alone, before anything is touched. */
function assertBinsFit(sizes: BinSize[], options: PipelineOptions<unknown>): void {
  const tooBig = sizes.find((size) => scratchNeed(size) > options.limitBytes);
  if (!tooBig) return;
  const need = scratchNeed(tooBig);
  throw new LakebenchError(
    'USAGE',
    `partition ${tooBig.label}: a bin of ${formatSize(tooBig.inputBytes)} of input files needs ${formatSize(need)} of scratch space ` +
      `(${tooBig.downloaded ? 'its downloaded inputs and ' : ''}room for the file it writes), more than --scratch-limit ${formatSize(options.limitBytes)}; ` +
      `raise --scratch-limit or lower --target-size (nothing was written)`,
    { object: options.object },
  );
}

/**
 * The pipeline's byte counters, reported when they move by another percent of the work (so 2,000 small
 * downloads do not flood a terminal) and when a bin is done.
 */
function progressCounter(sizes: BinSize[], budget: ScratchBudget, onProgress: PipelineOptions<unknown>['onProgress']) {
  const began = Date.now();
  const totalBytes = sizes.reduce((sum, s) => sum + s.inputBytes, 0);
  const counts = { downloadedBytes: 0, uploadedBytes: 0, doneBytes: 0 };
  let reportedPercent = -1;
  const report = (always: boolean) => {
    const percent = Math.floor((100 * (counts.downloadedBytes + counts.doneBytes)) / Math.max(1, 2 * totalBytes));
    if (!always && percent === reportedPercent) return;
    reportedPercent = percent;
    const etaMs = estimateEta(counts.doneBytes, totalBytes, Date.now() - began);
    onProgress?.({
      phase: 'transfer',
      done: counts.doneBytes,
      total: totalBytes,
      bytes: counts.uploadedBytes,
      transfer: { downloadedBytes: counts.downloadedBytes, uploadedBytes: counts.uploadedBytes, totalBytes, scratchBytes: budget.usedBytes },
      ...(etaMs !== undefined && { etaMs }),
    });
  };
  report(true);
  return {
    /** A bin's download progress (its bytes so far) into the counters. */
    fetchOf: () => {
      let counted = 0;
      return (p: CacheProgress) => {
        counts.downloadedBytes += p.bytes - counted;
        counted = p.bytes;
        report(false);
      };
    },
    binDone: (inputBytes: number, uploadedBytes: number) => {
      counts.doneBytes += inputBytes;
      counts.uploadedBytes += uploadedBytes;
      report(true);
    },
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** A promise settled from outside (Promise.withResolvers is ES2024, beyond this build's lib). */
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // awaited by the pipeline; this only keeps an early failure from being unhandled meanwhile
  return { promise, resolve, reject };
}
