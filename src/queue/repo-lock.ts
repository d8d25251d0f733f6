import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface RepoLock {
  readonly key: string;
  release(): Promise<void>;
}

/**
 * One holder per repository across every worker on every host: a Redis key with a random token and a TTL,
 * renewed while held. A worker that dies stops renewing, and its lock lapses after `ttlMs`.
 */
export async function acquireRepoLock(
  redis: Redis,
  prefix: string,
  repo: string,
  ttlMs: number,
): Promise<RepoLock | undefined> {
  const key = `${prefix}:lock:repo:${repo}`;
  const token = randomUUID();
  const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (ok !== 'OK') return undefined;
  const timer = setInterval(
    () => {
      redis.eval(RENEW, 1, key, token, String(ttlMs)).catch(() => undefined);
    },
    Math.max(100, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    key,
    async release() {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
