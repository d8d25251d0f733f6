/**
 * Soak: an org of small repositories kept in sync by several `gh2cc worker` processes on a private Redis while
 * GitHub changes under them and faults are injected — transient HTTP faults on every service and step (the
 * sandbox's injection), workers SIGKILLed mid-run and restarted, Redis SIGKILLed and restarted. After the last
 * round every repository is compared with GitHub ref by ref. Loopback only; bounded by rounds and a deadline.
 *
 *   node --import tsx bench/soak.ts            (SOAK_REPOS=200 SOAK_ROUNDS=6 SOAK_WORKERS=2 SOAK_SEED=1)
 *
 * Prints what was injected and what came out; exits 1 when a ref was lost, a repository did not verify, or
 * two pushes to one repository overlapped.
 */
import { isBackupRef } from '../src/core/backup-ref.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.ts';
import { runGit } from '../src/git/git-runner.ts';
import { enqueueSync } from '../src/jobs/enqueue-sync.ts';
import { retryingJob } from '../src/jobs/job-options.ts';
import { openQueues } from '../src/jobs/open-queues.ts';
import { createRedis } from '../src/queue/redis-connection.ts';
import type { FaultRule } from '../src/sandbox/faults.ts';
import { startSandbox } from '../src/sandbox/start-sandbox.ts';
import { StateStore } from '../src/state/state-store.ts';
import { createLogger } from '../src/util/logger.ts';
import { startRedis, type RedisService } from '../test/harness/services.ts';
import { commitOnGithub } from '../test/helpers/mirror-checks.ts';
import { pushAnomalies, readPushLog } from '../test/helpers/push-log.ts';
import { seedOrg } from '../test/helpers/seed-org.ts';
import { BIN, buildFirst } from './bench-process.ts';

export interface SoakOptions {
  readonly repos: number;
  readonly rounds: number;
  readonly workers: number;
  readonly seed: number;
  /** SIGKILL Redis once, mid-run (its data is fsynced, as a production Redis with AOF would be). */
  readonly redisRestart: boolean;
  /** Whole run; a soak that cannot converge fails instead of hanging. */
  readonly deadlineMs: number;
  readonly print?: (line: string) => void;
}

export interface SoakResult {
  readonly repos: number;
  readonly rounds: number;
  readonly githubChanges: number;
  readonly faultRules: number;
  readonly faultsHit: number;
  readonly workerKills: number;
  readonly redisRestarts: number;
  readonly syncs: number;
  readonly retries: number;
  readonly reposVerified: number;
  readonly refsChecked: number;
  readonly refsLost: number;
  readonly lost: readonly string[];
  readonly overlappingPushes: readonly string[];
  readonly seconds: number;
}

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function refsOf(gitDir: string): Promise<Map<string, string>> {
  const r = await runGit(
    gitDir,
    ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'],
    {
      check: false,
    },
  );
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [sha, ref] = line.split(' ');
    if (sha !== undefined && ref !== undefined && sha !== '') out.set(ref, sha);
  }
  return out;
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const print = options.print ?? (() => undefined);
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const rnd = random(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const work = await mkdtemp(join(tmpdir(), 'gh2cc-soak-'));
  const org = 'soak';
  const names = Array.from({ length: options.repos }, (_, i) => `r${String(i).padStart(3, '0')}`);
  const sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
  let redis: RedisService | undefined;
  let redisDir: string | undefined;
  const workers: ChildProcess[] = [];
  const counts = { githubChanges: 0, faultRules: 0, workerKills: 0, redisRestarts: 0 };
  // The sandbox counts hits per set of rules: each round's are added up before the next round's replace them.
  let faultsHit = 0;
  try {
    await seedOrg(
      sandbox.githubDir,
      org,
      names.map((name, i) => ({ name, commits: 2 + (i % 7), branches: i % 3, tags: i % 4 })),
    );
    redis = await startRedis({ appendonly: true });
    redisDir = redis.dir;
    const redisPort = redis.port;
    const env: Record<string, string> = {
      ...sandbox.info.env,
      GH2CC_ORG: org,
      REDIS_URL: redis.url,
      GH2CC_REDIS_PREFIX: '{soak}',
      GH2CC_RETRIES: '1',
      GH2CC_JOB_ATTEMPTS: '6',
      GH2CC_JOB_BACKOFF: '1s',
      GH2CC_LOG_LEVEL: 'warn',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const startWorker = (i: number): ChildProcess => {
      // One cache each: workers on different hosts.
      const child = spawn('node', [BIN, 'worker', '--concurrency', '2', '--lock-duration', '3000'], {
        env: { ...process.env, ...env, GH2CC_CACHE_DIR: join(work, `cache-${i}`) },
        stdio: 'ignore',
      });
      workers[i] = child;
      return child;
    };
    for (let i = 0; i < options.workers; i += 1) startWorker(i);
    const config = loadConfig({ env });
    const connection = createRedis(redis.url, 'soak');
    const queues = openQueues(connection, config.redis.prefix);
    const store = new StateStore(connection, config.redis.prefix);
    const jobOptions = retryingJob(config);
    const finished = new Map<string, { attempts: number }>();

    const enqueue = async (repos: readonly string[]): Promise<void> => {
      for (const repo of repos) {
        await enqueueSync(queues.sync, store, { owner: org, repo, reason: 'webhook' }, jobOptions);
      }
    };
    /** Until no sync waits or runs (twice in a row), noting every finished job's attempts. */
    const quiet = async (): Promise<void> => {
      let calm = 0;
      while (calm < 2) {
        if (Date.now() > deadline) throw new Error('soak: deadline passed before the queue went quiet');
        const c = await queues.sync
          .getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused')
          .catch(() => undefined);
        const busy = c === undefined ? 1 : Object.values(c).reduce((a, b) => a + b, 0);
        calm = busy === 0 ? calm + 1 : 0;
        await new Promise((r) => setTimeout(r, 300));
      }
      for (const job of await queues.sync.getJobs(['completed', 'failed'], 0, -1)) {
        finished.set(`${job.id ?? ''}@${job.finishedOn ?? 0}`, { attempts: job.attemptsMade });
      }
    };

    print(
      `soak: ${names.length} repos, ${options.rounds} rounds, ${options.workers} workers, seed ${options.seed}`,
    );
    await enqueue(names);
    await quiet();
    for (let round = 1; round <= options.rounds; round += 1) {
      // GitHub changes under the mirror: commits, new and deleted branches and tags, force-pushes.
      const touched = new Set<string>();
      for (let n = 0; n < Math.max(2, Math.round(names.length * 0.25)); n += 1) {
        const repo = pick(names);
        const dir = join(sandbox.githubDir, org, `${repo}.git`);
        const kind = pick(['commit', 'branch', 'delete', 'force', 'tag']);
        const refs = await refsOf(dir);
        const heads = [...refs.keys()].filter((r) => r.startsWith('refs/heads/') && r !== 'refs/heads/main');
        if (kind === 'commit') await commitOnGithub(sandbox.githubDir, org, repo, `round ${round}`);
        else if (kind === 'branch')
          await runGit(dir, ['update-ref', `refs/heads/soak-${round}-${n}`, 'refs/heads/main']);
        else if (kind === 'tag')
          await runGit(dir, ['update-ref', `refs/tags/soak-${round}-${n}`, 'refs/heads/main']);
        else if (kind === 'delete' && heads.length > 0) await runGit(dir, ['update-ref', '-d', pick(heads)]);
        else if (kind === 'force') {
          const first = (await runGit(dir, ['rev-list', '--max-parents=0', 'refs/heads/main'])).stdout.trim();
          await runGit(dir, [
            'update-ref',
            heads.length > 0 ? pick(heads) : 'refs/heads/main',
            first.split('\n')[0] ?? first,
          ]);
        } else continue;
        counts.githubChanges += 1;
        touched.add(repo);
      }
      // Transient faults on both services, API and git, refs advertisement and pack exchange.
      const rules: FaultRule[] = Array.from({ length: 3 }, () => {
        const side = pick(['github', 'codecommit'] as const);
        const kind = pick(['throttle', 'server-error', 'reset'] as const);
        const match = pick([
          { git: true },
          { api: true },
          { git: true, path: side === 'github' ? '/git-upload-pack' : '/git-receive-pack' },
        ]);
        return { side, kind, match, count: 1 + Math.floor(rnd() * 4) };
      });
      counts.faultRules += rules.length;
      faultsHit += sandbox.faultHits();
      sandbox.setFaults(rules);
      await enqueue([...touched]);
      // Mid-round: a worker is killed (and back a moment later); once per soak, Redis too.
      await new Promise((r) => setTimeout(r, 200 + rnd() * 800));
      if (rnd() < 0.7) {
        const i = Math.floor(rnd() * workers.length);
        workers[i]?.kill('SIGKILL');
        counts.workerKills += 1;
        await new Promise((r) => setTimeout(r, 300));
        startWorker(i);
      }
      if (options.redisRestart && round === Math.ceil(options.rounds / 2)) {
        await redis.kill('SIGKILL');
        counts.redisRestarts += 1;
        await new Promise((r) => setTimeout(r, 500));
        redis = await startRedis({ appendonly: true, port: redisPort, dir: redisDir });
      }
      await quiet();
      print(
        `round ${round}: ${touched.size} repos changed on GitHub, ${rules.length} fault rules, ${sandbox.faultHits()} of their faults hit`,
      );
    }
    // Whatever failed under faults converges once they stop: one more sync of everything.
    faultsHit += sandbox.faultHits();
    sandbox.clearFaults();
    await enqueue(names);
    await quiet();

    const lost: string[] = [];
    let refsChecked = 0;
    let reposVerified = 0;
    for (const repo of names) {
      const github = await refsOf(join(sandbox.githubDir, org, `${repo}.git`));
      // gh2cc's backup branches (tips a force-push or deletion replaced) are kept beside the mirrored refs.
      const codecommit = new Map(
        [...(await refsOf(join(sandbox.codecommitDir, 'repos', `${repo}.git`)))].filter(
          ([ref]) => !isBackupRef(ref),
        ),
      );
      let same = github.size === codecommit.size;
      for (const [ref, sha] of github) {
        refsChecked += 1;
        if (codecommit.get(ref) !== sha) {
          lost.push(`${repo} ${ref}`);
          same = false;
        }
      }
      if (same) reposVerified += 1;
    }
    const { overlapping } = pushAnomalies(await readPushLog(sandbox.pushLog));
    const attempts = [...finished.values()];
    const result: SoakResult = {
      repos: names.length,
      rounds: options.rounds,
      ...counts,
      faultsHit,
      syncs: attempts.length,
      retries: attempts.reduce((n, a) => n + Math.max(0, a.attempts - 1), 0),
      reposVerified,
      refsChecked,
      refsLost: lost.length,
      lost: lost.slice(0, 20),
      overlappingPushes: [...new Set(overlapping)],
      seconds: Math.round((Date.now() - started) / 1000),
    };
    await queues.close();
    connection.disconnect();
    return result;
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await redis?.stop();
    await sandbox.close();
    if (redisDir !== undefined) await rm(redisDir, { recursive: true, force: true }).catch(() => undefined);
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  buildFirst();
  const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
  const result = await runSoak({
    repos: num('SOAK_REPOS', 200),
    rounds: num('SOAK_ROUNDS', 6),
    workers: num('SOAK_WORKERS', 2),
    seed: num('SOAK_SEED', 1),
    redisRestart: true,
    deadlineMs: num('SOAK_DEADLINE_S', 1200) * 1000,
    print: (line) => console.log(line),
  });
  console.log(
    [
      `repos ${result.repos}, rounds ${result.rounds}, ${result.seconds} s`,
      `injected: ${result.githubChanges} GitHub changes, ${result.faultRules} fault rules (${result.faultsHit} faults hit), ${result.workerKills} worker SIGKILLs, ${result.redisRestarts} Redis SIGKILLs`,
      `syncs ${result.syncs} (retries ${result.retries}), repos verified ${result.reposVerified}/${result.repos}, refs checked ${result.refsChecked}, refs lost ${result.refsLost}, overlapping pushes ${result.overlappingPushes.length}`,
    ].join('\n'),
  );
  if (result.lost.length > 0) console.log(`lost: ${result.lost.join(', ')}`);
  const ok =
    result.refsLost === 0 && result.reposVerified === result.repos && result.overlappingPushes.length === 0;
  process.exit(ok ? 0 : 1);
}
