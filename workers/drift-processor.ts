import type { Job, Queue } from 'bullmq';
import { runDriftCheck, type DriftSummary } from '../src/jobs/drift-check.ts';
import type { JobContext } from '../src/jobs/job-context.ts';
import type { DriftJobData, SyncJobData } from '../src/jobs/queues.ts';

/** `drift` queue: compare every mirrored repository without pushing. */
export function createDriftProcessor(ctx: JobContext, syncQueue: Queue<SyncJobData>, shutdown: AbortSignal) {
  return (job: Job<DriftJobData, DriftSummary>): Promise<DriftSummary> =>
    runDriftCheck(ctx, syncQueue, job.data, ctx.log.child({ jobId: job.id, queue: 'drift' }), shutdown);
}
