import type { JobsOptions, Queue } from 'bullmq';
import type { IamJobData, SyncReason } from './queues.ts';

/** The deduplication id every requested IAM reconcile shares: there is one org to converge. */
export const IAM_DEDUP_ID = 'iam';

/**
 * Asks for an IAM reconcile (team and membership changes). Requests coalesce: while one waits, more join it;
 * while one runs, one more is kept to run after it — the running one may have read GitHub's teams before the
 * change that asked, so folding the request into it would lose that change until the next scheduled run.
 */
export async function enqueueIamReconcile(
  queue: Queue<IamJobData>,
  reason: SyncReason,
  jobOptions: JobsOptions,
): Promise<void> {
  await queue.add(
    'iam',
    { reason },
    { ...jobOptions, deduplication: { id: IAM_DEDUP_ID, keepLastIfActive: true } },
  );
}
