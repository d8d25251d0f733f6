import { DelayedError, type Job } from 'bullmq';

/** Another worker holds the repository: put the job back for a second or two, without using an attempt. */
export async function delayWhileHeld(job: Job, token: string | undefined): Promise<never> {
  await job.moveToDelayed(Date.now() + 1000 + Math.floor(Math.random() * 1000), token);
  throw new DelayedError();
}
