import type { JobsOptions, Queue } from 'bullmq';
import type { StateStore } from '../state/state-store.ts';
import { syncDedupId, type SyncJobData } from './queues.ts';

/**
 * Asks for a sync of one repository. Requests coalesce per repository (BullMQ deduplication with
 * keepLastIfActive): while a sync waits, more requests join it; while one runs, one more is kept to run after
 * it, so a change that arrives mid-sync is never missed and a burst of 100 requests costs at most 2 syncs.
 */
export async function enqueueSync(
  queue: Queue<SyncJobData>,
  state: StateStore | undefined,
  data: Omit<SyncJobData, 'requestedAt'> & { requestedAt?: number },
  jobOptions: JobsOptions,
): Promise<string | undefined> {
  const requestedAt = data.requestedAt ?? Date.now();
  await state?.markRequested(`${data.owner}/${data.repo}`, requestedAt);
  // Joined to a job already waiting for this repository, the id is that job's.
  const job = await queue.add(
    'sync',
    { ...data, requestedAt },
    { ...jobOptions, deduplication: { id: syncDedupId(data.owner, data.repo), keepLastIfActive: true } },
  );
  return job.id;
}
