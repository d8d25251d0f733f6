import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoPipelined, createRedis, type RedisClient } from '../../src/queue/redis-connection.ts';
import { acquireRepoLock } from '../../src/queue/repo-lock.ts';
import { DeliveryLog } from '../../src/server/delivery-log.ts';
import { initialState } from '../../src/state/repo-state.ts';
import { StateStore } from '../../src/state/state-store.ts';
import { startRedisCluster, type RedisCluster } from '../harness/services.ts';
import { whenWorkerHas } from '../helpers/when-worker-has.ts';

interface TestJob {
  n: number;
}

describe('BullMQ and the repo lock on a 3-node Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  const clients: RedisClient[] = [];

  function connect(name: string): RedisClient {
    if (cluster === undefined) throw new Error('cluster not started');
    const client = createRedis(cluster.url, name, { cluster: true });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
    await cluster?.stop();
  });

  it('runs plain, deduplicated and scheduled jobs with no CROSSSLOT error', async () => {
    // A fresh hash tag per test: every key of this queue lands in one slot, whichever node owns it.
    const prefix = `{gh2cc-test-${randomUUID().slice(0, 8)}}`;
    const queueName = 'mirror';
    const queue = new Queue<TestJob>(queueName, { connection: connect('test-queue'), prefix });
    const errors: string[] = [];
    const completed: Job<TestJob>[] = [];
    queue.on('error', (err) => errors.push(`queue: ${err.message}`));

    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((r) => (openGate = r));
    let dedupActive: () => void = () => undefined;
    const firstDedupActive = new Promise<void>((r) => (dedupActive = r));
    const worker = new Worker<TestJob>(
      queueName,
      async (job) => {
        if (job.name === 'dedup') {
          dedupActive();
          // Hold the first deduplicated job active so later adds meet keepLastIfActive.
          await gate;
        }
        return job.data.n;
      },
      // A worker needs its own connection: BullMQ duplicates it for the blocking BZPOPMIN one.
      { connection: connect('test-worker'), prefix, concurrency: 4 },
    );
    worker.on('error', (err) => errors.push(`worker: ${err.message}`));
    worker.on('failed', (job, err) => errors.push(`job ${job?.id ?? '?'}: ${err.message}`));
    worker.on('completed', (job) => completed.push(job));
    const count = (name: string): number => completed.filter((j) => j.name === name).length;
    const seen = (): string =>
      `plain=${count('plain')} dedup=${count('dedup')} tick=${count('tick')} errors=${errors.join(' | ')}`;

    await queue.addBulk(Array.from({ length: 20 }, (_, n) => ({ name: 'plain', data: { n } })));
    await queue.add('plain', { n: 20 }, { jobId: 'custom-id' });

    const dedup = { deduplication: { id: 'same', keepLastIfActive: true } };
    await queue.add('dedup', { n: 1 }, dedup);
    await firstDedupActive;
    for (const n of [2, 3, 4]) await queue.add('dedup', { n }, dedup);
    openGate();

    await queue.upsertJobScheduler('tick', { every: 500 }, { name: 'tick', data: { n: -1 } });

    await whenWorkerHas(worker, () => count('plain') === 21 && count('dedup') === 2, 15_000, seen);
    // Stop the scheduler right as a tick completes, when its next run is still ~500 ms away (delayed, and
    // removed with it) rather than waiting or active.
    const ticks = count('tick');
    await whenWorkerHas(worker, () => count('tick') >= Math.max(2, ticks + 1), 5_000, seen);
    await queue.removeJobScheduler('tick');

    // While one job with the id was active, the three later adds collapsed into one: the last one's data.
    const dedupData = completed.filter((j) => j.name === 'dedup').map((j) => j.data.n);
    expect(dedupData).toEqual([1, 4]);
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
    expect(counts).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0, prioritized: 0 });
    expect(errors.join('\n')).not.toContain('CROSSSLOT');
    expect(errors).toEqual([]);

    await worker.close();
    await queue.close();
  }, 30_000);

  it('holds a repo lock across the cluster, in the same slot as the queue keys', async () => {
    const prefix = `{gh2cc-test-${randomUUID().slice(0, 8)}}`;
    const redis = connect('test-locks');
    const lock = await acquireRepoLock(redis, prefix, 'acme/widgets', 5000);
    expect(lock).toBeDefined();
    expect(await acquireRepoLock(redis, prefix, 'acme/widgets', 5000)).toBeUndefined();
    // A different repository is not blocked by it.
    const other = await acquireRepoLock(redis, prefix, 'acme/gadgets', 5000);
    expect(other).toBeDefined();

    const slotOf = (key: string): Promise<number> => redis.cluster('KEYSLOT', key);
    expect(await slotOf(lock?.key ?? '')).toBe(await slotOf(`${prefix}:mirror:id`));

    await lock?.release();
    await other?.release();
    const again = await acquireRepoLock(redis, prefix, 'acme/widgets', 5000);
    expect(again).toBeDefined();
    await again?.release();
  });

  it("claims webhook deliveries and marks requests over the webhook's auto-pipelined connection", async () => {
    const prefix = `{gh2cc-test-${randomUUID().slice(0, 8)}}`;
    const fast = autoPipelined(connect('test-plain'), 'test-webhook');
    clients.push(fast);
    const deliveries = new DeliveryLog(fast, prefix);
    const state = new StateStore(fast, prefix);
    // Issued in one turn, so they travel in one pipeline: each id is claimed exactly once.
    const claims = await Promise.all(['a', 'b', 'a', 'c', 'b'].map((id) => deliveries.claim(id)));
    expect(claims).toEqual([true, true, false, true, false]);
    await Promise.all([state.markRequested('acme/widgets', 1000), state.markRequested('acme/gadgets', 2000)]);
    expect(await fast.hgetall(`${prefix}:pending`)).toEqual({
      'acme/widgets': '1000',
      'acme/gadgets': '2000',
    });
    // The state's compare-and-set is a script on one key: it runs on the node that owns the slot.
    await state.put(initialState('acme/widgets', 'widgets'));
    const updated = await state.update('acme/widgets', (s) => ({ ...s, state: 'syncing' }));
    expect(updated?.after.state).toBe('syncing');
    expect((await state.get('acme/widgets'))?.state).toBe('syncing');
    // A rename's move touches seven keys in one script: all under the prefix's hash tag, so one slot.
    await state.pushHistory('acme/widgets', { at: 'then', result: 'migrated', refsPushed: 1, durationMs: 1 });
    const renamed = await state.rename('acme/widgets', (s) => ({ ...s, repo: 'acme/sprockets' }));
    expect(renamed?.after.repo).toBe('acme/sprockets');
    expect(await state.get('acme/widgets')).toBeUndefined();
    expect(await state.get('acme/sprockets')).toMatchObject({ state: 'syncing', pendingSince: 1000 });
    expect(await state.history('acme/sprockets')).toHaveLength(1);
  });
});
