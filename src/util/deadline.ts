/**
 * `work`, or a rejection with `fail()` once `ms` have passed (the timer is cleared either way). For reads from
 * Redis that must not hang a request while it is unreachable: the client queues commands until it is back.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, fail: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(fail()), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
