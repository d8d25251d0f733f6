import { randomUUID } from 'node:crypto';
import { Job, Queue, QueueEvents } from 'bullmq';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { MIGRATE_QUEUE, migrateJobId, type MigrateJobData } from '../jobs/migrate-job.ts';
import { createRedis } from '../queue/redis-connection.ts';
import { notStartedResult, type RepoResult, type SyncProgress } from '../core/repo-result.ts';
import { syncRepo } from '../mirror/sync-repo.ts';
import type { PlannedRepo } from './plan-migration.ts';
import { syncDepsFor, type MirrorContext } from '../mirror/mirror-context.ts';

export interface RunOptions {
  readonly concurrency: number;
  readonly verify: 'refs' | 'deep';
  readonly wikis: boolean;
  readonly signal?: AbortSignal;
  /** Queue mode: push settings handed to the workers in the job data. */
  readonly push?: { readonly maxRefsPerPush: number; readonly incrementCommits: number };
}

export interface RunEvents {
  onProgress?(p: SyncProgress): void;
  onResult?(r: RepoResult): void;
}

export function notStarted(p: PlannedRepo): RepoResult {
  return notStartedResult(p.source.fullName, p.target);
}

/** The embedded default: the same per-repo processor, in this process, at most `concurrency` at a time. */
export async function runInProcess(
  ctx: MirrorContext,
  repos: readonly PlannedRepo[],
  options: RunOptions,
  events: RunEvents = {},
): Promise<RepoResult[]> {
  const limit = pLimit(options.concurrency);
  const deps = syncDepsFor(ctx, {
    verify: options.verify,
    wikis: options.wikis,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(events.onProgress === undefined ? {} : { onProgress: (p: SyncProgress) => events.onProgress?.(p) }),
  });
  return Promise.all(
    repos.map((p) =>
      limit(async () => {
        const result =
          options.signal?.aborted === true
            ? notStarted(p)
            : await syncRepo(p.source, p.target, deps, {
                ensure: 'always',
                likelyAbsent: p.action === 'create',
              });
        events.onResult?.(result);
        return result;
      }),
    ),
  );
}

/**
 * Enqueues one job per repository on the shared BullMQ queue and waits for `gh2cc worker` processes (on any
 * host) to finish them, reporting progress as they go.
 */
export async function runOnQueue(
  redis: { readonly url: string; readonly prefix: string },
  owner: string,
  repos: readonly PlannedRepo[],
  options: RunOptions,
  log: Logger,
  events: RunEvents = {},
): Promise<RepoResult[]> {
  const connection = createRedis(redis.url, 'gh2cc-migrate-cli');
  const eventsConnection = createRedis(redis.url, 'gh2cc-migrate-cli-events');
  const queue = new Queue<MigrateJobData, RepoResult>(MIGRATE_QUEUE, { connection, prefix: redis.prefix });
  const queueEvents = new QueueEvents(MIGRATE_QUEUE, { connection: eventsConnection, prefix: redis.prefix });
  const runId = `run-${Date.now()}-${randomUUID().slice(0, 8)}`;
  const pending = new Map<string, PlannedRepo>();
  const results = new Map<string, RepoResult>();
  let settle: () => void = () => undefined;
  const allDone = new Promise<void>((r) => (settle = r));
  const finish = (jobId: string, result: RepoResult): void => {
    if (!pending.has(jobId)) return;
    pending.delete(jobId);
    results.set(jobId, result);
    events.onResult?.(result);
    if (pending.size === 0) settle();
  };
  const failedResult = (p: PlannedRepo, reason: string): RepoResult => ({
    ...notStarted(p),
    status: 'failed',
    errors: [reason],
  });
  try {
    await queueEvents.waitUntilReady();
    queueEvents.on('completed', ({ jobId, returnvalue }) => {
      const value = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as RepoResult;
      finish(jobId, value);
    });
    queueEvents.on('failed', ({ jobId, failedReason }) => {
      const p = pending.get(jobId);
      if (p === undefined) return;
      // A failed event may be followed by a retry; only a job out of attempts is final.
      Job.fromId(queue, jobId)
        .then(async (job) => {
          const state = job === undefined ? 'failed' : await job.getState();
          if (state === 'failed') finish(jobId, failedResult(p, failedReason));
        })
        .catch((err: unknown) =>
          log.warn({ err, jobId }, 'could not read a failed job; the poll will retry'),
        );
    });
    queueEvents.on('progress', ({ jobId, data }) => {
      if (pending.has(jobId) && typeof data === 'object' && data !== null)
        events.onProgress?.(data as SyncProgress);
    });
    const jobs = repos.map((p) => {
      const data: MigrateJobData = {
        runId,
        owner,
        repo: p.source.name,
        target: p.target,
        planned: p.action,
        ...(options.push === undefined ? {} : options.push),
        verify: options.verify,
        wikis: options.wikis,
      };
      const jobId = migrateJobId(data);
      pending.set(jobId, p);
      return {
        name: 'migrate-repo',
        data,
        opts: {
          jobId,
          attempts: 3,
          backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
          removeOnComplete: { age: 24 * 3600 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      };
    });
    if (jobs.length === 0) return [];
    await queue.addBulk(jobs);
    log.info({ runId, jobs: jobs.length }, 'jobs queued; waiting for gh2cc workers');

    // Events can be missed across a reconnect; a slow poll of job states closes that gap.
    const poll = setInterval(() => {
      void (async () => {
        if ((await queue.getWorkersCount()) === 0) {
          log.warn(
            'no gh2cc worker is connected to this Redis; start one with: gh2cc worker --redis-url <url>',
          );
        }
        for (const [jobId, p] of [...pending]) {
          const job = await Job.fromId<MigrateJobData, RepoResult>(queue, jobId);
          const state = job === undefined ? 'unknown' : await job.getState();
          if (state === 'completed' && job?.returnvalue !== undefined) finish(jobId, job.returnvalue);
          else if (state === 'failed') finish(jobId, failedResult(p, job?.failedReason ?? 'failed'));
        }
      })().catch((err: unknown) => log.warn({ err }, 'could not poll job states'));
    }, 5000);
    const onAbort = (): void => {
      // Stop cleanly: waiting jobs are withdrawn; jobs a worker is running finish there.
      void (async () => {
        for (const [jobId, p] of [...pending]) {
          const job = await Job.fromId(queue, jobId);
          const state = job === undefined ? 'unknown' : await job.getState();
          if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
            // Only a job really withdrawn is "not started"; one a worker took meanwhile is awaited.
            const removed = await job?.remove().then(
              () => true,
              () => false,
            );
            if (removed === true) finish(jobId, notStarted(p));
          }
        }
      })().catch((err: unknown) => log.warn({ err }, 'could not withdraw waiting jobs'));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    await allDone;
    clearInterval(poll);
    options.signal?.removeEventListener('abort', onAbort);
    return repos.map((p) => {
      const id = migrateJobId({ runId, owner, repo: p.source.name });
      return results.get(id) ?? notStarted(p);
    });
  } finally {
    await queueEvents.close();
    await queue.close();
    connection.disconnect();
    eventsConnection.disconnect();
  }
}
