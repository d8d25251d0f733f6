import { syncDepsFor } from '../mirror/mirror-context.ts';
import type { SyncDeps } from '../mirror/sync-deps.ts';
import { redisPushedRecord } from '../state/redis-pushed-record.ts';
import type { JobContext } from './job-context.ts';

/**
 * Sync dependencies for a job on any worker: the record of pushed refs lives in Redis, so whichever worker
 * (and whatever cache) takes the next job still knows which CodeCommit refs it may move back or delete.
 */
export function jobSyncDeps(ctx: JobContext, run: Parameters<typeof syncDepsFor>[1]): SyncDeps {
  return {
    ...syncDepsFor(ctx, run),
    pushedRecord: (repo) => redisPushedRecord(ctx.redis, ctx.prefix, repo),
  };
}
