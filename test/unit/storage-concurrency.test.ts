/**
 * mapWithConcurrency: results in input order, at most `limit` calls in flight, and — what keeps a failed
 * read from crashing compact-staging with ERR_STREAM_DESTROYED — a failure rejects only once the calls
 * already in flight have settled, so the caller's cleanup never pulls resources from under them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../core/storage/concurrency';

describe('mapWithConcurrency', () => {
  it('keeps input order and the limit', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapWithConcurrency([30, 10, 20, 5, 15], 2, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await sleep(ms);
      inFlight--;
      return i;
    });
    expect(results).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('rejects with the first failure only after the calls in flight have settled, and starts no new ones', async () => {
    const settled: number[] = [];
    const started: number[] = [];
    const outcome = mapWithConcurrency([0, 1, 2, 3, 4, 5], 3, async (item) => {
      started.push(item);
      if (item === 0) throw new Error('first failure');
      await sleep(40);
      settled.push(item);
      if (item === 1) throw new Error('second failure');
      return item;
    });
    await expect(outcome).rejects.toThrow('first failure');
    // Items 1 and 2 were in flight when item 0 failed: both finished before the rejection.
    expect(settled.sort()).toEqual([1, 2]);
    expect(started.sort()).toEqual([0, 1, 2]);
  });
});
