import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { codecommitConsoleUrl, githubRepoUrl, githubWebRoot } from '../core/web-links.ts';
import type { Gh2ccQueues } from '../jobs/open-queues.ts';
import { QUEUES } from '../jobs/queues.ts';
import type { HttpServer } from '../server/create-http-server.ts';
import type { QueueStatus } from '../server/status-page/queue-status.ts';
import { cachedSnapshots } from '../server/status-page/state-snapshot.ts';
import { statusAuthorizer } from '../server/status-page/status-auth.ts';
import { registerStatusRoutes } from '../server/status-page/status-routes.ts';
import type { StateStore } from '../state/state-store.ts';
import { withDeadline } from '../util/deadline.ts';
import { readQueueCounts } from './metric-sources.ts';

/** How old the page's view of every repository may be: 10,000 states are read once per interval at most. */
const SNAPSHOT_TTL_MS = 2000;
/** The queue table is left out rather than holding the page when Redis is slow. */
const QUEUE_TIMEOUT_MS = 1000;
/** Every repository's state is one HGETALL (about 0.1 s for 10,000): far longer means Redis is away. */
const STATE_TIMEOUT_MS = 5000;

/** Puts the read-only status page on the server (on unless `status.enabled` is false). */
export function mountStatusPage(
  app: HttpServer,
  parts: { config: Config; log: Logger; state: StateStore; queues: Gh2ccQueues },
): void {
  const { config, log, state, queues } = parts;
  const { path, enabled } = config.status;
  if (!enabled) {
    log.info('status page off (status.enabled is false)');
    return;
  }
  const authorize = statusAuthorizer(config.status);
  const webRoot = githubWebRoot(config.github.apiUrl);
  registerStatusRoutes(app, {
    path,
    ...(authorize === undefined ? {} : { authorize }),
    snapshot: cachedSnapshots(() => fromRedis(state.all()), SNAPSHOT_TTL_MS),
    repo: (fullName) => fromRedis(state.get(fullName)),
    history: (fullName) => fromRedis(state.history(fullName)),
    queues: cachedQueueStatus(queues, SNAPSHOT_TTL_MS),
    links: {
      github: (repo) => githubRepoUrl(webRoot, repo),
      codecommit: (target) => codecommitConsoleUrl(config.aws.region, target),
    },
  });
  if (authorize === undefined)
    log.warn(
      { path },
      'status page on without authentication: anyone who reaches this port sees repository names (set GH2CC_STATUS_TOKEN or status.user and status.password)',
    );
  else log.info({ path }, 'status page on');
}

/** Queue depths and the worker connections Redis lists for each queue, shared by requests for `ttlMs`. */
function cachedQueueStatus(
  queues: Gh2ccQueues,
  ttlMs: number,
): () => Promise<readonly QueueStatus[] | undefined> {
  let cached: { at: number; value: Promise<readonly QueueStatus[] | undefined> } | undefined;
  return () => {
    if (cached === undefined || Date.now() - cached.at >= ttlMs)
      cached = { at: Date.now(), value: withTimeout(readQueueStatus(queues), QUEUE_TIMEOUT_MS) };
    return cached.value;
  };
}

async function readQueueStatus(queues: Gh2ccQueues): Promise<QueueStatus[]> {
  const kinds = Object.keys(QUEUES) as (keyof typeof QUEUES)[];
  const [counts, workers] = await Promise.all([
    readQueueCounts(queues),
    Promise.all(
      kinds.map(async (kind) => {
        try {
          const clients = await queues[kind].getWorkers();
          // Redis services that refuse CLIENT LIST get one placeholder entry from BullMQ instead.
          return clients.some((c) => c['addr'] === undefined) ? undefined : clients.length;
        } catch {
          return undefined;
        }
      }),
    ),
  ]);
  return counts.map((c, i) => ({ ...c, workers: workers[i] }));
}

/** The value, or undefined once `ms` have passed (or it failed): a slow Redis leaves the table out. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  return withDeadline(work, ms, () => new Error('timed out')).catch(() => undefined);
}

/** A page read from Redis answers (503, "unavailable") rather than hanging while Redis is unreachable. */
function fromRedis<T>(work: Promise<T>): Promise<T> {
  return withDeadline(
    work,
    STATE_TIMEOUT_MS,
    () => new Error(`Redis did not answer within ${STATE_TIMEOUT_MS} ms (unreachable?)`),
  );
}
