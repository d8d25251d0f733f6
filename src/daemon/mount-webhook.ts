import type { Logger } from 'pino';
import { filterFromConfig } from '../config/filter-from-config.ts';
import { ownerName, ownerOf } from '../config/owner-of.ts';
import type { Config } from '../config/schema.ts';
import { enqueueSync } from '../jobs/enqueue-sync.ts';
import type { JobContext } from '../jobs/job-context.ts';
import { retryingJob } from '../jobs/job-options.ts';
import type { Gh2ccQueues } from '../jobs/open-queues.ts';
import type { RedisClient } from '../queue/redis-connection.ts';
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

/** Puts GitHub's webhook endpoint on the server, wired to the queues; off (with a warning) without a secret. */
export function mountWebhook(
  app: HttpServer,
  parts: {
    config: Config;
    log: Logger;
    redis: RedisClient;
    ctx: JobContext;
    queues: Gh2ccQueues;
    metrics: Gh2ccMetrics;
  },
): void {
  const { config, log, redis, ctx, queues, metrics } = parts;
  const secrets = webhookSecrets(config);
  if (secrets.length === 0) {
    log.warn(
      { path: config.webhook.path },
      'no webhook secret (GH2CC_WEBHOOK_SECRET or webhook.secret): the webhook endpoint is off',
    );
    return;
  }
  const jobOptions = retryingJob(config);
  registerWebhookRoute(app, {
    path: config.webhook.path,
    secrets,
    routing: { owner: ownerName(ownerOf(config)), filter: filterFromConfig(config) },
    deliveries: new DeliveryLog(redis, config.redis.prefix),
    redisReady: () => redis.status === 'ready',
    metrics,
    enqueue: {
      sync: (source) =>
        enqueueSync(
          queues.sync,
          ctx.state,
          { owner: source.owner, repo: source.name, reason: 'webhook' },
          jobOptions,
        ),
      repository: async (change) => {
        await queues.reconcile.add('repository', { reason: 'webhook', change }, jobOptions);
      },
      // Team and membership changes: one IAM reconcile waits at a time, however many deliveries arrive.
      iam: async () => {
        await queues.iam.add('iam', { reason: 'webhook' }, { ...jobOptions, deduplication: { id: 'iam' } });
      },
    },
  });
  log.info({ path: config.webhook.path, secrets: secrets.length }, 'webhook endpoint on');
}
