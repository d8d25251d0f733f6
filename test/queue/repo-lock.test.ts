import { randomUUID } from 'node:crypto';
import { afterAll, expect, inject, it } from 'vitest';
import { acquireRepoLock } from '../../src/queue/repo-lock.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { eventually } from '../helpers/processes.ts';

const redis = createRedis(inject('redisUrl'), 'test-repo-lock');
afterAll(() => redis.quit());

it('a held lock is renewed past its TTL; one that lapsed and was taken by another holder says it is lost', async () => {
  const prefix = `{gh2cc-test-${randomUUID().slice(0, 8)}}`;
  const lock = await acquireRepoLock(redis, prefix, 'acme/widgets', 300);
  expect(lock).toBeDefined();
  // Three TTLs later it is still held: the renewals keep it.
  await new Promise((r) => setTimeout(r, 900));
  expect(lock?.lost.aborted).toBe(false);
  expect(await acquireRepoLock(redis, prefix, 'acme/widgets', 300)).toBeUndefined();

  // It lapses (as when Redis was away longer than the TTL) and another worker takes it.
  await redis.del(lock?.key ?? '');
  const other = await acquireRepoLock(redis, prefix, 'acme/widgets', 300);
  expect(other).toBeDefined();
  await eventually(() => lock?.lost.aborted === true, 2000, 'the first holder told it lost the lock');
  // The first holder's release does not free the other's lock.
  await lock?.release();
  expect(await acquireRepoLock(redis, prefix, 'acme/widgets', 300)).toBeUndefined();
  expect(other?.lost.aborted).toBe(false);
  await other?.release();
});
