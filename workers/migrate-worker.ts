import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { getSourceRepo } from '../src/github/get-source-repo.ts';
import { migrateDeps, type MigrationContext } from '../src/migrate/migration-context.ts';
import { MIGRATE_QUEUE, type MigrateJobData } from '../src/queue/migrate-queue.ts';
import { createRedis } from '../src/queue/redis-connection.ts';
import { acquireRepoLock } from '../src/queue/repo-lock.ts';
import { Gh2ccError } from '../src/util/errors.ts';
import { migrateRepo, type RepoResult } from './migrate-repo.ts';

export interface MigrateWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly concurrency: number;
  /** How long a job (and a repo lock) stays owned without renewal; a dead worker's work is retaken after it. */
  readonly lockDurationMs: number;
}

export interface RunningWorker {
  readonly worker: Worker<MigrateJobData, RepoResult>;
  /** Finishes running jobs, then disconnects; idempotent. */
  close(): Promise<void>;
}

/**
 * A BullMQ worker running the per-repo migration processor. A repository is held by one worker at a time on
 * every host (a Redis lock beside BullMQ's job lock); a job that finds its repo held is put back, delayed.
 */
export function startMigrateWorker(ctx: MigrationContext, options: MigrateWorkerOptions): RunningWorker {
  const connection = createRedis(options.redisUrl, 'gh2cc-worker');
  const lockConnection = createRedis(options.redisUrl, 'gh2cc-worker-locks');
  const processor = async (job: Job<MigrateJobData, RepoResult>, token?: string): Promise<RepoResult> => {
    const { owner, repo, target } = job.data;
    const log = ctx.log.child({ jobId: job.id, repo: `${owner}/${repo}` });
    const lock = await acquireRepoLock(
      lockConnection,
      options.prefix,
      `${owner}/${repo}`,
      options.lockDurationMs,
    );
    if (lock === undefined) {
      log.info('repository is being processed elsewhere; retrying the job shortly');
      await job.moveToDelayed(Date.now() + 1000 + Math.floor(Math.random() * 1000), token);
      throw new DelayedError();
    }
    try {
      let source;
      try {
        source = await getSourceRepo(ctx.github, owner, repo);
      } catch (err) {
        if (err instanceof Gh2ccError && !err.retryable) throw new UnrecoverableError(err.message);
        throw err;
      }
      const { maxRefsPerPush, incrementCommits } = job.data;
      const deps = migrateDeps(
        {
          ...ctx,
          log,
          config: {
            ...ctx.config,
            mirror: {
              ...ctx.config.mirror,
              ...(maxRefsPerPush === undefined ? {} : { maxRefsPerPush }),
              ...(incrementCommits === undefined ? {} : { incrementCommits }),
            },
          },
        },
        {
          verify: job.data.verify,
          wikis: job.data.wikis,
          onProgress: (p) => {
            job.updateProgress({ ...p }).catch(() => undefined);
          },
        },
      );
      const result = await migrateRepo(source, target, deps, { likelyAbsent: job.data.planned === 'create' });
      log.info({ status: result.status, refsPushed: result.refsPushed }, 'repository job done');
      return result;
    } finally {
      await lock.release();
    }
  };
  const worker = new Worker<MigrateJobData, RepoResult>(MIGRATE_QUEUE, processor, {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: Math.max(1000, Math.floor(options.lockDurationMs / 2)),
    maxStalledCount: 3,
  });
  worker.on('error', (err) => ctx.log.error({ err }, 'worker error'));
  let closing: Promise<void> | undefined;
  return {
    worker,
    close() {
      closing ??= (async () => {
        await worker.close();
        connection.disconnect();
        lockConnection.disconnect();
      })();
      return closing;
    },
  };
}
