import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { afterAll, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { createJobContext } from '../../src/jobs/create-job-context.ts';
import { enqueueSync } from '../../src/jobs/enqueue-sync.ts';
import { openQueues } from '../../src/jobs/open-queues.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { settleAbandonedSync } from '../../src/jobs/settle-abandoned-sync.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { initialState, type RepoState } from '../../src/state/repo-state.ts';
import { StateStore } from '../../src/state/state-store.ts';
import { createLogger } from '../../src/util/logger.ts';
import { startWorkers } from '../../workers/start-workers.ts';
import { tempDir } from '../helpers/git.ts';
import { eventually } from '../helpers/processes.ts';

const redisUrl = inject('redisUrl');
const redis = createRedis(redisUrl, 'test-abandoned');
afterAll(() => redis.quit());

function syncing(repo: string, startedAt: Date, job?: string): RepoState {
  return {
    ...initialState(repo, repo.split('/')[1] ?? repo),
    state: 'syncing',
    lastSyncStartedAt: startedAt.toISOString(),
    ensuredAt: new Date(startedAt.getTime() - 60_000).toISOString(),
    ...(job === undefined ? {} : { syncingBy: { job, run: randomUUID() } }),
  };
}

it('a sync job BullMQ gives up on after its worker died mid-sync leaves the repository failing with the reason, not syncing', async () => {
  const prefix = `{gh2cc-test-${randomUUID().slice(0, 8)}}`;
  const repo = 'abandon-org/app';
  const state = new StateStore(redis, prefix);
  const config = loadConfig({
    env: {
      GH2CC_ORG: 'abandon-org',
      GITHUB_TOKEN: 'ghp_not-used-here',
      AWS_REGION: 'us-east-1',
      REDIS_URL: redisUrl,
      GH2CC_REDIS_PREFIX: prefix,
      GH2CC_CACHE_DIR: await tempDir('gh2cc-abandoned-'),
    },
  });
  const queues = openQueues(redis, prefix);
  const log = createLogger({ level: 'silent' });
  await state.put({ ...syncing(repo, new Date()), state: 'ok' });
  await enqueueSync(
    queues.sync,
    state,
    { owner: 'abandon-org', repo: 'app', reason: 'manual' },
    { attempts: 3 },
  );
  const dyingConnection = createRedis(redisUrl, 'test-dying-worker');
  let taken: () => void = () => undefined;
  const jobTaken = new Promise<void>((r) => (taken = r));
  const dying = new Worker(
    QUEUES.sync,
    async (job) => {
      // The run that dies: it marks the repository `syncing`, as a sync does, and its worker is killed.
      await state.put(syncing(repo, new Date(), job.id));
      taken();
      await new Promise(() => undefined);
    },
    // Its own stalled-job check would hold the queue's check off for its (default, 30 s) interval.
    { connection: dyingConnection, prefix, lockDuration: 1000, skipStalledCheck: true },
  );
  dying.on('error', () => undefined);
  await jobTaken;
  // Killed: its lock is no longer renewed.
  dyingConnection.disconnect();
  // Another worker's stalled-job check finds it. With BullMQ's limit already used up (gh2cc allows 3 stalls),
  // the job is marked to fail and waits for the next worker to fail it.
  const checkerConnection = createRedis(redisUrl, 'test-stall-checker');
  const checker = new Worker(QUEUES.sync, null, {
    connection: checkerConnection,
    prefix,
    autorun: false,
    maxStalledCount: 0,
    stalledInterval: 300,
    lockDuration: 1000,
  });
  let stalled = false;
  checker.on('stalled', () => (stalled = true));
  await checker.startStalledCheckTimer();
  try {
    await eventually(() => stalled, 15_000, 'the stalled job found');
  } finally {
    await checker.close();
    await checkerConnection.quit();
  }
  expect((await state.get(repo))?.state).toBe('syncing');

  const ctx = createJobContext(config, log, redis, { lockDurationMs: 5000 });
  const workers = startWorkers(ctx, queues, {
    redisUrl,
    cluster: false,
    queues: ['sync'],
    concurrency: 1,
  });
  try {
    await workers.ready();
    await eventually(async () => (await state.get(repo))?.state === 'failing', 15_000, 'repository failing');
    const after = await state.get(repo);
    expect(after).toMatchObject({
      state: 'failing',
      lastErrorCode: 'abandoned',
      lastResult: 'failed',
      consecutiveFailures: 1,
    });
    expect(after?.lastError).toContain('job stalled more than allowable limit');
    expect(await queues.sync.getJobCounts('failed')).toMatchObject({ failed: 1 });
    // In the history too, which `gh2cc sync --wait` and the status page read.
    expect(await state.history(repo)).toMatchObject([
      { result: 'failed', refsPushed: 0, error: 'sync abandoned: job stalled more than allowable limit' },
    ]);
  } finally {
    await workers.close(1000);
    await dying.close(true).catch(() => undefined);
    await queues.close();
  }
});

it('an abandoned sync settles only what its own job marked syncing: not another job’s sync, nor a recorded result', async () => {
  const prefix = `{gh2cc-test-${randomUUID().slice(0, 8)}}`;
  const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
  const config = loadConfig({
    env: { GH2CC_ORG: 'o', GITHUB_TOKEN: token, AWS_REGION: 'us-east-1', GH2CC_REDIS_PREFIX: prefix },
  });
  const ctx = createJobContext(config, createLogger({ level: 'silent' }), redis, { lockDurationMs: 5000 });
  const state = ctx.state;
  const failedAt = Date.now();
  const settle = (repo: string, jobId: string, final = true, reason = 'boom') =>
    settleAbandonedSync(ctx, { repo, jobId, reason, final, failedAt });
  // The next job for the repository is syncing it now (it took the repository once the dead run's lock lapsed).
  await state.put(syncing('o/taken-over', new Date(failedAt - 5_000), 'job-2'));
  await state.put({ ...syncing('o/recorded', new Date(failedAt - 50), 'job-1'), state: 'behind' });
  // Marked by an older gh2cc (no job recorded): only the time tells.
  await state.put(syncing('o/legacy-later', new Date(failedAt + 50)));
  await state.put(syncing('o/legacy', new Date(failedAt - 50)));
  await state.put(syncing('o/retried', new Date(failedAt - 50), 'job-1'));
  // Queued as o/old-name; the sync followed GitHub's rename and marked o/new-name.
  await state.put(syncing('o/new-name', new Date(failedAt - 50), 'job-9'));
  expect(await settle('o/taken-over', 'job-1')).toBeUndefined();
  expect(await settle('o/recorded', 'job-1')).toBeUndefined();
  expect(await settle('o/legacy-later', 'job-1')).toBeUndefined();
  expect(await settle('o/gone', 'job-1')).toBeUndefined();
  expect(await settle('o/legacy', 'job-1')).toMatchObject({ state: 'failing' });
  expect(await settle('o/old-name', 'job-9')).toMatchObject({ repo: 'o/new-name', state: 'failing' });
  // Not final: BullMQ will try again, so the mirror is behind, not failing. The reason is sanitised.
  const retried = await settle('o/retried', 'job-1', false, `boom with ${token}`);
  expect(retried).toMatchObject({ state: 'behind', consecutiveFailures: 1 });
  expect(retried?.lastError).toBe('sync abandoned: boom with **redacted**');
  expect(retried?.syncingBy).toBeUndefined();
  expect((await state.get('o/taken-over'))?.state).toBe('syncing');
  expect((await state.get('o/recorded'))?.state).toBe('behind');
  expect((await state.get('o/legacy-later'))?.state).toBe('syncing');
  expect(await state.get('o/gone')).toBeUndefined();
  expect(await state.history('o/taken-over')).toEqual([]);
});
