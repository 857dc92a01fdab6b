/** What a promise rejects with, or undefined when it resolves (so an expectation on the error then fails). */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}
