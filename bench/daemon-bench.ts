/**
 * Daemon benchmarks: the sync job's latency after a one-commit push (small and large repos, against
 * re-mirroring from scratch), and a daemon holding 10,000 scheduled repositories (RSS, reconcile cost).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { loadConfig } from '../src/config/load-config.ts';
import { enqueueSync } from '../src/jobs/enqueue-sync.ts';
import { retryingJob } from '../src/jobs/job-options.ts';
import { openQueues } from '../src/jobs/open-queues.ts';
import { QUEUES } from '../src/jobs/queues.ts';
import { runGit } from '../src/git/git-runner.ts';
import { gitEnv } from '../src/git/git-env.ts';
import { createRedis } from '../src/queue/redis-connection.ts';
import type { SandboxInfo } from '../src/sandbox/start-sandbox.ts';
import { initialState } from '../src/state/repo-state.ts';
import { StateStore } from '../src/state/state-store.ts';
import { startRedis } from '../test/harness/services.ts';
import { seedOrg } from '../test/helpers/seed-org.ts';
import { BIN, startNode, until } from './bench-process.ts';

export interface BenchSandbox {
  readonly info: SandboxInfo;
  readonly githubDir: string;
}

/** One commit on main, written into the sandbox's bare repository (what a `git push` to GitHub leaves). */
export async function oneCommit(bare: string, message: string): Promise<string> {
  const tip = (await runGit(bare, ['rev-parse', 'refs/heads/main'])).stdout.trim();
  const env = gitEnv({
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@b',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@b',
  });
  const next = (
    await runGit(bare, ['commit-tree', `${tip}^{tree}`, '-p', tip, '-m', message], { env })
  ).stdout.trim();
  await runGit(bare, ['update-ref', 'refs/heads/main', next, tip]);
  return next;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

export interface SyncLatency {
  readonly repo: string;
  readonly medianS: number;
  readonly p90S: number;
  readonly rounds: number;
}

/**
 * Starts a private Redis and one `gh2cc worker`, mirrors `repos` once, then for each round pushes one commit
 * to every repo and times enqueue → job completed (the commit verified on CodeCommit), per repo.
 */
export async function measureDaemonSync(
  sandbox: BenchSandbox,
  org: string,
  repos: readonly string[],
  cacheDir: string,
  rounds: number,
): Promise<SyncLatency[]> {
  const redis = await startRedis();
  const env = {
    ...sandbox.info.env,
    GH2CC_ORG: org,
    REDIS_URL: redis.url,
    GH2CC_CACHE_DIR: cacheDir,
    GH2CC_LOG_LEVEL: 'warn',
  };
  const worker = startNode([BIN, 'worker', '--concurrency', '1'], { ...env, GH2CC_LOG_LEVEL: 'info' });
  const config = loadConfig({ env });
  const connection = createRedis(redis.url, 'bench');
  const queues = openQueues(connection, config.redis.prefix);
  const eventsConnection = createRedis(redis.url, 'bench-events');
  const events = new QueueEvents(QUEUES.sync, { connection: eventsConnection, prefix: config.redis.prefix });
  const store = new StateStore(connection, config.redis.prefix);
  try {
    await until(() => worker.stderr().includes('"msg":"ready"'), 60_000, 'worker ready');
    await events.waitUntilReady();
    const syncOnce = async (repo: string): Promise<number> => {
      const t = performance.now();
      await enqueueSync(queues.sync, store, { owner: org, repo, reason: 'webhook' }, retryingJob(config));
      const jobs = await queues.sync.getJobs(['waiting', 'active', 'delayed', 'prioritized']);
      const job = jobs.find((j) => j.data.repo === repo);
      if (job !== undefined) await job.waitUntilFinished(events, 600_000);
      else
        await until(
          async () => (await store.get(`${org}/${repo}`))?.state === 'ok',
          600_000,
          `sync of ${repo}`,
        );
      return (performance.now() - t) / 1000;
    };
    for (const repo of repos) await syncOnce(repo); // the first mirror (cold)
    const out: SyncLatency[] = [];
    for (const repo of repos) {
      const times: number[] = [];
      await oneCommit(join(sandbox.githubDir, org, `${repo}.git`), 'warm-up');
      await syncOnce(repo);
      for (let i = 0; i < rounds; i += 1) {
        await oneCommit(join(sandbox.githubDir, org, `${repo}.git`), `round ${i}`);
        times.push(await syncOnce(repo));
      }
      out.push({ repo, medianS: median(times), p90S: percentile(times, 90), rounds });
    }
    return out;
  } finally {
    worker.child.kill('SIGTERM');
    await events.close();
    await queues.close();
    connection.disconnect();
    eventsConnection.disconnect();
    await redis.stop();
  }
}

/** The daemon's "reconcile done" log lines so far, parsed. */
function reconcilesDone(stderr: string): { sync?: number; new?: number; pages?: { notModified?: number } }[] {
  return stderr
    .split('\n')
    .filter((l) => l.includes('"msg":"reconcile done"'))
    .map((l) => JSON.parse(l) as { sync?: number; new?: number; pages?: { notModified?: number } });
}

/** The daemon's heap from its /metrics (prom-client's default Node metrics). */
async function heapMb(stderr: string): Promise<{ used: number; total: number }> {
  const running = stderr.split('\n').find((l) => l.includes('"msg":"gh2cc daemon running"')) ?? '{}';
  const { url } = JSON.parse(running) as { url?: string };
  const text = url === undefined ? '' : await (await fetch(`${url}/metrics`)).text();
  const metric = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 'NaN') / 2 ** 20;
  return { used: metric('nodejs_heap_size_used_bytes'), total: metric('nodejs_heap_size_total_bytes') };
}

/** Resident memory of a process (`VmRSS`), or the most it has held so far (`VmHWM`), in MB. */
async function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 'NaN');
  return kb / 1024;
}

export interface ScaleResult {
  readonly repos: number;
  /** A second reconcile right after: its time, the GitHub calls counted, and the pages answered 304. */
  readonly again: { readonly reconcileS: number; readonly githubCalls: number; readonly notModified: number };
  readonly rssMb: number;
  /** The most the daemon held at any time (VmHWM), the reconcile included. */
  readonly peakRssMb: number;
  /** The V8 heap in use and reserved, as the daemon's own /metrics reports them. */
  readonly heapMb: { readonly used: number; readonly total: number };
  readonly reconcileS: number;
  readonly githubCalls: number;
  readonly syncsEnqueued: number;
  readonly pushes: number;
}

async function githubUsed(info: SandboxInfo): Promise<number> {
  const res = await fetch(`${info.github.apiUrl}/rate_limit`, {
    headers: { authorization: `token ${info.github.token}` },
  });
  return ((await res.json()) as { rate: { used: number } }).rate.used;
}

/**
 * A daemon (workers + schedules + HTTP) with `count` repositories already mirrored (their state says so, as
 * after a migration): a full reconcile must push nothing and enqueue nothing, and the process's RSS after it
 * is what 10,000 scheduled repositories cost.
 */
export async function measureScale(
  sandbox: BenchSandbox,
  org: string,
  count: number,
  cacheDir: string,
  pushLog: string,
): Promise<ScaleResult> {
  await seedOrg(
    sandbox.githubDir,
    org,
    Array.from({ length: count }, (_, i) => ({ name: `s${i}`, commits: 0 })),
  );
  const redis = await startRedis();
  const env = {
    ...sandbox.info.env,
    GH2CC_ORG: org,
    REDIS_URL: redis.url,
    GH2CC_CACHE_DIR: cacheDir,
    GH2CC_PORT: '0',
    GH2CC_HOST: '127.0.0.1',
    GH2CC_RECONCILE_EVERY: '1h',
    GH2CC_DRIFT_EVERY: '1h',
  };
  const config = loadConfig({ env });
  const connection = createRedis(redis.url, 'bench-scale');
  const store = new StateStore(connection, config.redis.prefix);
  const queues = openQueues(connection, config.redis.prefix);
  try {
    // What a finished migration leaves: every repository known, synced at GitHub's current pushed_at.
    const list: { name: string; id: number; pushed_at: string }[] = [];
    for (let page = 1; ; page += 1) {
      const res = await fetch(
        `${sandbox.info.github.apiUrl}/orgs/${org}/repos?per_page=100&sort=full_name&page=${page}`,
        {
          headers: { authorization: `token ${sandbox.info.github.token}` },
        },
      );
      const items = (await res.json()) as { name: string; id: number; pushed_at: string }[];
      list.push(...items);
      if (items.length < 100) break;
    }
    const now = new Date().toISOString();
    for (let i = 0; i < list.length; i += 500) {
      await store.putMany(
        list.slice(i, i + 500).map((r) => ({
          ...initialState(`${org}/${r.name}`, r.name, r.id),
          state: 'ok' as const,
          lastSuccessAt: now,
          lastSyncAt: now,
          ensuredAt: now,
          syncedPushedAt: r.pushed_at,
        })),
      );
    }
    const pushesBefore = (await readFile(pushLog, 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l !== '').length;
    // Workers and HTTP as deployed; the reconcile is started by hand so that it is what gets measured.
    const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
    const daemon = startNode([...nodeArgs, BIN, 'daemon', '--no-schedules'], env);
    try {
      await until(() => daemon.stderr().includes('"msg":"ready"'), 60_000, 'daemon ready');
      const usedBefore = await githubUsed(sandbox.info);
      const t = performance.now();
      await queues.reconcile.add('reconcile', { reason: 'manual' });
      await until(() => reconcilesDone(daemon.stderr()).length === 1, 600_000, 'reconcile done');
      const reconcileS = (performance.now() - t) / 1000;
      const githubCalls = (await githubUsed(sandbox.info)) - usedBefore;
      const [summary] = reconcilesDone(daemon.stderr());
      await new Promise((r) => setTimeout(r, 1000));
      const rss = await rssMb(daemon.child.pid ?? 0);
      const peakRss = await rssMb(daemon.child.pid ?? 0, 'VmHWM');
      const heap = await heapMb(daemon.stderr());
      // A second reconcile of the unchanged org: every page is asked for with its ETag.
      const usedBeforeAgain = await githubUsed(sandbox.info);
      const t2 = performance.now();
      await queues.reconcile.add('reconcile', { reason: 'manual' });
      await until(() => reconcilesDone(daemon.stderr()).length === 2, 600_000, 'second reconcile done');
      const again = {
        reconcileS: (performance.now() - t2) / 1000,
        githubCalls: (await githubUsed(sandbox.info)) - usedBeforeAgain,
        notModified: reconcilesDone(daemon.stderr())[1]?.pages?.notModified ?? 0,
      };
      const pushes =
        (await readFile(pushLog, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '').length -
        pushesBefore;
      return {
        again,
        repos: count,
        rssMb: rss,
        peakRssMb: peakRss,
        heapMb: heap,
        reconcileS,
        githubCalls,
        syncsEnqueued: (summary?.sync ?? 0) + (summary?.new ?? 0),
        pushes,
      };
    } finally {
      daemon.child.kill('SIGTERM');
      await new Promise((r) => daemon.child.once('exit', r));
    }
  } finally {
    await queues.close();
    connection.disconnect();
    await redis.stop();
  }
}
