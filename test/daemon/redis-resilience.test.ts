import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { startRedis, startRedisCluster, type RedisService } from '../harness/services.ts';
import { tempDir } from '../helpers/git.ts';
import { bothSides, sameRefs } from '../helpers/mirror-checks.ts';
import { eventually, gh2cc, type RunningProcess } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const ORG = 'rorg';

describe('the daemon against Redis going away, restarting, and Redis Cluster', { timeout: 240_000 }, () => {
  let sandbox: RunningSandbox;
  let work: string;
  let base: Record<string, string>;
  const running: RunningProcess[] = [];
  const services: { stop(): Promise<void> }[] = [];

  function start(args: string[], env: Record<string, string>): RunningProcess {
    const p = gh2cc(args, { ...base, ...env });
    running.push(p);
    return p;
  }

  async function ready(p: RunningProcess): Promise<void> {
    await eventually(() => p.stderr().includes('"msg":"ready"'), 30_000, 'worker ready');
  }

  async function equal(names: readonly string[]): Promise<boolean> {
    for (const n of names) {
      const s = await bothSides(sandbox.info, sandbox.githubDir, ORG, n, n);
      if (!sameRefs(s.github, s.codecommit)) return false;
    }
    return true;
  }

  beforeAll(async () => {
    work = await tempDir('gh2cc-redis-faults-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    await seedOrg(sandbox.githubDir, ORG, [
      ...Array.from({ length: 5 }, (_, i) => ({ name: `p${i}`, commits: 150, tags: 3, blobBytes: 2000 })),
      { name: 'big', commits: 3000, blobBytes: 4000 },
      ...Array.from({ length: 3 }, (_, i) => ({ name: `c${i}`, commits: 30, branches: 2, tags: 2 })),
    ]);
    base = { ...sandbox.info.env, GH2CC_ORG: ORG, GH2CC_CACHE_DIR: join(work, 'cache') };
  });

  afterAll(async () => {
    for (const p of running) p.child.kill('SIGKILL');
    for (const s of services) await s.stop();
    await sandbox.close();
  });

  it('recovers from a Redis restart mid-run (same port and AOF file) and completes every job', async () => {
    const dir = await tempDir('gh2cc-aof-');
    let redis: RedisService = await startRedis({ appendonly: true, dir });
    const env = { REDIS_URL: redis.url, GH2CC_REDIS_PREFIX: `{r${randomBytes(3).toString('hex')}}` };
    const w = start(['worker', '--concurrency', '2'], env);
    await ready(w);
    const names = Array.from({ length: 5 }, (_, i) => `p${i}`);
    expect(await gh2cc(['sync', ...names.map((n) => `${ORG}/${n}`)], { ...base, ...env }).exited).toBe(0);
    await eventually(
      async () =>
        (await bothSides(sandbox.info, sandbox.githubDir, ORG, 'p0', 'p0')).codecommit !== undefined,
      60_000,
      'the first repository on CodeCommit',
    );
    await redis.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    redis = await startRedis({ appendonly: true, dir, port: redis.port });
    services.push(redis);
    await eventually(() => equal(names), 120_000, 'all 5 repositories equal after the restart');
    const status = gh2cc(['status', '--json'], { ...base, ...env });
    expect(await status.exited).toBe(0);
    const repos = (JSON.parse(status.stdout()) as { repos: { repo: string; state: string }[] }).repos;
    expect(
      repos
        .filter((r) => r.state === 'ok')
        .map((r) => r.repo)
        .sort(),
    ).toEqual(names.map((n) => `${ORG}/${n}`).sort());
    expect(w.child.exitCode).toBeNull();
    // The end of the outage gets a line of its own.
    expect(w.stderr()).toMatch(/"downMs":\d+,"errors":[1-9]\d*,"msg":"Redis reachable again"/);
  });

  it('hands a running job back on SIGTERM (no job lost) and exits within 30 s even while Redis is unreachable', async () => {
    const redis = await startRedis({ appendonly: true });
    services.push(redis);
    const env = { REDIS_URL: redis.url, GH2CC_REDIS_PREFIX: `{t${randomBytes(3).toString('hex')}}` };
    const first = start(
      ['worker', '--lock-duration', '3000', '--shutdown-grace', '300', '--log-level', 'debug'],
      env,
    );
    await ready(first);
    expect(await gh2cc(['sync', `${ORG}/big`], { ...base, ...env }).exited).toBe(0);
    await eventually(
      () => first.stderr().includes('"msg":"push plan ready"'),
      60_000,
      'the big sync to start pushing',
    );
    let started = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    console.log(`worker with a running job exited ${Date.now() - started} ms after SIGTERM`);
    expect(Date.now() - started).toBeLessThan(30_000);
    // The job was neither finished nor dropped: another worker takes it over once its lock lapses.
    expect(first.stderr()).toMatch(/handing them back/);
    expect(first.stderr()).not.toMatch(/"msg":"sync done"/);
    // Handed back, not failed: no attempt used, nothing recorded against the repository.
    const mid = gh2cc(['status', '--json'], { ...base, ...env });
    await mid.exited;
    const big = (
      JSON.parse(mid.stdout()) as { repos: { repo: string; state: string; consecutiveFailures: number }[] }
    ).repos.find((r) => r.repo === `${ORG}/big`);
    expect(big?.consecutiveFailures).toBe(0);
    expect(big?.state).not.toBe('failing');
    const second = start(['worker', '--lock-duration', '3000'], env);
    await eventually(() => equal(['big']), 120_000, 'the handed-back sync to finish on another worker');
    await eventually(
      () => /"repo":"rorg\/big".*"msg":"sync done"/.test(second.stderr()),
      10_000,
      'the second worker to report it',
    );

    // Redis gone: SIGTERM still ends the worker.
    await redis.kill('SIGKILL');
    await eventually(
      () => /Redis unreachable|ECONNREFUSED|Connection is closed/.test(second.stderr()),
      20_000,
      'the worker to notice',
    );
    started = Date.now();
    second.child.kill('SIGTERM');
    await second.exited;
    console.log(`worker with Redis unreachable exited ${Date.now() - started} ms after SIGTERM`);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 240_000);

  it('runs the same sync flow on a 3-node Redis Cluster with no CROSSSLOT error', async () => {
    const cluster = await startRedisCluster();
    services.push(cluster);
    const env = {
      REDIS_URL: cluster.url,
      GH2CC_REDIS_CLUSTER: 'true',
      GH2CC_REDIS_PREFIX: `{c${randomBytes(3).toString('hex')}}`,
    };
    const w1 = start(['worker', '--lock-duration', '3000'], env);
    const w2 = start(['worker', '--lock-duration', '3000'], {
      ...env,
      GH2CC_CACHE_DIR: join(work, 'cache-c2'),
    });
    await Promise.all([ready(w1), ready(w2)]);
    const names = ['c0', 'c1', 'c2'];
    const sync = gh2cc(['sync', ...names.map((n) => `${ORG}/${n}`), '--wait', '--json'], { ...base, ...env });
    expect(await sync.exited).toBe(0);
    const results = (JSON.parse(sync.stdout()) as { results: { result: string }[] }).results;
    expect(results.map((r) => r.result)).toEqual(['migrated', 'migrated', 'migrated']);
    expect(await equal(names)).toBe(true);
    for (const text of [w1.stderr(), w2.stderr(), sync.stderr()]) expect(text).not.toMatch(/CROSSSLOT/);
  });
});
