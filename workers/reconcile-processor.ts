import type { Job, Queue } from 'bullmq';
import { applyRepoChange } from '../src/jobs/apply-repo-change.ts';
import type { JobContext } from '../src/jobs/job-context.ts';
import type { ReconcileJobData, SyncJobData } from '../src/jobs/queues.ts';
import { reconcileOrg, type ReconcileSummary } from '../src/jobs/reconcile-org.ts';

export type ReconcileJobResult = ReconcileSummary | { readonly change: string; readonly action: string };

/**
 * `reconcile` queue: inventory the org and turn what changed into sync jobs, or follow one repository's change
 * reported by a webhook.
 */
export function createReconcileProcessor(ctx: JobContext, syncQueue: Queue<SyncJobData>) {
  return async (job: Job<ReconcileJobData, ReconcileJobResult>): Promise<ReconcileJobResult> => {
    const log = ctx.log.child({ jobId: job.id, queue: 'reconcile' });
    const { change } = job.data;
    if (change === undefined) return reconcileOrg(ctx, syncQueue, log, job.data.reason);
    return { change: change.action, action: await applyRepoChange(ctx, syncQueue, change, log) };
  };
}
