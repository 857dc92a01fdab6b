import { isLakebenchError } from '../../errors';
import { EXIT_CANCELLED, type CliContext } from '../context';

/**
 * Runs a job with an AbortSignal that Ctrl-C (SIGINT) fires, so the running query or import is stopped
 * cleanly instead of the process being killed mid-write; a cancelled job prints "cancelled" and yields 130.
 */
export async function interruptible<T>(ctx: CliContext, job: (signal: AbortSignal) => Promise<T>): Promise<T | number> {
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once('SIGINT', onInterrupt);
  try {
    return await job(abort.signal);
  } catch (e) {
    if (!abort.signal.aborted && !isLakebenchError(e, 'CANCELLED')) throw e;
    ctx.err('\ncancelled\n');
    return EXIT_CANCELLED;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
