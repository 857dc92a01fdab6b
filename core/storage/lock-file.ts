/**
 * A lock between processes on one machine: a file created with O_EXCL beside what it guards. One left
 * by a crashed holder is broken once older than `staleMs` (a guarded section takes milliseconds).
 */
import { promises as fs } from 'node:fs';
import { LakebenchError } from '../errors';

export interface LockOptions {
  /** A lock older than this was left by a crashed holder. */
  staleMs?: number;
  /** Give up with CONFLICT after waiting this long. */
  waitMs?: number;
}

const DEFAULT_STALE_MS = 30_000;
const DEFAULT_WAIT_MS = 10_000;

/** Runs `work` holding the lock file `lock`. */
export async function withLockFile<T>(lock: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await acquire(lock, options.staleMs ?? DEFAULT_STALE_MS, options.waitMs ?? DEFAULT_WAIT_MS);
  try {
    return await work();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

async function acquire(lock: string, staleMs: number, waitMs: number): Promise<void> {
  for (const began = Date.now(); ; ) {
    try {
      await (await fs.open(lock, 'wx')).close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - ((await fs.stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age > staleMs) await fs.rm(lock, { force: true });
      else if (Date.now() - began > waitMs) throw new LakebenchError('CONFLICT', `another writer holds ${lock}`, { object: lock });
      else await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
}
