import type { Logger } from 'pino';
import { repeatLimitedWarn } from '../util/repeat-limited-log.ts';
import { filterFromConfig } from '../config/filter-from-config.ts';
import { ownerName, ownerOf } from '../config/owner-of.ts';
import type { Config } from '../config/schema.ts';
import { enqueueIamReconcile } from '../jobs/enqueue-iam.ts';
import { enqueueSync } from '../jobs/enqueue-sync.ts';
import { retryingJob } from '../jobs/job-options.ts';
import type { Gh2ccQueues } from '../jobs/open-queues.ts';
import { autoPipelined, type RedisClient } from '../queue/redis-connection.ts';
import { StateStore } from '../state/state-store.ts';
import type { HttpServer } from '../server/create-http-server.ts';
import type { Gh2ccMetrics } from '../server/create-metrics.ts';
import { DeliveryLog } from '../server/delivery-log.ts';
import { registerWebhookRoute } from '../server/webhook-route.ts';

/** The secrets accepted now: `webhook.secret`, comma-separated while one is being rotated. */
export function webhookSecrets(config: Config): string[] {
  return (config.webhook.secret ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Puts GitHub's webhook endpoint on the server, wired to the queues; off (with a warning) without a secret.
 * Returns what to close on shutdown: the endpoint's own Redis connection (auto-pipelined), if it opened one.
 */
export function mountWebhook(
  app: HttpServer,
  parts: {
    config: Config;
    log: Logger;
    redis: RedisClient;
    queues: Gh2ccQueues;
    metrics: Gh2ccMetrics;
  },
): { close(): void } {
  const { config, log, redis, queues, metrics } = parts;
  const secrets = webhookSecrets(config);
  if (secrets.length === 0) {
    log.warn(
      { path: config.webhook.path },
      'no webhook secret (GH2CC_WEBHOOK_SECRET or webhook.secret): the webhook endpoint is off',
    );
    return { close: () => undefined };
  }
  const jobOptions = retryingJob(config);
  // Claims and request marks go over a connection of their own that batches a turn's commands in one write
  // (about 8% more deliveries a second in `npm run bench -- webhook-ingest`); jobs go through BullMQ's.
  const fast = autoPipelined(redis, 'gh2cc-webhook');
  const warnRedis = repeatLimitedWarn(log);
  fast.on('error', (err: Error) =>
    warnRedis(err.message, { err: err.message }, 'Redis connection error (webhook)'),
  );
  const requests = new StateStore(fast, config.redis.prefix);
  registerWebhookRoute(app, {
    path: config.webhook.path,
    secrets,
    routing: { owner: ownerName(ownerOf(config)), filter: filterFromConfig(config) },
    deliveries: new DeliveryLog(fast, config.redis.prefix),
    // The main connection says whether Redis is there. The webhook's own may still be connecting right after
    // start: its commands wait in its offline queue (bounded by the enqueue timeout), never a 503 for that.
    redisReady: () => redis.status === 'ready',
    metrics,
    enqueue: {
      sync: async (source) => {
        await enqueueSync(
          queues.sync,
          requests,
          { owner: source.owner, repo: source.name, reason: 'webhook' },
          jobOptions,
        );
      },
      repository: async (change) => {
        await queues.reconcile.add('repository', { reason: 'webhook', change }, jobOptions);
      },
      iam: () => enqueueIamReconcile(queues.iam, 'webhook', jobOptions),
    },
  });
  log.info({ path: config.webhook.path, secrets: secrets.length }, 'webhook endpoint on');
  return { close: () => fast.disconnect() };
}
