import { DelayedError, type Job } from 'bullmq';

/**
 * Puts the job back without using an attempt: another worker holds the repository (a sync, a drift check
 * holding it for the tenth of a second an ls-remote takes), or this one is shutting down. A job that has just
 * come tries again within half a second or so; one that has waited long backs off, up to 5–10 s, so a
 * repository held for minutes (a first migration of a large one) is not asked for several times a second.
 */
export async function delayWhileHeld(job: Job, token: string | undefined): Promise<never> {
  const waited = Date.now() - job.timestamp;
  const base = Math.min(5000, Math.max(250, waited / 4));
  await job.moveToDelayed(Date.now() + base + Math.floor(Math.random() * base), token);
  throw new DelayedError();
}
