import type { Job } from 'bullmq';
import { runIamReconcile, type IamReconcileSummary } from '../src/jobs/iam-reconcile.ts';
import type { JobContext } from '../src/jobs/job-context.ts';
import type { IamJobData } from '../src/jobs/queues.ts';

/** `iam` queue: make IAM groups and policies match the org's GitHub teams. */
export function createIamProcessor(ctx: JobContext, shutdown: AbortSignal) {
  return (job: Job<IamJobData, IamReconcileSummary>): Promise<IamReconcileSummary> =>
    runIamReconcile(ctx, job.data, ctx.log.child({ jobId: job.id, queue: 'iam' }), shutdown);
}
