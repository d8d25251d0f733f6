import type { Worker } from 'bullmq';

/**
 * Resolves once `done()` holds, checking after every job the worker completes; rejects after `timeoutMs` with
 * `describe()` in the message, so a stuck test says what it saw.
 */
export function whenWorkerHas(
  worker: Worker,
  done: () => boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!done()) return;
      clearTimeout(timer);
      worker.off('completed', check);
      resolve();
    };
    const timer = setTimeout(() => {
      worker.off('completed', check);
      reject(new Error(`timed out after ${timeoutMs} ms: ${describe()}`));
    }, timeoutMs);
    worker.on('completed', check);
    check();
  });
}
