import { randomUUID } from 'node:crypto';
import { UnrecoverableError, type Job } from 'bullmq';
import type { RepoResult } from '../src/core/repo-result.ts';
import type { JobContext } from '../src/jobs/job-context.ts';
import { holdRepo } from '../src/jobs/hold-repo.ts';
import type { SyncJobData } from '../src/jobs/queues.ts';
import { runSyncJob } from '../src/jobs/sync-repo-job.ts';
import { sanitize } from '../src/util/secrets.ts';
import { sanitizeResult } from '../src/jobs/sanitize-result.ts';
import { delayWhileHeld } from './delay-while-held.ts';
import { progressOf, rethrowForQueue } from './job-reporting.ts';

export interface SyncObserver {
  /** Every finished sync attempt (metrics). */
  onResult?(result: RepoResult, final: boolean): void;
}

/** `sync` queue: converge one repository. A failed sync throws so BullMQ retries it (or stops, if permanent). */
export function createSyncProcessor(ctx: JobContext, shutdown: AbortSignal, observer: SyncObserver = {}) {
  return async (job: Job<SyncJobData, RepoResult | null>, token?: string): Promise<RepoResult | null> => {
    const repo = `${job.data.owner}/${job.data.repo}`;
    const log = ctx.log.child({ jobId: job.id, repo, reason: job.data.reason });
    const held = await holdRepo(ctx, repo, (lockLost) =>
      runSyncJob(ctx, job.data, {
        log,
        attempt: job.attemptsMade + 1,
        attempts: job.opts.attempts ?? 1,
        signal: AbortSignal.any([shutdown, lockLost]),
        onProgress: progressOf(job),
        syncingBy: { job: job.id ?? '', run: randomUUID() },
      }).catch(rethrowForQueue),
    );
    if (!held.held) return delayWhileHeld(job, token);
    const outcome = held.value;
    if (outcome.kind === 'interrupted') {
      // Handed back, not failed: it waits again without using up an attempt (if Redis is gone, the job stays
      // active and another worker's stalled-job check takes it over).
      log.info(
        { lockLost: !shutdown.aborted },
        'sync interrupted (shutdown, or the repository lock lost); handing the job back',
      );
      return delayWhileHeld(job, token);
    }
    if (outcome.kind === 'skipped') {
      log.info({ why: outcome.reason }, 'sync skipped');
      return null;
    }
    const { result, final } = outcome;
    observer.onResult?.(result, final);
    log.info(
      { status: result.status, refsPushed: result.refsPushed, durationMs: result.durationMs },
      'sync done',
    );
    if (result.status === 'failed') {
      // What BullMQ keeps as the failed reason lives in Redis: sanitised like everything else stored there.
      const message = sanitize(result.errors[0] ?? 'sync failed');
      throw final ? new UnrecoverableError(message) : new Error(message);
    }
    return sanitizeResult(result);
  };
}
