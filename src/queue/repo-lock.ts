import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-connection.ts';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface RepoLock {
  readonly key: string;
  /**
   * Aborted when a renewal finds the lock no longer this holder's (it lapsed — Redis was away longer than its
   * TTL, say — and perhaps another worker took it): the work done under it should stop.
   */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/**
 * One holder per repository across every worker on every host: a Redis key with a random token and a TTL,
 * renewed while held. A worker that dies stops renewing, and its lock lapses after `ttlMs`.
 *
 * The key sits under `prefix` (a hash tag such as `{gh2cc}`), so on Redis Cluster it shares a slot with
 * gh2cc's BullMQ keys and the lock follows the queue when slots move.
 */
export async function acquireRepoLock(
  redis: RedisClient,
  prefix: string,
  repo: string,
  ttlMs: number,
): Promise<RepoLock | undefined> {
  const key = `${prefix}:lock:repo:${repo}`;
  const token = randomUUID();
  const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (ok !== 'OK') return undefined;
  const lost = new AbortController();
  const timer = setInterval(
    () => {
      // A renewal that fails to reach Redis says nothing yet (the TTL may still hold); one Redis refuses does.
      redis.eval(RENEW, 1, key, token, String(ttlMs)).then(
        (renewed) => {
          if (renewed === 0 && !lost.signal.aborted) {
            clearInterval(timer);
            lost.abort(new Error(`lost the lock ${key}`));
          }
        },
        () => undefined,
      );
    },
    Math.max(100, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    key,
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
