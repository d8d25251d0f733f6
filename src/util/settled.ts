/**
 * `fn`'s answer as a promise, and what it throws as a rejection: for work done with synchronous calls (small
 * local files, where the promise API's thread-pool round trips cost more than the reading) behind an
 * interface that callers await.
 */
export function settled<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}
