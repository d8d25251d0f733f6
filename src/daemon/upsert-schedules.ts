import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { parseSchedule } from '../config/schedule.ts';
import type { Gh2ccQueues } from '../jobs/open-queues.ts';
import { retryingJob } from '../jobs/job-options.ts';

export const RECONCILE_SCHEDULER = 'org-reconcile';
export const DRIFT_SCHEDULER = 'drift-check';
export const IAM_SCHEDULER = 'iam-reconcile';

/**
 * The daemon's schedules live in Redis as BullMQ job schedulers, not as timers in process memory: however
 * many daemons run, each rule produces one job per tick, and a restart does not reset the clock. Upserting
 * is idempotent and applies a changed interval.
 */
export async function upsertSchedules(queues: Gh2ccQueues, config: Config, log: Logger): Promise<void> {
  const reconcile = parseSchedule(config.daemon.reconcileEvery).schedule;
  if (reconcile === undefined)
    throw new Error(`daemon.reconcileEvery is not a schedule: ${config.daemon.reconcileEvery}`);
  await queues.reconcile.upsertJobScheduler(RECONCILE_SCHEDULER, reconcile, {
    name: 'reconcile',
    data: { reason: 'schedule' },
    opts: { ...retryingJob(config), attempts: 3 },
  });
  const drift = parseSchedule(config.daemon.driftEvery).schedule;
  if (drift === undefined)
    throw new Error(`daemon.driftEvery is not a schedule: ${config.daemon.driftEvery}`);
  await queues.drift.upsertJobScheduler(DRIFT_SCHEDULER, drift, {
    name: 'drift',
    data: { reason: 'schedule' },
    opts: { ...retryingJob(config), attempts: 1 },
  });
  const iam = config.iam.every === undefined ? undefined : parseSchedule(config.iam.every).schedule;
  if (iam === undefined) await queues.iam.removeJobScheduler(IAM_SCHEDULER);
  else
    await queues.iam.upsertJobScheduler(IAM_SCHEDULER, iam, {
      name: 'iam',
      data: { reason: 'schedule' },
      opts: { ...retryingJob(config), attempts: 3 },
    });
  log.info({ reconcile, drift, iam: iam ?? 'off' }, 'schedules in place');
}
