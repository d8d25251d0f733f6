// `gh2cc worker` processes on a shared Redis against a sandbox org, and the scenario the continuous-mirroring
// issue asks for: one of two workers SIGKILLed mid-sync while GitHub receives pushes. `npm test` plays it on a
// few repositories (test/daemon/workers.test.ts), `npm run test:long` on twenty.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import type { RepoState } from '../../src/state/repo-state.ts';
import { StateStore } from '../../src/state/state-store.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from './git.ts';
import { bothSides, commitOnGithub, sameRefs } from './mirror-checks.ts';
import { eventually, gh2cc, type RunningProcess } from './processes.ts';
import { pushAnomalies, readPushLog } from './push-log.ts';
import { seedOrg, type SeedRepoSpec } from './seed-org.ts';

export interface WorkerFixture {
  readonly sandbox: RunningSandbox;
  readonly work: string;
  readonly env: Record<string, string>;
  readonly prefix: string;
  readonly org: string;
  /** Every worker started so far, killed by close(). */
  readonly running: RunningProcess[];
  /** Starts `gh2cc worker` with its own cache (by flag, as the README's "Scaling out" puts it). */
  worker(name: string, extra?: Record<string, string>, args?: string[]): RunningProcess;
  ready(p: RunningProcess): Promise<void>;
  allEqual(names: readonly string[]): Promise<boolean>;
  state(repo: string): Promise<RepoState | undefined>;
  close(): Promise<void>;
}

/** The names `r0`, `r1`, … of the fixture's numbered repositories. */
export function numbered(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `r${i}`);
}

/**
 * A sandbox whose org holds `count` numbered repositories (100 commits, 2 branches, 4 tags each) and `extra`,
 * a Redis prefix of its own, and failures that show up in seconds: one try per step, two tries per job.
 */
export async function workerFixture(
  redisUrl: string,
  org: string,
  count: number,
  extra: readonly SeedRepoSpec[] = [],
): Promise<WorkerFixture> {
  const work = await tempDir('gh2cc-workers-');
  const sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
  await seedOrg(sandbox.githubDir, org, [
    ...numbered(count).map((name) => ({ name, commits: 100, branches: 2, tags: 4, blobBytes: 2000 })),
    ...extra,
  ]);
  const prefix = `{w${randomBytes(4).toString('hex')}}`;
  const env = {
    ...sandbox.info.env,
    GH2CC_ORG: org,
    REDIS_URL: redisUrl,
    GH2CC_REDIS_PREFIX: prefix,
    GH2CC_RETRIES: '0',
    GH2CC_JOB_ATTEMPTS: '2',
    GH2CC_JOB_BACKOFF: '1s',
  };
  const running: RunningProcess[] = [];
  return {
    sandbox,
    work,
    env,
    prefix,
    org,
    running,
    worker(name, more = {}, args = []) {
      const p = gh2cc(
        [
          'worker',
          '--cache-dir',
          join(work, `cache-${name}`),
          '--concurrency',
          '2',
          '--lock-duration',
          '3000',
          ...args,
        ],
        { ...env, ...more },
      );
      running.push(p);
      return p;
    },
    async ready(p) {
      await eventually(() => p.stderr().includes('"msg":"ready"'), 30_000, 'worker ready');
    },
    async allEqual(names) {
      for (const n of names) {
        const s = await bothSides(sandbox.info, sandbox.githubDir, org, n, n);
        if (!sameRefs(s.github, s.codecommit)) return false;
      }
      return true;
    },
    async state(repo) {
      const redis = createRedis(redisUrl, 'test', { failFast: true });
      try {
        return await new StateStore(redis, prefix).get(`${org}/${repo}`);
      } finally {
        redis.disconnect();
      }
    },
    async close() {
      for (const p of running) p.child.kill('SIGKILL');
      await sandbox.close();
    },
  };
}

/**
 * Two workers sync the numbered repositories; once three pushes have landed, worker `a` is SIGKILLed, every
 * repository gets a commit on GitHub and a second sync request. Checks: all end equal on both sides, the
 * push log shows no two pushes to one repository at once and no push repeated, no `refs/pull/*` pushed, and
 * worker `b` kept its cache where `--cache-dir` said.
 */
export async function killOneOfTwoWorkers(f: WorkerFixture, count: number): Promise<void> {
  const a = f.worker('a');
  const b = f.worker('b');
  await Promise.all([f.ready(a), f.ready(b)]);
  const names = numbered(count);
  const requests = names.map((n) => `${f.org}/${n}`);
  expect(await gh2cc(['sync', ...requests], f.env).exited).toBe(0);
  const ours = async (): Promise<number> =>
    (await readPushLog(f.sandbox.pushLog)).filter((e) => /^r\d+$/.test(e.repo) && e.accepted).length;
  await eventually(async () => (await ours()) >= 3, 60_000, 'the first pushes');
  a.child.kill('SIGKILL');
  // GitHub keeps moving while a worker is gone and the other is still at the first round.
  for (const n of names) await commitOnGithub(f.sandbox.githubDir, f.org, n, `after the kill: ${n}`);
  expect(await gh2cc(['sync', ...requests], f.env).exited).toBe(0);
  await eventually(() => f.allEqual(names), 180_000, `all ${count} repositories equal on both sides`);
  const log = (await readPushLog(f.sandbox.pushLog)).filter((e) => /^r\d+$/.test(e.repo));
  const { overlapping, repeated } = pushAnomalies(log);
  expect(overlapping).toEqual([]);
  expect(repeated).toEqual([]);
  expect(log.some((e) => e.refs.some((r) => r.ref.startsWith('refs/pull/')))).toBe(false);
  expect(
    (await readdir(join(f.work, 'cache-b', f.org))).filter((e) => /^r\d+\.git$/.test(e)).length,
  ).toBeGreaterThan(0);
}
