import { UnrecoverableError, type Job } from 'bullmq';
import type { SyncProgress } from '../src/core/repo-result.ts';
import { Gh2ccError } from '../src/util/errors.ts';
import { sanitize } from '../src/util/secrets.ts';

/** Passes a repository's progress on as the job's progress (best effort: a lost update is not an error). */
export function progressOf(job: Job): (p: SyncProgress) => void {
  return (p) => {
    job.updateProgress({ ...p }).catch(() => undefined);
  };
}

/**
 * Rethrows a failure; one a retry cannot fix (GitHub said no: the repository is gone, or the token may not
 * read it) stops BullMQ's retries. The message is stored in Redis, so it is sanitised.
 */
export function rethrowForQueue(err: unknown): never {
  if (err instanceof Gh2ccError && !err.retryable) throw new UnrecoverableError(sanitize(err.message));
  throw err;
}
