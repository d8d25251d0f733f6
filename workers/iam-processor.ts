import type { Job } from 'bullmq';
import { runIamReconcile, type IamReconcileSummary } from '../src/jobs/iam-reconcile.ts';
import type { JobContext } from '../src/jobs/job-context.ts';
import type { IamJobData } from '../src/jobs/queues.ts';
import { delayWhileHeld } from './delay-while-held.ts';

/**
 * `iam` queue: make IAM groups and policies match the org's GitHub teams. While another worker holds the
 * org's IAM lock the job waits and runs after it, rather than ending as done: the run in progress may have
 * read GitHub's teams before the change this job was asked for.
 */
export function createIamProcessor(ctx: JobContext, shutdown: AbortSignal) {
  return async (job: Job<IamJobData, IamReconcileSummary>, token?: string): Promise<IamReconcileSummary> => {
    const log = ctx.log.child({ jobId: job.id, queue: 'iam' });
    const summary = await runIamReconcile(ctx, job.data, log, shutdown);
    if (summary.outcome !== 'busy') return summary;
    log.info('another worker is reconciling IAM for this org; running after it');
    return delayWhileHeld(job, token);
  };
}
