/**
 * Cancellation of storage requests without threading a signal through every call: a job runs inside
 * `withAbortSignal`, and every S3 request made below it — however deep in ops or formats — is sent
 * with that signal, so Ctrl-C, a cancel button or a `--timeout` deadline aborts requests in flight
 * instead of waiting for them. Scopes nest: an inner scope is aborted by its own signal or any outer one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

export function withAbortSignal<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  if (!signal) return work();
  const outer = scope.getStore();
  return scope.run(outer ? AbortSignal.any([outer, signal]) : signal, work);
}

/** The signal the current scope's requests are sent with, if any. */
export const requestSignal = (): AbortSignal | undefined => scope.getStore();

/**
 * Runs `work` outside the current scope, bounded by `graceMs` of its own: for reading back whether a write
 * that a cancel or deadline cut short has landed — the answer decides what to report, so it must be asked
 * even after the job's signal fired.
 */
export function outsideAbortScope<T>(graceMs: number, work: () => Promise<T>): Promise<T> {
  return scope.run(AbortSignal.timeout(graceMs), work);
}
