import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { ListingCache } from '../github/list-source-repos.ts';
import { createMirrorContext } from '../mirror/mirror-context.ts';
import { createNotifier } from '../sns/create-notifier.ts';
import type { RedisClient } from '../queue/redis-connection.ts';
import { StateStore } from '../state/state-store.ts';
import type { JobContext } from './job-context.ts';

export function createJobContext(
  config: Config,
  log: Logger,
  redis: RedisClient,
  options: { lockDurationMs: number },
): JobContext {
  const mirror = createMirrorContext(config, log);
  return {
    ...mirror,
    notifier: createNotifier(config, mirror.awsCredentials, log),
    redis,
    prefix: config.redis.prefix,
    state: new StateStore(redis, config.redis.prefix),
    lockDurationMs: options.lockDurationMs,
    listings: new ListingCache(),
  };
}
