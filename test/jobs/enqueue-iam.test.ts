import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { afterAll, expect, inject, it } from 'vitest';
import { enqueueIamReconcile } from '../../src/jobs/enqueue-iam.ts';
import type { IamJobData } from '../../src/jobs/queues.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { whenWorkerHas } from '../helpers/when-worker-has.ts';

const redisUrl = inject('redisUrl');
const queueConnection = createRedis(redisUrl, 'test-iam-queue');
const workerConnection = createRedis(redisUrl, 'test-iam-worker');
afterAll(() => Promise.all([queueConnection.quit(), workerConnection.quit()]));

it('IAM reconcile requests made while one runs are followed by exactly one more run', async () => {
  const prefix = `{gh2cc-test-${randomUUID().slice(0, 8)}}`;
  const queue = new Queue<IamJobData>('iam', { connection: queueConnection, prefix });
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((r) => (openGate = r));
  let running: () => void = () => undefined;
  const firstRunning = new Promise<void>((r) => (running = r));
  const runs: Array<Job<IamJobData>> = [];
  const worker = new Worker<IamJobData>(
    'iam',
    async (job) => {
      runs.push(job);
      if (runs.length === 1) {
        running();
        // The first reconcile has read GitHub and is still working when the next changes are delivered.
        await gate;
      }
    },
    { connection: workerConnection, prefix },
  );
  try {
    await enqueueIamReconcile(queue, 'webhook', {});
    await firstRunning;
    for (let i = 0; i < 5; i += 1) await enqueueIamReconcile(queue, 'webhook', {});
    openGate();
    await whenWorkerHas(
      worker,
      () => runs.length >= 2,
      10_000,
      () => `${runs.length} runs`,
    );
    // Nothing more is waiting: five requests during the first run cost one run after it.
    expect(await queue.getJobCounts('waiting', 'active', 'delayed')).toMatchObject({
      waiting: 0,
      active: 0,
      delayed: 0,
    });
    expect(runs).toHaveLength(2);
  } finally {
    await worker.close();
    await queue.close();
  }
});
