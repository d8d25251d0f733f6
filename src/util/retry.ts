import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { Gh2ccError } from './errors.ts';

export interface RetryPolicy {
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

/** Jittered exponential backoff: 1 s, 2 s, 4 s… (each ×1–2 at random), at most 30 s apart, 5 retries. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 5, minTimeoutMs: 1000, maxTimeoutMs: 30_000 };

/**
 * Runs `fn`, retrying failures classified as transient (Gh2ccError.retryable) with jittered backoff; a
 * permanent failure (auth, not found, invalid name…) is thrown at once.
 */
export function withRetry<T>(
  what: string,
  fn: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; log?: Logger; signal?: AbortSignal } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  return pRetry(fn, {
    retries: policy.retries,
    minTimeout: policy.minTimeoutMs,
    maxTimeout: policy.maxTimeoutMs,
    randomize: true,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    shouldRetry: ({ error }) => error instanceof Gh2ccError && error.retryable,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (error instanceof Gh2ccError && error.retryable && retriesLeft > 0) {
        options.log?.warn(
          { what, attempt: attemptNumber, retriesLeft, code: error.code, reason: error.message },
          'transient failure; retrying',
        );
      }
    },
  });
}
