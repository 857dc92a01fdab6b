/** ScratchBudget: reservations wait, in order, until earlier ones release enough; a closed budget refuses. */
import { describe, expect, it } from 'vitest';
import { ScratchBudget } from '../../core/ops/scratch-budget';

/** Whether `promise` has settled once pending callbacks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('ScratchBudget', () => {
  it('grants reservations that fit, holds later ones in order until released, and records the high-water mark', async () => {
    const budget = new ScratchBudget(100);
    await budget.reserve(60);
    const second = budget.reserve(50);
    const third = budget.reserve(10); // would fit now, but waits behind the second: first come, first served
    expect(await settled(second)).toBe(false);
    expect(await settled(third)).toBe(false);
    budget.release(60);
    expect(await settled(second)).toBe(true);
    expect(await settled(third)).toBe(true);
    expect(budget.usedBytes).toBe(60);
    budget.resize(50, 80); // a written file bigger than its estimate is held whole
    expect(budget.usedBytes).toBe(90);
    expect(budget.highWaterBytes).toBe(90);
  });

  it('refuses a reservation bigger than the limit, and every waiting or later one once closed', async () => {
    const budget = new ScratchBudget(100);
    await expect(budget.reserve(101)).rejects.toMatchObject({ code: 'USAGE' });
    await budget.reserve(100);
    const waiting = budget.reserve(1);
    budget.close(new Error('job failed'));
    await expect(waiting).rejects.toThrow('job failed');
    await expect(budget.reserve(1)).rejects.toThrow('job failed');
  });
});
