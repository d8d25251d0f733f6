import { Redis } from 'ioredis';
import { Gh2ccError } from '../util/errors.ts';

/**
 * gh2cc's keys all live under one hash tag (`redis.prefix`, default `{gh2cc}`), so every key a BullMQ script
 * touches lands in the same slot on Redis Cluster / ElastiCache cluster mode.
 */
export const DEFAULT_PREFIX = '{gh2cc}';

/** An ioredis connection as BullMQ workers need it (no per-command retry limit; BullMQ handles reconnects). */
export function createRedis(url: string, name: string): Redis {
  if (!/^(rediss?|unix):\/\//.test(url)) {
    throw new Gh2ccError('config', `not a Redis URL: ${url}`, {
      retryable: false,
      fix: 'use redis://HOST:PORT (or rediss:// for TLS)',
    });
  }
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    lazyConnect: false,
  });
}
