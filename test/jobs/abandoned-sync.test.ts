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

function syncing(repo: string, startedAt: Date): RepoState {
  return {
    ...initialState(repo, repo.split('/')[1] ?? repo),
    state: 'syncing',
    lastSyncStartedAt: startedAt.toISOString(),
    ensuredAt: new Date(startedAt.getTime() - 60_000).toISOString(),
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
  // The run that died: it had marked the repository `syncing` and taken the job when its worker was killed.
  await state.put(syncing(repo, new Date()));
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
    async () => {
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
  } finally {
    await workers.close(1000);
    await dying.close(true).catch(() => undefined);
    await queues.close();
  }
});

it('an abandoned sync does not overwrite a sync that started after it failed, nor a recorded result', async () => {
  const prefix = `{gh2cc-test-${randomUUID().slice(0, 8)}}`;
  const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
  const config = loadConfig({
    env: { GH2CC_ORG: 'o', GITHUB_TOKEN: token, AWS_REGION: 'us-east-1', GH2CC_REDIS_PREFIX: prefix },
  });
  const ctx = createJobContext(config, createLogger({ level: 'silent' }), redis, { lockDurationMs: 5000 });
  const state = ctx.state;
  const failedAt = Date.now();
  await state.put(syncing('o/later', new Date(failedAt + 50)));
  await state.put({ ...syncing('o/recorded', new Date(failedAt - 50)), state: 'behind' });
  await state.put(syncing('o/retried', new Date(failedAt - 50)));
  expect(await settleAbandonedSync(ctx, 'o/later', 'boom', { final: true, failedAt })).toBeUndefined();
  expect(await settleAbandonedSync(ctx, 'o/recorded', 'boom', { final: true, failedAt })).toBeUndefined();
  expect(await settleAbandonedSync(ctx, 'o/gone', 'boom', { final: true, failedAt })).toBeUndefined();
  // Not final: BullMQ will try again, so the mirror is behind, not failing. The reason is sanitised.
  const retried = await settleAbandonedSync(ctx, 'o/retried', `boom with ${token}`, {
    final: false,
    failedAt,
  });
  expect(retried).toMatchObject({ state: 'behind', consecutiveFailures: 1 });
  expect(retried?.lastError).toBe('sync abandoned: boom with **redacted**');
  expect((await state.get('o/later'))?.state).toBe('syncing');
  expect((await state.get('o/recorded'))?.state).toBe('behind');
  expect(await state.get('o/gone')).toBeUndefined();
});
