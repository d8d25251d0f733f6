/**
 * Webhook benchmarks: ingest (signed push deliveries posted by autocannon at `gh2cc serve`, signature check,
 * dedup and Redis enqueue included) and push-to-CodeCommit latency (pushes to the sandbox GitHub, each
 * arriving at a `gh2cc daemon` by the sandbox's own webhook).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import examples from '@octokit/webhooks-examples/api.github.com/index.json' with { type: 'json' };
import { gitAuthEnv } from '../src/git/git-auth.ts';
import { gitEnv } from '../src/git/git-env.ts';
import { runGit } from '../src/git/git-runner.ts';
import { startRedis } from '../test/harness/services.ts';
import { seedOrg } from '../test/helpers/seed-org.ts';
import { BIN, cpuSeconds, startNode, until } from './bench-process.ts';
import type { BenchSandbox } from './daemon-bench.ts';

const AUTOCANNON = join(import.meta.dirname, '..', 'node_modules', 'autocannon', 'autocannon.js');

/** CPU seconds the whole machine has spent busy (all cores), from /proc/stat. */
async function machineBusySeconds(): Promise<number> {
  const cpu = (await readFile('/proc/stat', 'utf8')).split('\n')[0]?.split(/\s+/).slice(1).map(Number) ?? [];
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return (cpu.reduce((a, b) => a + b, 0) - idle) / 100;
}

export interface IngestResult {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly p50Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Share of the machine's CPU the load generator itself used during the run. */
  readonly generatorCpuShare: number;
  readonly payloadBytes: number;
  readonly syncJobs: number;
}

/**
 * `gh2cc serve` on a private Redis; autocannon posts one signed `push` delivery (GitHub's own example
 * payload) with a fresh `X-GitHub-Delivery` per request, spread over `repos` repositories.
 */
export async function measureIngest(seconds: number, repos: number): Promise<IngestResult> {
  const redis = await startRedis();
  const secret = 'bench-webhook-secret';
  const env = {
    GH2CC_ORG: 'Codertocat',
    GITHUB_TOKEN: 'ghp_bench',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIABENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    REDIS_URL: redis.url,
    GH2CC_WEBHOOK_SECRET: secret,
    GH2CC_PORT: '0',
    GH2CC_HOST: '127.0.0.1',
    GH2CC_LOG_LEVEL: 'warn',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const server = startNode(
    [
      ...(process.env['BENCH_PROF'] ? ['--cpu-prof', '--cpu-prof-dir=/tmp/serveprof'] : []),
      BIN,
      'serve',
      '--log-level',
      'info',
    ],
    env,
  );
  try {
    await until(() => server.stderr().includes('"msg":"ready"'), 60_000, 'gh2cc serve ready');
    const url = /"url":"(http:[^"]+)"/.exec(server.stderr())?.[1] ?? '';
    const push = (examples as { name: string; examples: Record<string, unknown>[] }[])
      .find((e) => e.name === 'push')
      ?.examples.find((p) => p['ref'] === 'refs/heads/master');
    if (push === undefined) throw new Error('no push example');
    // One signed body per repository; autocannon cycles through them, each request with a fresh delivery id.
    const requests = [];
    let payloadBytes = 0;
    for (let i = 0; i < repos; i += 1) {
      const repository = push['repository'] as Record<string, unknown>;
      const body = JSON.stringify({
        ...push,
        repository: { ...repository, name: `repo-${i}`, full_name: `Codertocat/repo-${i}` },
      });
      payloadBytes = Buffer.byteLength(body);
      requests.push({
        method: 'POST',
        path: '/webhooks/github',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': '[<id>]',
          'x-hub-signature-256': await sign(secret, body),
        },
        body,
      });
    }
    const spec = join(redis.dir, 'requests.json');
    await writeFile(spec, JSON.stringify(requests));
    // autocannon as its own process, so its CPU is measured apart from gh2cc's.
    const script = `
      const autocannon = require(${JSON.stringify(AUTOCANNON)});
      const requests = require(${JSON.stringify(spec)});
      autocannon({ url: ${JSON.stringify(url)}, connections: 20, pipelining: 1, duration: ${seconds},
        idReplacement: true, requests }, (err, r) => {
        if (err) { console.error(err); process.exit(1); }
        console.log(JSON.stringify({ rps: r.requests.average, total: r.requests.total, p50: r.latency.p50,
          p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts }));
      });`;
    const wall = performance.now();
    const gen = startNode(['-e', script], {});
    const genPid = gen.child.pid ?? 0;
    let genCpu = 0;
    const sampler = setInterval(() => {
      void cpuSeconds(genPid).then(
        (c) => (genCpu = c),
        () => undefined,
      );
    }, 200);
    const code = await new Promise<number | null>((r) => gen.child.on('exit', r));
    clearInterval(sampler);
    const elapsed = (performance.now() - wall) / 1000;
    if (code !== 0) throw new Error(`autocannon failed: ${gen.stderr()}`);
    const r = JSON.parse(gen.stdout().trim().split('\n').pop() ?? '{}') as {
      rps: number;
      total: number;
      p50: number;
      p99: number;
      non2xx: number;
      errors: number;
      timeouts: number;
    };
    const { createRedis } = await import('../src/queue/redis-connection.ts');
    const { openQueues } = await import('../src/jobs/open-queues.ts');
    const conn = createRedis(redis.url, 'bench-ingest');
    const queues = openQueues(conn, '{gh2cc}');
    const syncJobs = (await queues.sync.getJobCounts(
      'waiting',
      'active',
      'completed',
      'prioritized',
    )) as Record<string, number>;
    await queues.close();
    conn.disconnect();
    return {
      requestsPerSecond: r.rps,
      p50Ms: r.p50,
      p99Ms: r.p99,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      generatorCpuShare: genCpu / (elapsed * 2),
      payloadBytes,
      syncJobs: Object.values(syncJobs).reduce((a, b) => a + b, 0),
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    await redis.stop();
  }
}

export interface PushLatencyResult {
  /** CPU seconds per push: the daemon with its git processes, the bench's own pushes, everything else
   * (the sandbox serving both sides, Redis). */
  readonly cpuPerPush: {
    readonly daemon: number;
    /** Of `daemon`, what its git processes used. */
    readonly daemonGit: number;
    readonly generator: number;
    readonly rest: number;
  };
  /**
   * The same pushes with no mirror running (a bare receiver answers the webhooks): what the load alone costs the
   * machine — the pushing client, and the sandbox's GitHub receiving the pushes and sending their webhooks.
   */
  readonly loadAlone: { readonly pushesPerS: number; readonly cpuPerPush: number };
  readonly pushes: number;
  readonly p50S: number;
  readonly p99S: number;
  readonly missed: number;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/**
 * A `gh2cc daemon` (worker + HTTP, no reconcile during the run) on a private Redis with the sandbox's webhook
 * pointed at it; `rate` pushes a second spread over `repos` repositories for `seconds`, each a one-commit push
 * over git smart HTTP (so the sandbox sends the push webhook); time from each push to its commit on CodeCommit.
 */
export async function measurePushLatency(
  sandbox: BenchSandbox & { readonly dir: string },
  /** The port the sandbox's `--webhook-url` points at (`http://127.0.0.1:PORT/webhooks/github`). */
  daemonPort: number,
  cacheDir: string,
  repos: number,
  rate: number,
  seconds: number,
): Promise<PushLatencyResult> {
  const org = 'hookbench';
  await seedOrg(
    sandbox.githubDir,
    org,
    Array.from({ length: repos }, (_, i) => ({ name: `h${i}`, commits: 5 })),
  );
  // The load alone first: before the daemon starts, a bare receiver takes the webhooks (202, nothing done).
  const pusher = new Pusher(sandbox, org);
  for (let i = 0; i < repos; i += 1) await pusher.prepare(`h${i}`);
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(202).end());
  });
  await new Promise<void>((r) => receiver.listen(daemonPort, '127.0.0.1', r));
  const loadAlone = await pushAtRate(pusher, repos, rate, Math.min(seconds, 5)).finally(
    () => new Promise((r) => receiver.close(r)),
  );
  const redis = await startRedis();
  const env = {
    ...sandbox.info.env,
    GH2CC_ORG: org,
    REDIS_URL: redis.url,
    GH2CC_CACHE_DIR: cacheDir,
    GH2CC_PORT: String(daemonPort),
    GH2CC_HOST: '127.0.0.1',
    GH2CC_RECONCILE_EVERY: '0 0 1 1 *',
    GH2CC_DRIFT_EVERY: '0 0 1 1 *',
    GH2CC_LOG_LEVEL: 'warn',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const daemon = startNode(
    [BIN, 'daemon', '--log-level', 'info', '--concurrency', process.env['BENCH_CONCURRENCY'] ?? '4'],
    env,
  );
  const ccRepo = (name: string): string => join(sandbox.dir, 'codecommit', 'repos', `${name}.git`);
  // Read from the sandbox CodeCommit's disk (receive-pack writes loose refs): polling must not cost the
  // machine git processes of its own.
  const onCodecommit = async (name: string, sha: string): Promise<boolean> =>
    (await readFile(join(ccRepo(name), 'refs', 'heads', 'main'), 'utf8').catch(() => '')).trim() === sha;
  try {
    await until(() => daemon.stderr().includes('"msg":"ready"'), 60_000, 'daemon ready');
    // The first push to each repository mirrors it (CodeCommit repo created by its first sync).
    const warm = [];
    for (let i = 0; i < repos; i += 1) warm.push({ name: `h${i}`, sha: await pusher.push(`h${i}`) });
    for (const w of warm)
      await until(() => onCodecommit(w.name, w.sha), 120_000, `first mirror of ${w.name}`);

    const pending = new Map<string, { sha: string; at: number }>();
    const latencies: number[] = [];
    let missed = 0;
    const total = rate * seconds;
    let watching = true;
    const watcher = (async () => {
      while (watching || pending.size > 0) {
        for (const [name, p] of [...pending]) {
          if (await onCodecommit(name, p.sha)) {
            latencies.push((performance.now() - p.at) / 1000);
            pending.delete(name);
          } else if (performance.now() - p.at > 30_000) {
            missed += 1;
            pending.delete(name);
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const daemonPid = daemon.child.pid ?? 0;
    const before = {
      daemon: await cpuSeconds(daemonPid, true),
      daemonOwn: await cpuSeconds(daemonPid),
      self: await cpuSeconds('self', true),
      machine: await machineBusySeconds(),
    };
    const start = performance.now();
    const pushes: Promise<void>[] = [];
    for (let i = 0; i < total; i += 1) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const name = `h${i % repos}`;
      // A repository gets its next push only after the previous one arrived, so each is timed alone.
      if (pending.has(name)) continue;
      pushes.push(
        (async () => {
          const at = performance.now();
          const sha = await pusher.push(name);
          pending.set(name, { sha, at });
        })(),
      );
    }
    await Promise.all(pushes);
    watching = false;
    await watcher;
    // The daemon's git children are counted (cutime/cstime) once they have exited and been waited for.
    const daemonCpu = (await cpuSeconds(daemonPid, true)) - before.daemon;
    const daemonOwn = (await cpuSeconds(daemonPid)) - before.daemonOwn;
    const self = (await cpuSeconds('self', true)) - before.self;
    const machine = (await machineBusySeconds()) - before.machine;
    const n = Math.max(1, latencies.length + missed);
    return {
      loadAlone,
      cpuPerPush: {
        daemon: daemonCpu / n,
        daemonGit: (daemonCpu - daemonOwn) / n,
        generator: self / n,
        rest: (machine - daemonCpu - self) / n,
      },
      pushes: latencies.length + missed,
      p50S: percentile(latencies, 50),
      p99S: percentile(latencies, 99),
      missed,
    };
  } finally {
    daemon.child.kill('SIGTERM');
    await new Promise((r) => daemon.child.once('exit', r));
    await redis.stop();
  }
}

/** `rate` pushes a second (each repository's next once its last is done) for `seconds`, nothing mirroring. */
async function pushAtRate(
  pusher: Pusher,
  repos: number,
  rate: number,
  seconds: number,
): Promise<{ pushesPerS: number; cpuPerPush: number }> {
  const busy = new Set<string>();
  const before = await machineBusySeconds();
  const start = performance.now();
  const pushes: Promise<void>[] = [];
  let made = 0;
  for (let i = 0; i < rate * seconds; i += 1) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const name = `h${i % repos}`;
    if (busy.has(name)) continue;
    busy.add(name);
    made += 1;
    pushes.push(pusher.push(name).then(() => void busy.delete(name)));
  }
  await Promise.all(pushes);
  const elapsed = (performance.now() - start) / 1000;
  return {
    pushesPerS: made / elapsed,
    cpuPerPush: ((await machineBusySeconds()) - before) / Math.max(1, made),
  };
}

/**
 * Pushes one commit on main over git smart HTTP, so the sandbox sends its webhooks as GitHub would. Each
 * repository gets a scratch repository once (borrowing the source's objects); a push is then two git
 * processes — the commit and the push — so the load generator takes little of the machine.
 */
class Pusher {
  private readonly tips = new Map<string, string>();

  constructor(
    private readonly sandbox: BenchSandbox,
    private readonly org: string,
  ) {}

  private scratch(repo: string): string {
    return join(this.sandbox.githubDir, this.org, `${repo}.git-push`);
  }

  async prepare(repo: string): Promise<void> {
    const bare = join(this.sandbox.githubDir, this.org, `${repo}.git`);
    const scratch = this.scratch(repo);
    await runGit('/', ['init', '--bare', '--quiet', scratch]);
    await writeFile(join(scratch, 'objects', 'info', 'alternates'), `${join(bare, 'objects')}\n`);
    this.tips.set(repo, (await runGit(bare, ['rev-parse', 'refs/heads/main'])).stdout.trim());
  }

  async push(repo: string): Promise<string> {
    const tip = this.tips.get(repo) ?? '';
    const scratch = this.scratch(repo);
    const next = (
      await runGit(scratch, ['commit-tree', `${tip}^{tree}`, '-p', tip, '-m', `bench ${Date.now()}`], {
        env: gitEnv({
          GIT_AUTHOR_NAME: 'b',
          GIT_AUTHOR_EMAIL: 'b@b',
          GIT_COMMITTER_NAME: 'b',
          GIT_COMMITTER_EMAIL: 'b@b',
        }),
      })
    ).stdout.trim();
    const gitUrl = `${this.sandbox.info.github.apiUrl.replace('/api/v3', '')}/${this.org}/${repo}.git`;
    await runGit(scratch, ['push', '--quiet', gitUrl, `${next}:refs/heads/main`], {
      env: gitAuthEnv({ username: 'x-access-token', password: this.sandbox.info.github.token }),
    });
    this.tips.set(repo, next);
    return next;
  }
}
