import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { createJobContext } from '../../src/jobs/create-job-context.ts';
import type { JobContext } from '../../src/jobs/job-context.ts';
import { runSyncJob } from '../../src/jobs/sync-repo-job.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { initialState, type MirrorState } from '../../src/state/repo-state.ts';
import { createLogger } from '../../src/util/logger.ts';
import type { Notification } from '../../src/core/notification.ts';
import { tempDir } from '../helpers/git.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const sandbox = inject('sandbox');
const sandboxDir = inject('sandboxDir');
const redis = createRedis(inject('redisUrl'), 'test-sync-repo-job');
const ORG = `sjob-${randomUUID().slice(0, 6)}`;
const log = createLogger({ level: 'silent' });

/** The org of this file on the shared sandbox, a private key prefix and cache. */
async function jobConfig() {
  return loadConfig({
    env: {
      ...sandbox.env,
      GH2CC_ORG: ORG,
      GH2CC_REDIS_PREFIX: `{gh2cc-test-${randomUUID().slice(0, 8)}}`,
      GH2CC_CACHE_DIR: await tempDir('gh2cc-sync-job-'),
    },
  });
}

describe('the sync job, stopped by a shutdown before it finished', () => {
  let ctx: JobContext;

  beforeAll(async () => {
    await seedOrg(join(sandboxDir, 'github'), ORG, [{ name: 'app', commits: 3 }]);
    const config = await jobConfig();
    ctx = createJobContext(config, log, redis, { lockDurationMs: 5000 });
  });
  afterAll(() => redis.quit());

  async function interruptedFrom(state: MirrorState): Promise<MirrorState | undefined> {
    const repo = `${ORG}/app`;
    await ctx.state.put({
      ...initialState(repo, 'app'),
      state,
      ensuredAt: '2026-11-27T09:00:00.000Z',
      ...(state === 'syncing' ? { lastSyncStartedAt: '2026-11-27T09:30:00.000Z' } : {}),
    });
    const outcome = await runSyncJob(
      ctx,
      { owner: ORG, repo: 'app', reason: 'manual', requestedAt: Date.now() },
      { log, attempt: 1, attempts: 3, signal: AbortSignal.abort() },
    );
    expect(outcome.kind).toBe('interrupted');
    return (await ctx.state.get(repo))?.state;
  }

  it('puts the state back as it was', async () => {
    expect(await interruptedFrom('ok')).toBe('ok');
    expect(await interruptedFrom('failing')).toBe('failing');
  });

  it('does not put back a `syncing` left by a run that died: the mirror is behind until the job runs again', async () => {
    expect(await interruptedFrom('syncing')).toBe('behind');
  });

  it('leaves alone the `syncing` of the run that took over after this one lost its lock', async () => {
    const repo = `${ORG}/app`;
    await ctx.state.put({ ...initialState(repo, 'app'), state: 'ok', ensuredAt: '2026-11-27T09:00:00.000Z' });
    const lockLost = new AbortController();
    const other = { job: 'job-1', run: 'the-run-that-took-over' };
    let takenOver: Promise<unknown> | undefined;
    const outcome = await runSyncJob(
      ctx,
      { owner: ORG, repo: 'app', reason: 'manual', requestedAt: Date.now() },
      {
        log,
        attempt: 1,
        attempts: 3,
        signal: lockLost.signal,
        syncingBy: { job: 'job-1', run: 'this-run' },
        onProgress: (p) => {
          if (p.phase !== 'ensure' || takenOver !== undefined) return;
          // This run's lock lapsed; another worker took the job and marked the repository for its own run.
          lockLost.abort();
          takenOver = ctx.state.update(repo, (s) => ({ ...s, state: 'syncing', syncingBy: other }));
        },
      },
    );
    await takenOver;
    expect(outcome.kind).toBe('interrupted');
    expect(await ctx.state.get(repo)).toMatchObject({ state: 'syncing', syncingBy: other });
  });
});

describe('the sync job, for a repository first seen through a push webhook', () => {
  const redis = createRedis(inject('redisUrl'), 'test-sync-repo-job-created');
  afterAll(async () => {
    vi.unstubAllEnvs();
    await redis.quit();
  });

  it('tells repo-created once, as the reconcile would; not for one the reconcile already announced', async () => {
    const name = `fresh-${randomUUID().slice(0, 6)}`;
    const known = `known-${randomUUID().slice(0, 6)}`;
    await seedOrg(join(sandboxDir, 'github'), ORG, [
      { name, commits: 2 },
      { name: known, commits: 2 },
    ]);
    const config = await jobConfig();
    // The SDK's credential chain reads the sandbox's keys from the environment, as for a user.
    vi.stubEnv('AWS_ACCESS_KEY_ID', sandbox.env['AWS_ACCESS_KEY_ID']);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', sandbox.env['AWS_SECRET_ACCESS_KEY']);
    vi.stubEnv('AWS_CONFIG_FILE', '/dev/null');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/dev/null');
    const told: Notification[] = [];
    const base = createJobContext(config, log, redis, { lockDurationMs: 5000 });
    const ctx: JobContext = {
      ...base,
      notifier: {
        notify: (n) => void told.push(n),
        flush: () => Promise.resolve(),
        close: () => Promise.resolve(),
      },
    };
    const sync = (repo: string) =>
      runSyncJob(
        ctx,
        { owner: ORG, repo, reason: 'webhook', requestedAt: Date.now() },
        { log, attempt: 1, attempts: 1 },
      );
    const first = await sync(name);
    expect(first.kind === 'done' && first.result.created).toBe(true);
    expect(told.filter((n) => n.eventType === 'repo-created').map((n) => n.repository)).toEqual([
      `${ORG}/${name}`,
    ]);
    await sync(name);
    expect(told.filter((n) => n.eventType === 'repo-created')).toHaveLength(1);
    // Announced by the reconcile (its state made, an ensure owed): the sync that creates it says nothing more.
    await ctx.state.put({ ...initialState(`${ORG}/${known}`, known), ensureRequested: true });
    const made = await sync(known);
    expect(made.kind === 'done' && made.result.created).toBe(true);
    expect(told.filter((n) => n.eventType === 'repo-created')).toHaveLength(1);
  });
});
