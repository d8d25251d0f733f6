import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, redisSeedLabel, type RedisClient } from '../../src/queue/redis-connection.ts';
import { Gh2ccError } from '../../src/util/errors.ts';
import { createLogger } from '../../src/util/logger.ts';
import { clearSecrets } from '../../src/util/secrets.ts';
import { startRedis, type RedisService } from '../harness/services.ts';
import { whenWorkerHas } from '../helpers/when-worker-has.ts';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function configError(run: () => unknown): Gh2ccError {
  try {
    run();
  } catch (err) {
    if (err instanceof Gh2ccError) return err;
    throw err;
  }
  throw new Error('expected a Gh2ccError');
}

describe('createRedis: passwords', () => {
  let redis: RedisService | undefined;
  const clients: RedisClient[] = [];

  beforeAll(async () => {
    redis = await startRedis({ password: 's3cret' });
  });

  afterEach(() => clearSecrets());

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
    await redis?.stop();
  });

  it('authenticates with the URL password and never logs it', async () => {
    const url = `redis://:s3cret@127.0.0.1:${redis?.port ?? 0}`;
    const client = createRedis(url, 'test');
    clients.push(client);
    expect(await client.ping()).toBe('PONG');

    const out = capture();
    const log = createLogger({ destination: out.stream, level: 'debug' });
    log.info({ redis: redisSeedLabel(url) }, 'connected to Redis');
    log.info({ url }, 'raw URL in a field');
    log.info(`raw URL in a message: ${url}`);
    const text = out.text();
    expect(text).not.toContain('s3cret');
    expect(text).toContain(`redis://:***@127.0.0.1:${redis?.port ?? 0}`);
    expect(text.match(/\*\*redacted\*\*/g)?.length).toBe(2);
  });

  it('takes user:password and percent-encoded passwords', async () => {
    const client = createRedis(`redis://default:s3cret@127.0.0.1:${redis?.port ?? 0}`, 'test-user');
    clients.push(client);
    expect(await client.ping()).toBe('PONG');
    expect(redisSeedLabel('redis://u:p%40ss@h1:7000,redis://:p@ss@h2:7001,h3:7002')).toBe(
      'redis://u:***@h1:7000,redis://:***@h2:7001,h3:7002',
    );
    expect(redisSeedLabel('unix:///run/redis.sock?db=1&password=hunter22')).toBe(
      'unix:///run/redis.sock?db=1&password=***',
    );
  });

  it('never logs a wrong password, however short, from the error of the AUTH Redis refused', async () => {
    const url = `redis://:pw1@127.0.0.1:${redis?.port ?? 0}`;
    const client = createRedis(url, 'test-wrong-password', { failFast: true });
    const out = capture();
    const log = createLogger({ destination: out.stream, level: 'debug' });
    const refused = new Promise<Error>((resolve) => client.once('error', resolve));
    const err = await refused;
    client.disconnect();
    // ioredis attaches the refused command, with its arguments, to the error it emits.
    expect(JSON.stringify(err)).toContain('"pw1"');
    log.warn({ err }, 'worker error (Redis unreachable?)');
    const text = out.text();
    expect(text).toMatch(/WRONGPASS|invalid password|NOAUTH/i);
    expect(text).not.toContain('pw1');
    expect(text).toContain('"args":["**redacted**"]');
  });

  it('rejects an unusable URL with a config error that says how to fix it, without its password', () => {
    const scheme = configError(() => createRedis('http://127.0.0.1:6379', 'test'));
    expect(scheme.code).toBe('config');
    expect(scheme.retryable).toBe(false);
    expect(scheme.fix).toMatch(/redis:\/\//);

    const seeds = configError(() => createRedis('redis://:hunter22@h1:7000,h2:7001', 'test'));
    expect(seeds.code).toBe('config');
    expect(seeds.fix).toContain('redis.cluster');
    expect(seeds.message).not.toContain('hunter22');
    expect(seeds.message).toContain('***');
  });
});

describe('createRedis: a Redis restart', () => {
  const services: RedisService[] = [];
  const clients: RedisClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
    // The restarted server first, so the first one's stop removes the shared directory last.
    for (const s of services.reverse()) await s.stop();
  });

  it('loses no job when Redis is killed and restarted under a running worker', async () => {
    const first = await startRedis({ appendonly: true });
    services.push(first);
    const queueName = `restart-${randomUUID().slice(0, 8)}`;
    const prefix = '{gh2cc-test}';
    const connect = (name: string): RedisClient => {
      const client = createRedis(first.url, name);
      clients.push(client);
      return client;
    };
    const queue = new Queue<{ n: number }>(queueName, { connection: connect('test-queue'), prefix });
    const errors: string[] = [];
    queue.on('error', (err) => errors.push(err.message));
    // Paused, so the jobs are still waiting when Redis dies and the worker must reconnect to see them.
    await queue.pause();
    const done: number[] = [];
    const workerConnection = connect('test-worker');
    let reconnects = 0;
    workerConnection.on('reconnecting', () => (reconnects += 1));
    const worker = new Worker<{ n: number }>(queueName, (job) => Promise.resolve(job.data.n), {
      connection: workerConnection,
      prefix,
    });
    worker.on('error', (err) => errors.push(err.message));
    worker.on('completed', (job) => done.push(job.data.n));
    await worker.waitUntilReady();
    await queue.addBulk([1, 2, 3, 4, 5].map((n) => ({ name: 'job', data: { n } })));

    await first.kill('SIGKILL');
    services.push(await startRedis({ port: first.port, dir: first.dir, appendonly: true }));
    await queue.resume();

    await whenWorkerHas(
      worker,
      () => done.length === 5,
      15_000,
      () => `done=${done.join(',')}`,
    );
    expect(done.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(reconnects).toBeGreaterThan(0);
    await worker.close();
    await queue.close();
  }, 30_000);
});
