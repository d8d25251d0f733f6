import { Worker, type Job, type Processor } from 'bullmq';
import type { JobContext } from '../src/jobs/job-context.ts';
import type { Gh2ccQueues } from '../src/jobs/open-queues.ts';
import { QUEUES, type QueueKind } from '../src/jobs/queues.ts';
import { createCacheKeeper } from '../src/jobs/cache-keeper.ts';
import { createRedis, type RedisClient } from '../src/queue/redis-connection.ts';
import { createDriftProcessor } from './drift-processor.ts';
import { createIamProcessor } from './iam-processor.ts';
import { createMigrateProcessor } from './migrate-processor.ts';
import { createReconcileProcessor } from './reconcile-processor.ts';
import { createSyncProcessor, type SyncObserver } from './sync-processor.ts';
import { settleAbandonedSync } from '../src/jobs/settle-abandoned-sync.ts';
import type { SyncJobData } from '../src/jobs/queues.ts';
import { repeatLimitedWarn } from '../src/util/repeat-limited-log.ts';

export { PROCESSED_QUEUES } from '../src/jobs/queues.ts';

export interface WorkerOptions {
  readonly redisUrl: string;
  readonly cluster: boolean;
  readonly queues: readonly QueueKind[];
  readonly concurrency: number;
  readonly observer?: SyncObserver;
}

export interface RunningWorkers {
  readonly workers: readonly Worker[];
  /** Resolves once every worker is connected and taking jobs. */
  ready(): Promise<void>;
  /** Every worker is taking jobs. */
  running(): boolean;
  /**
   * Stops taking jobs and lets the current ones finish; after `graceMs` (or at once when Redis is gone) the
   * rest are handed back: their Redis locks lapse and another worker's stalled-job check picks them up, so
   * no job is lost. Idempotent.
   */
  close(graceMs: number): Promise<void>;
}

/** BullMQ workers for the chosen queues, each on its own connection (blocking commands need one each). */
export function startWorkers(ctx: JobContext, queues: Gh2ccQueues, options: WorkerOptions): RunningWorkers {
  const connections: RedisClient[] = [];
  // Aborted when the grace period runs out: git children are stopped and the jobs are handed back.
  const shutdown = new AbortController();
  const keepCache = createCacheKeeper(ctx.cacheDir, ctx.config.mirror.cacheMaxBytes, ctx.log);
  const processors: Record<string, Processor> = {
    migrate: createMigrateProcessor(ctx, shutdown.signal) as Processor,
    sync: createSyncProcessor(ctx, shutdown.signal, {
      onResult(result, final) {
        options.observer?.onResult?.(result, final);
        void keepCache();
      },
    }) as Processor,
    reconcile: createReconcileProcessor(ctx, queues.sync) as Processor,
    drift: createDriftProcessor(ctx, queues.sync, shutdown.signal) as Processor,
    iam: createIamProcessor(ctx, shutdown.signal) as Processor,
  };
  const warnWorkerError = repeatLimitedWarn(ctx.log);
  const workers = options.queues.map((kind) => {
    const processor = processors[kind];
    if (processor === undefined) throw new Error(`no processor for queue ${kind}`);
    const connection = createRedis(options.redisUrl, `gh2cc-worker-${kind}`, { cluster: options.cluster });
    connections.push(connection);
    const worker = new Worker(QUEUES[kind], processor, {
      connection,
      prefix: ctx.prefix,
      // One org reconcile at a time is enough; syncs and migrations run side by side.
      concurrency: kind === 'reconcile' || kind === 'drift' || kind === 'iam' ? 1 : options.concurrency,
      lockDuration: ctx.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(ctx.lockDurationMs / 2)),
      maxStalledCount: 3,
    });
    // Without a listener, a Redis outage would throw from the worker; it reconnects by itself.
    // Once per error, then every 30 s while it lasts (every worker retries every connection many times a
    // second while Redis is away).
    worker.on('error', (err) =>
      warnWorkerError(
        `${err.name}: ${err.message}`,
        { err, queue: kind },
        'worker error (Redis unreachable?)',
      ),
    );
    worker.on('failed', (job, err) =>
      ctx.log.warn(
        { jobId: job?.id, queue: kind, attemptsMade: job?.attemptsMade, reason: err.message },
        'job failed',
      ),
    );
    if (kind === 'sync')
      // A sync that failed without recording its result (given up after stalls, say) is not left `syncing`.
      worker.on('failed', (job: Job<SyncJobData> | undefined, err) => {
        if (job === undefined) return;
        // After the move: attemptsMade counts this attempt. A job given up after stalls fails unrecoverably.
        const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
        const repo = `${job.data.owner}/${job.data.repo}`;
        settleAbandonedSync(ctx, { repo, jobId: job.id ?? '', reason: err.message, final }).catch(
          (e: unknown) => ctx.log.warn({ err: e, repo }, 'could not record an abandoned sync'),
        );
      });
    return worker;
  });
  let closing: Promise<void> | undefined;
  return {
    workers,
    async ready() {
      await Promise.all(workers.map((w) => w.waitUntilReady()));
    },
    running() {
      return workers.every((w) => w.isRunning());
    },
    close(graceMs) {
      closing ??= (async () => {
        const graceful = Promise.all(workers.map((w) => w.close())).then(
          () => true,
          () => false,
        );
        const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref());
        if (!(await Promise.race([graceful, timedOut]))) {
          ctx.log.warn({ graceMs }, 'jobs still running (or Redis unreachable); handing them back');
          // Processors stop at the abort and hand their jobs back (moved to delayed), which lets the close
          // above finish. (A second, forced close would do nothing more: BullMQ keeps the first close's
          // promise.) A job still active after 2 s — Redis gone, say — is taken over by another worker's
          // stalled-job check once its lock expires.
          shutdown.abort();
          await Promise.race([graceful, new Promise((r) => setTimeout(r, 2000).unref())]);
        }
        for (const c of connections) c.disconnect();
      })();
      return closing;
    },
  };
}
