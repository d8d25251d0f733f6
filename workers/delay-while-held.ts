import { DelayedError, type Job } from 'bullmq';

/**
 * Puts the job back for a second or two without using an attempt: another worker holds the repository, or
 * this one is shutting down.
 */
export async function delayWhileHeld(job: Job, token: string | undefined): Promise<never> {
  await job.moveToDelayed(Date.now() + 1000 + Math.floor(Math.random() * 1000), token);
  throw new DelayedError();
}
