import type { Logger } from 'pino';
import { repeatLimitedWarn } from '../util/repeat-limited-log.ts';
import type { Config } from '../config/schema.ts';
import type { RepoResult } from '../core/repo-result.ts';
import { createJobContext } from '../jobs/create-job-context.ts';
import type { JobContext } from '../jobs/job-context.ts';
import { openQueues, type Gh2ccQueues } from '../jobs/open-queues.ts';
import { createRedis, redisSeedLabel } from '../queue/redis-connection.ts';
import { createHttpServer, type HttpServer } from '../server/create-http-server.ts';
import { createMetrics, type Gh2ccMetrics } from '../server/create-metrics.ts';
import { listen } from '../server/listen.ts';
import { metricSources } from './metric-sources.ts';
import { mountStatusPage } from './mount-status-page.ts';
import { mountWebhook } from './mount-webhook.ts';
import { upsertSchedules } from './upsert-schedules.ts';

/** The worker side as the daemon sees it (built in workers/, handed in by the CLI). */
export interface WorkerHandle {
  ready(): Promise<void>;
  running(): boolean;
  close(graceMs: number): Promise<void>;
}

export type StartWorkers = (
  ctx: JobContext,
  queues: Gh2ccQueues,
  observer: { onResult(result: RepoResult, final: boolean): void },
) => WorkerHandle;

export interface DaemonOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly redisUrl: string;
  readonly lockDurationMs: number;
  /** Which parts run in this process; `gh2cc worker` is the worker part alone. */
  readonly parts: { readonly worker: boolean; readonly schedules: boolean; readonly http: boolean };
  readonly startWorkers?: StartWorkers;
}

export interface RunningDaemon {
  readonly ctx: JobContext;
  readonly queues: Gh2ccQueues;
  readonly metrics: Gh2ccMetrics;
  /** Base URL of the HTTP server, when it runs. */
  readonly url?: string;
  readonly app?: HttpServer;
  /** Stops every part; current jobs get `graceMs` to finish before they are handed back. Idempotent. */
  close(graceMs: number): Promise<void>;
}

/**
 * Composes the long-running process: BullMQ workers, the job schedulers (org reconcile) and the HTTP server
 * (/healthz, /readyz, /metrics, GitHub's webhook deliveries and the status page; `gh2cc serve` is the HTTP
 * part alone). Each part can run alone, so small installs run one `gh2cc daemon` and large ones scale
 * `gh2cc worker` processes out.
 */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { config, log } = options;
  const redis = createRedis(options.redisUrl, 'gh2cc-daemon', { cluster: config.redis.cluster });
  const warnRedis = repeatLimitedWarn(log);
  // Errors are logged once and then every 30 s while they last; the end of an outage gets a line of its own.
  let outageSince: number | undefined;
  let outageErrors = 0;
  redis.on('error', (err: Error) => {
    outageSince ??= Date.now();
    outageErrors += 1;
    warnRedis(err.message, { err: err.message }, 'Redis connection error');
  });
  redis.on('ready', () => {
    if (outageSince === undefined) return;
    log.info({ downMs: Date.now() - outageSince, errors: outageErrors }, 'Redis reachable again');
    outageSince = undefined;
    outageErrors = 0;
  });
  let ctx: JobContext;
  try {
    ctx = createJobContext(config, log, redis, { lockDurationMs: options.lockDurationMs });
  } catch (err) {
    // A configuration error (say, no GitHub token) must not leave a Redis client keeping the process alive.
    redis.disconnect();
    throw err;
  }
  const queues = openQueues(redis, config.redis.prefix);
  const metrics = createMetrics(metricSources(queues, ctx.state, log));
  let workers: WorkerHandle | undefined;
  let app: HttpServer | undefined;
  let url: string | undefined;
  let webhook: { close(): void } | undefined;
  try {
    if (options.parts.worker) {
      if (options.startWorkers === undefined) throw new Error('no worker factory given');
      workers = options.startWorkers(ctx, queues, {
        onResult(result, final) {
          metrics.syncDuration.observe({ result: result.status }, result.durationMs / 1000);
          if (result.status === 'failed' && final)
            metrics.syncFailures.inc({ code: result.errorCode ?? 'internal' });
        },
      });
      await workers.ready();
    }
    if (options.parts.schedules) await upsertSchedules(queues, config, log);
    if (options.parts.http) {
      app = createHttpServer({
        log,
        metrics,
        trustProxy: config.server.trustProxy,
        readiness: async () => ({
          redis: await redis.ping().then(
            (r) => r === 'PONG',
            () => false,
          ),
          ...(workers === undefined ? {} : { workers: workers.running() }),
        }),
      });
      webhook = mountWebhook(app, { config, log, redis, queues, metrics });
      mountStatusPage(app, { config, log, state: ctx.state, queues });
      url = await listen(app, { host: config.server.host, port: config.server.port });
    }
  } catch (err) {
    await workers?.close(0);
    await app?.close();
    webhook?.close();
    await queues.close().catch(() => undefined);
    redis.disconnect();
    throw err;
  }
  log.info({ redis: redisSeedLabel(options.redisUrl), parts: options.parts, url }, 'gh2cc daemon running');
  let closing: Promise<void> | undefined;
  return {
    ctx,
    queues,
    metrics,
    ...(url === undefined ? {} : { url }),
    ...(app === undefined ? {} : { app }),
    close(graceMs) {
      closing ??= (async () => {
        // Stop answering first (readiness fails, load balancers move on), then let jobs finish.
        await app?.close().catch(() => undefined);
        webhook?.close();
        // With Redis unreachable a job can neither finish nor be handed back: waiting would only delay the exit.
        await workers?.close(redis.status === 'ready' ? graceMs : 0);
        // What the last jobs had to say goes out before the process ends (bounded by the notifier).
        await ctx.notifier.close();
        await Promise.race([queues.close(), new Promise((r) => setTimeout(r, 2000).unref())]).catch(
          () => undefined,
        );
        redis.disconnect();
      })();
      return closing;
    },
  };
}
