/**
 * Runs `work` over `items` with at most `limit` calls in flight and returns results in input order.
 * Hand-written because it is a dozen lines and no concurrency-limiter package is a dependency.
 * The first failure rejects the whole call, but only once the calls already in flight have settled
 * (workers stop picking up new items after it): a caller's cleanup — closing files, removing a scratch
 * folder — must not run while a sibling call still writes there.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  async function worker(): Promise<void> {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index], index);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
