import type { PushedRecord } from '../mirror/pushed-record.ts';
import type { RedisClient } from '../queue/redis-connection.ts';

export function pushedRecordKey(prefix: string, repo: string): string {
  return `${prefix}:pushed:${repo.toLowerCase()}`;
}

/** The record of pushed refs as one Redis hash per repository (ref → sha), under the hash-tagged prefix. */
export function redisPushedRecord(redis: RedisClient, prefix: string, repo: string): PushedRecord {
  const key = pushedRecordKey(prefix, repo);
  return {
    async load() {
      return new Map(Object.entries(await redis.hgetall(key)));
    },
    async save(changes) {
      const set: Record<string, string> = {};
      const forget: string[] = [];
      for (const [ref, sha] of changes) {
        if (sha === undefined) forget.push(ref);
        else set[ref] = sha;
      }
      const pipeline = redis.pipeline();
      if (Object.keys(set).length > 0) pipeline.hset(key, set);
      if (forget.length > 0) pipeline.hdel(key, ...forget);
      for (const [err] of (await pipeline.exec()) ?? []) if (err !== null) throw err;
    },
  };
}
