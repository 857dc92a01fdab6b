/**
 * Runs `work` over `items` with at most `limit` calls in flight and returns results in input order.
 * Hand-written because it is a dozen lines and no concurrency-limiter package is a dependency.
 * The first failure rejects the whole call; workers stop picking up new items after it.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  async function worker(): Promise<void> {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index], index);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
