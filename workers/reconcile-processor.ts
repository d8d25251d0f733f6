import type { Job, Queue } from 'bullmq';
import type { JobContext } from '../src/jobs/job-context.ts';
import type { ReconcileJobData, SyncJobData } from '../src/jobs/queues.ts';
import { reconcileOrg, type ReconcileSummary } from '../src/jobs/reconcile-org.ts';

/** `reconcile` queue: inventory the org and turn what changed into sync jobs. */
export function createReconcileProcessor(ctx: JobContext, syncQueue: Queue<SyncJobData>) {
  return (job: Job<ReconcileJobData, ReconcileSummary>): Promise<ReconcileSummary> =>
    reconcileOrg(ctx, syncQueue, ctx.log.child({ jobId: job.id, queue: 'reconcile' }), job.data.reason);
}
