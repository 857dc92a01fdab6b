/**
 * Bytes of local scratch space a job may hold at once (`--scratch-limit`). Work reserves what it will
 * write before writing it and releases it once the files are gone; a reservation that does not fit waits,
 * first come first served, until earlier work releases enough. Hand-written: a byte-weighted semaphore
 * is a few lines, and the semaphore packages in use elsewhere count slots, not bytes.
 */
import { LakebenchError } from '../errors';

interface Waiter {
  bytes: number;
  grant: () => void;
  refuse: (error: unknown) => void;
}

export class ScratchBudget {
  private held = 0;
  private peak = 0;
  private readonly queue: Waiter[] = [];
  private closed?: { error: unknown };

  constructor(readonly limitBytes: number) {}

  /** Bytes reserved now. */
  get usedBytes(): number {
    return this.held;
  }

  /** The most ever reserved at once. */
  get highWaterBytes(): number {
    return this.peak;
  }

  /** Waits until `bytes` more fit under the limit (and every earlier reservation was granted), then holds them. */
  reserve(bytes: number): Promise<void> {
    if (this.closed) return Promise.reject(this.closed.error);
    if (bytes > this.limitBytes) {
      return Promise.reject(new LakebenchError('USAGE', `${bytes} bytes of scratch space asked for, more than the limit of ${this.limitBytes}`));
    }
    return new Promise((grant, refuse) => {
      this.queue.push({ bytes, grant, refuse });
      this.grantWaiting();
    });
  }

  /** Gives back `bytes` reserved earlier. */
  release(bytes: number): void {
    this.held -= bytes;
    this.grantWaiting();
  }

  /**
   * Replaces a reservation by the bytes actually written (an output file's size, known only once written):
   * a file bigger than its estimate is held whole at once, even over the limit — it is on disk already.
   */
  resize(reserved: number, actual: number): void {
    this.hold(actual - reserved);
    this.grantWaiting();
  }

  /** Refuses every waiting and later reservation with `error` (the job failed or was cancelled). */
  close(error: unknown): void {
    this.closed = { error };
    for (const waiter of this.queue.splice(0)) waiter.refuse(error);
  }

  private grantWaiting(): void {
    while (this.queue.length > 0 && this.held + this.queue[0]!.bytes <= this.limitBytes) {
      const waiter = this.queue.shift()!;
      this.hold(waiter.bytes);
      waiter.grant();
    }
  }

  private hold(bytes: number): void {
    this.held += bytes;
    this.peak = Math.max(this.peak, this.held);
  }
}
