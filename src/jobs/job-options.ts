import type { JobsOptions } from 'bullmq';
import { parseSchedule } from '../config/schedule.ts';
import type { Config } from '../config/schema.ts';

/**
 * Retries with exponential backoff and jitter (`daemon.jobAttempts`, first wait `daemon.jobBackoff`);
 * permanent failures throw UnrecoverableError and stop early. Finished jobs are kept for a bounded time and
 * count (the per-repo state in Redis keeps the history users see), so Redis memory stays flat however long
 * the daemon runs.
 */
export function retryingJob(config: Config): JobsOptions {
  const backoff = parseSchedule(config.daemon.jobBackoff).schedule;
  return {
    attempts: config.daemon.jobAttempts,
    backoff: {
      type: 'exponential',
      delay: backoff !== undefined && 'every' in backoff ? backoff.every : 2000,
      jitter: 0.5,
    },
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
  };
}
