/**
 * Status page latency: `gh2cc serve` (status page on, auth required) on a private Redis holding `count`
 * repositories of state; the time to a complete HTML answer, measured from this process over loopback.
 */
import { randomBytes } from 'node:crypto';
import { createRedis } from '../src/queue/redis-connection.ts';
import { initialState, type MirrorState, type RepoState } from '../src/state/repo-state.ts';
import { StateStore } from '../src/state/state-store.ts';
import { startRedis } from '../test/harness/services.ts';
import { BIN, startNode, until } from './bench-process.ts';

export interface LatencySeries {
  readonly requests: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface StatusPageResult {
  readonly repos: number;
  /** Every request after the page's state cache ran out: each one reads every state from Redis. */
  readonly fresh: LatencySeries;
  /** Requests back to back, as a few people (or a refreshing tab) looking at once. */
  readonly busy: LatencySeries;
  /** One HGETALL of every state plus the JSON parses (StateStore.all()), measured in this process. */
  readonly readAllMs: number;
  readonly pageBytes: number;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

function series(times: readonly number[]): LatencySeries {
  return {
    requests: times.length,
    medianMs: percentile(times, 50),
    p95Ms: percentile(times, 95),
    maxMs: Math.max(...times),
  };
}

const MIX: readonly MirrorState[] = [
  'ok',
  'ok',
  'ok',
  'ok',
  'ok',
  'ok',
  'ok',
  'behind',
  'diverged',
  'failing',
  'archived',
  'stopped',
];

/** What a daemon leaves after months: most repos fine, some diverged (with both SHAs), failing, archived. */
function realisticState(i: number, now: number): RepoState {
  const name = `repo-${String(i).padStart(5, '0')}`;
  const state = MIX[i % MIX.length] ?? 'ok';
  const at = (ago: number): string => new Date(now - ago).toISOString();
  const sha = (seed: string): string => `${seed}${i.toString(16)}`.padEnd(40, '0').slice(0, 40);
  return {
    ...initialState(`acme/${name}`, name, 100_000 + i),
    state,
    description: `Service ${i}: builds, deploys and <b>monitors</b> the ${name} component`,
    lastSyncStartedAt: at(i * 1000 + 800),
    lastSyncAt: at(i * 1000),
    lastSuccessAt: at(i * 1000),
    lastResult: state === 'failing' ? 'failed' : state === 'diverged' ? 'diverged' : 'up-to-date',
    syncedPushedAt: at(i * 2000),
    ensuredAt: at(86_400_000),
    defaultBranch: 'main',
    lagSeconds: 0.3 + (i % 7) / 10,
    heads: { github: sha('a'), codecommit: sha('b') },
    divergentRefs: state === 'diverged' ? ['refs/heads/hotfix', 'refs/tags/v1.2.3'] : [],
    drift:
      state === 'diverged'
        ? [
            { ref: 'refs/heads/hotfix', github: sha('c'), codecommit: sha('d') },
            { ref: 'refs/tags/v1.2.3', github: null, codecommit: sha('e') },
          ]
        : [],
    backups:
      i % 20 === 0
        ? [
            {
              ref: `refs/heads/gh2cc-backup/20261126T120000Z-${sha('f').slice(0, 8)}/heads/main`,
              original: 'refs/heads/main',
              sha: sha('f'),
              reason: 'force-pushed',
              at: at(3_600_000),
            },
          ]
        : [],
    ...(state === 'failing'
      ? {
          lastError: `git push to CodeCommit failed: remote: fatal: unable to access the repository (HTTP 503) after 5 tries`,
          lastErrorCode: 'network',
          consecutiveFailures: 5,
        }
      : {}),
  };
}

export async function measureStatusPage(count: number): Promise<StatusPageResult> {
  const redis = await startRedis();
  const token = randomBytes(24).toString('hex');
  const env = {
    GH2CC_ORG: 'acme',
    GITHUB_TOKEN: 'ghp_bench',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIABENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    REDIS_URL: redis.url,
    GH2CC_STATUS_TOKEN: token,
    GH2CC_PORT: '0',
    GH2CC_HOST: '127.0.0.1',
    GH2CC_LOG_LEVEL: 'warn',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const conn = createRedis(redis.url, 'bench-status');
  const server = startNode([BIN, 'serve', '--log-level', 'info'], env);
  try {
    const store = new StateStore(conn, '{gh2cc}');
    const now = Date.now();
    for (let i = 0; i < count; i += 1000)
      await store.putMany(
        Array.from({ length: Math.min(1000, count - i) }, (_, j) => realisticState(i + j, now)),
      );
    for (let i = 0; i < 20; i += 1)
      await store.markRequested(`acme/repo-${String(i * 12).padStart(5, '0')}`, now - 30_000);
    const reads: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const t = performance.now();
      await store.all();
      reads.push(performance.now() - t);
    }

    await until(() => server.stderr().includes('"msg":"ready"'), 60_000, 'gh2cc serve ready');
    const url = /"url":"(http:[^"]+)"/.exec(server.stderr())?.[1] ?? '';
    const paths = [
      '/',
      '/?state=diverged',
      '/?q=repo-012',
      `/?page=${Math.ceil(count / 200)}`,
      '/?state=failing&q=service&page=2',
      `/repos/acme/repo-${String(Math.floor(count / 3)).padStart(5, '0')}`,
    ];
    // The table's variants: each reads the snapshot of every state (the repository page reads one).
    const overviews = paths.slice(0, -1);
    let pageBytes = 0;
    const get = async (path: string): Promise<number> => {
      const t = performance.now();
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const body = await res.text();
      const ms = performance.now() - t;
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      if (path === '/') pageBytes = Buffer.byteLength(body);
      return ms;
    };
    // Warm-up: the first requests compile the page's code paths.
    for (const p of paths) await get(p);

    const fresh: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      // Past the page's 2 s state cache: this request reads all 10,000 states again.
      await new Promise((r) => setTimeout(r, 2100));
      fresh.push(await get(overviews[i % overviews.length] ?? '/'));
    }
    const busy: number[] = [];
    for (let i = 0; i < 60; i += 1) busy.push(await get(paths[i % paths.length] ?? '/'));
    return {
      repos: count,
      fresh: series(fresh),
      busy: series(busy),
      readAllMs: percentile(reads, 50),
      pageBytes,
    };
  } finally {
    conn.disconnect();
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    await redis.stop();
  }
}
