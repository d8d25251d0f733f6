import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import type { MigrationReport } from '../../src/migrate/report.ts';
import { tempDir, lsRemote } from '../helpers/git.ts';
import { eventually, gh2cc, type RunningProcess } from '../helpers/processes.ts';
import { pushAnomalies, readPushLog } from '../helpers/push-log.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const redisUrl = inject('redisUrl');
/** Six repositories of 240 commits pushed in increments of 40: each job is long enough to be killed mid-way. */
const REPOS = 6;

describe('migrate --redis-url with two gh2cc worker processes', () => {
  let sandbox: RunningSandbox;
  let work: string;
  let env: Record<string, string>;
  const workers: RunningProcess[] = [];
  const prefix = `{t${randomBytes(4).toString('hex')}}`;

  beforeAll(async () => {
    work = await tempDir('gh2cc-queue-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    await seedOrg(
      sandbox.githubDir,
      'qorg',
      Array.from({ length: REPOS }, (_, i) => ({
        name: `svc-${i}`,
        commits: 240,
        branches: 2,
        tags: 6,
        pulls: 1,
      })),
    );
    env = { ...sandbox.info.env, GH2CC_REDIS_PREFIX: prefix, REDIS_URL: redisUrl };
  });

  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await sandbox.close();
  });

  it('finishes every repo verified when one worker is SIGKILLed mid-run, never pushing a repo twice at once', async () => {
    for (const name of ['a', 'b']) {
      workers.push(
        gh2cc(['worker', '--concurrency', '1', '--lock-duration', '3000'], {
          ...env,
          GH2CC_CACHE_DIR: join(work, `cache-${name}`),
        }),
      );
    }
    const migrate = gh2cc(
      [
        'migrate',
        '--org',
        'qorg',
        // On the Redis of REDIS_URL, as the workers: no Redis URL (nor its password) on the command line.
        '--queue',
        '--increment-commits',
        '40',
        '--report',
        join(work, 'report.json'),
        '--log-file',
        join(work, 'migrate.log'),
      ],
      { ...env, GH2CC_CACHE_DIR: join(work, 'cache-cli') },
    );
    // Kill worker a as soon as it is in the middle of pushing something.
    await eventually(
      async () => (await readPushLog(sandbox.pushLog)).length >= 4,
      60_000,
      'the first pushes',
    );
    workers[0]?.child.kill('SIGKILL');
    const code = await migrate.exited;
    expect(code, migrate.stderr()).toBe(0);

    const report = JSON.parse(await readFile(join(work, 'report.json'), 'utf8')) as MigrationReport;
    expect(report.mode).toBe('queue');
    expect(report.summary.total).toBe(REPOS);
    expect(report.summary.failed).toBe(0);
    for (const r of report.repos) {
      expect(['migrated', 'up-to-date']).toContain(r.status);
      expect(r.verified).toBe(true);
    }
    // Both sides equal, and GitHub's refs/pull/* never reached CodeCommit.
    for (const i of [0, REPOS - 1]) {
      const gh = await lsRemote(work, join(sandbox.githubDir, 'qorg', `svc-${i}.git`));
      const cc = await lsRemote(work, join(sandbox.codecommitDir, 'repos', `svc-${i}.git`));
      expect(gh.has('refs/pull/1/head')).toBe(true);
      gh.delete('refs/pull/1/head');
      expect(cc).toEqual(gh);
    }
    const log = await readPushLog(sandbox.pushLog);
    expect(log.some((e) => e.refs.some((r) => r.ref.startsWith('refs/pull/')))).toBe(false);
    const { overlapping, repeated } = pushAnomalies(log);
    expect(overlapping).toEqual([]);
    expect(repeated).toEqual([]);

    // The surviving worker did the rest; each job completed exactly once.
    const redis = new Redis(redisUrl);
    try {
      const completed = await redis.zcard(`${prefix}:migrate:completed`);
      expect(completed).toBe(REPOS);
      // The killed worker's job was taken over after its lock lapsed (BullMQ counts a stalled restart).
      const jobIds = await redis.zrange(`${prefix}:migrate:completed`, 0, -1);
      const restarts = await Promise.all(
        jobIds.map(async (id) => {
          const [ats, stc] = await redis.hmget(`${prefix}:migrate:${id}`, 'ats', 'stc');
          return Math.max(Number(ats ?? 1) - 1, Number(stc ?? 0));
        }),
      );
      expect(restarts.some((n) => n >= 1)).toBe(true);
      // Job data carries identifiers only.
      const keys = await redis.keys(`${prefix}:migrate:*`);
      const dump: string[] = [];
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'string') dump.push((await redis.get(key)) ?? '');
        else if (type === 'list') dump.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
      }
      const all = dump.join('\n');
      expect(all).toContain('svc-3');
      for (const secret of [
        sandbox.info.github.token,
        sandbox.info.codecommit.secretAccessKey,
        sandbox.info.github.webhookSecret,
      ]) {
        expect(all).not.toContain(secret);
      }
    } finally {
      redis.disconnect();
    }

    const survivor = workers[1];
    survivor?.child.kill('SIGTERM');
    expect(await survivor?.exited).toBe(0);
    const cacheConfigs = await readdir(join(work, 'cache-b', 'qorg'));
    expect(cacheConfigs.length).toBeGreaterThan(0);
  }, 180_000);
});
