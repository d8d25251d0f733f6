import type { Job } from 'bullmq';
import type { RepoResult } from '../src/core/repo-result.ts';
import type { JobContext } from '../src/jobs/job-context.ts';
import { holdRepo } from '../src/jobs/hold-repo.ts';
import type { MigrateJobData } from '../src/jobs/migrate-job.ts';
import { runMigrateJob } from '../src/jobs/migrate-repo-job.ts';
import { sanitizeResult } from '../src/jobs/sanitize-result.ts';
import { delayWhileHeld } from './delay-while-held.ts';
import { progressOf, rethrowForQueue } from './job-reporting.ts';

/** `migrate` queue: one repository of a `gh2cc migrate --redis-url` run. */
export function createMigrateProcessor(ctx: JobContext, shutdown: AbortSignal) {
  return async (job: Job<MigrateJobData, RepoResult>, token?: string): Promise<RepoResult> => {
    const log = ctx.log.child({ jobId: job.id, repo: `${job.data.owner}/${job.data.repo}` });
    const held = await holdRepo(ctx, `${job.data.owner}/${job.data.repo}`, (lockLost) =>
      runMigrateJob(ctx, job.data, {
        log,
        signal: AbortSignal.any([shutdown, lockLost]),
        onProgress: progressOf(job),
      }).catch(rethrowForQueue),
    );
    if (!held.held) return delayWhileHeld(job, token);
    if (held.value.status === 'interrupted') {
      log.info(
        { lockLost: !shutdown.aborted },
        'migration interrupted (shutdown, or the repository lock lost); handing the job back',
      );
      return delayWhileHeld(job, token);
    }
    log.info({ status: held.value.status, refsPushed: held.value.refsPushed }, 'repository job done');
    return sanitizeResult(held.value);
  };
}
