import { isLakebenchError } from '../../errors';
import { withAbortSignal } from '../../storage/request-scope';
import { EXIT_CANCELLED, type CliContext } from '../context';

/**
 * Runs a job with an AbortSignal that Ctrl-C (SIGINT) or the `--timeout` deadline fires, so the running
 * query or import is stopped cleanly — storage requests in flight aborted — instead of the process being
 * killed mid-write; a cancelled job prints "cancelled" and yields 130 (a deadline is reported by runCommand).
 */
export async function interruptible<T>(ctx: CliContext, job: (signal: AbortSignal) => Promise<T>): Promise<T | number> {
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once('SIGINT', onInterrupt);
  const signal = ctx.deadline ? AbortSignal.any([abort.signal, ctx.deadline]) : abort.signal;
  try {
    return await withAbortSignal(signal, () => job(signal));
  } catch (e) {
    if (ctx.deadline?.aborted) throw e;
    if (!abort.signal.aborted && !isLakebenchError(e, 'CANCELLED')) throw e;
    ctx.err('\ncancelled\n');
    return EXIT_CANCELLED;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
