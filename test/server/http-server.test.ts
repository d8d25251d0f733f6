import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpServer,
  type HttpServer,
  type ReadinessChecks,
} from '../../src/server/create-http-server.ts';
import {
  createMetrics,
  type Gh2ccMetrics,
  type MetricSources,
  type QueueJobCounts,
} from '../../src/server/create-metrics.ts';
import { listen } from '../../src/server/listen.ts';
import { createLogger } from '../../src/util/logger.ts';

// One sample line of the Prometheus text format: name, optional labels, value, optional timestamp.
const SAMPLE_LINE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (NaN|[+-]Inf|[-+]?[0-9.]+([eE][-+]?[0-9]+)?)( -?[0-9]+)?$/;
const COMMENT_LINE = /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]*( .*)?$/;

describe('HTTP server', () => {
  const log = createLogger({ level: 'silent' });
  // Each test swaps in the behaviour it needs; the server reads these at request time.
  let readiness: (signal: AbortSignal) => Promise<ReadinessChecks> = () => Promise.resolve({});
  let sources: Omit<MetricSources, 'log'>;
  let metrics: Gh2ccMetrics;
  let app: HttpServer;
  let base: string;

  function resetSources(): void {
    sources = {
      queueCounts: () =>
        Promise.resolve<QueueJobCounts[]>([
          { queue: 'sync', counts: { waiting: 3, active: 1, delayed: 0, failed: 2 } },
          { queue: 'reconcile', counts: { waiting: 0, active: 1 } },
        ]),
      reposInDrift: () => Promise.resolve(4),
      oldestSuccessAgeSeconds: () => Promise.resolve(90),
      reposByState: () => Promise.resolve({ mirrored: 10, failed: 1 }),
    };
  }

  beforeAll(async () => {
    resetSources();
    metrics = createMetrics({
      queueCounts: () => sources.queueCounts(),
      reposInDrift: () => sources.reposInDrift(),
      oldestSuccessAgeSeconds: () => sources.oldestSuccessAgeSeconds(),
      reposByState: () => sources.reposByState(),
      log,
    });
    app = createHttpServer({ log, metrics, readiness: (signal) => readiness(signal) });
    base = await listen(app, { host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app.close();
  });

  it('listens on the URL it returns', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(base).not.toMatch(/:0$/);
  });

  it('answers /healthz with 200 ok', async () => {
    readiness = () => Promise.reject(new Error('liveness must not depend on readiness'));
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when every check passes', async () => {
    readiness = () => Promise.resolve({ redis: true, queue: true });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { redis: true, queue: true } });
  });

  it('answers /readyz with 503 naming the check that failed', async () => {
    readiness = () => Promise.resolve({ redis: false, queue: true });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', checks: { redis: false, queue: true } });
  });

  it('answers /readyz with 503 when the readiness check throws', async () => {
    readiness = () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379'));
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', checks: { readiness: false } });
  });

  it('answers /readyz with 503 when the readiness check hangs, and tells the check to stop', async () => {
    let aborted!: Promise<void>;
    readiness = (signal) => {
      aborted = new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
      return new Promise(() => {});
    };
    const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2500) });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', checks: { readiness: false } });
    await aborted;
  });

  describe('/metrics', () => {
    async function scrape(): Promise<string> {
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      return res.text();
    }

    it('serves parseable Prometheus text with default process metrics', async () => {
      resetSources();
      const text = await scrape();
      const lines = text.split('\n').filter((line) => line !== '');
      for (const line of lines) {
        expect(line, line).toMatch(line.startsWith('#') ? COMMENT_LINE : SAMPLE_LINE);
      }
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    });

    it('reports sync durations and failures recorded by the caller', async () => {
      metrics.syncDuration.observe({ result: 'migrated' }, 1.2);
      metrics.syncFailures.inc({ code: 'auth' });
      const text = await scrape();
      expect(text).toContain('gh2cc_sync_duration_seconds_count{result="migrated"} 1');
      expect(text).toContain('gh2cc_sync_duration_seconds_sum{result="migrated"} 1.2');
      expect(text).toContain('gh2cc_sync_duration_seconds_bucket{le="1",result="migrated"} 0');
      expect(text).toContain('gh2cc_sync_duration_seconds_bucket{le="2.5",result="migrated"} 1');
      expect(text).toContain('gh2cc_sync_duration_seconds_bucket{le="+Inf",result="migrated"} 1');
      expect(text).toContain('gh2cc_sync_failures_total{code="auth"} 1');
    });

    it('reads queue, drift, age and repo gauges from the sources at scrape time', async () => {
      resetSources();
      let text = await scrape();
      expect(text).toContain('gh2cc_queue_jobs{queue="sync",state="waiting"} 3');
      expect(text).toContain('gh2cc_queue_jobs{queue="sync",state="failed"} 2');
      expect(text).toContain('gh2cc_queue_jobs{queue="reconcile",state="active"} 1');
      expect(text).toContain('gh2cc_repos_in_drift 4');
      expect(text).toContain('gh2cc_oldest_successful_sync_age_seconds 90');
      expect(text).toContain('gh2cc_repos{state="mirrored"} 10');
      expect(text).toContain('gh2cc_repos{state="failed"} 1');

      sources.queueCounts = () => Promise.resolve([{ queue: 'sync', counts: { waiting: 7 } }]);
      sources.oldestSuccessAgeSeconds = () => Promise.resolve(undefined);
      text = await scrape();
      expect(text).toContain('gh2cc_queue_jobs{queue="sync",state="waiting"} 7');
      // A queue the source no longer reports is no longer exported.
      expect(text).not.toContain('queue="reconcile"');
      // Before any successful sync there is no age to report.
      expect(text).toContain('# TYPE gh2cc_oldest_successful_sync_age_seconds gauge');
      expect(text).not.toMatch(/^gh2cc_oldest_successful_sync_age_seconds /m);
    });

    it('still serves the other metrics when a source throws', async () => {
      resetSources();
      await scrape();
      sources.queueCounts = () => Promise.reject(new Error('redis down'));
      sources.reposInDrift = () => Promise.reject(new Error('state store down'));
      sources.reposByState = () => Promise.resolve({ mirrored: 11 });
      const text = await scrape();
      expect(text).toContain('gh2cc_repos{state="mirrored"} 11');
      expect(text).toContain('gh2cc_oldest_successful_sync_age_seconds 90');
      expect(text).toContain('# TYPE gh2cc_queue_jobs gauge');
      expect(text).toContain('# TYPE gh2cc_repos_in_drift gauge');
    });
  });

  it('answers unknown paths with a 404', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});

describe('request log', () => {
  it('logs each request once, at debug, under component http', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({
      level: 'debug',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const metrics = createMetrics({
      queueCounts: () => Promise.resolve([]),
      reposInDrift: () => Promise.resolve(0),
      oldestSuccessAgeSeconds: () => Promise.resolve(undefined),
      reposByState: () => Promise.resolve({}),
    });
    const app = createHttpServer({ log, metrics, readiness: () => Promise.resolve({}) });
    try {
      const base = await listen(app, { host: '127.0.0.1', port: 0 });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await app.close();
    }
    const requestLines = lines.filter((line) => line.url === '/healthz');
    expect(requestLines).toEqual([
      expect.objectContaining({ level: 20, component: 'http', method: 'GET', statusCode: 200 }),
    ]);
  });
});

describe('closing', () => {
  it('can be closed twice, and stops answering', async () => {
    const log = createLogger({ level: 'silent' });
    const metrics = createMetrics({
      queueCounts: () => Promise.resolve([]),
      reposInDrift: () => Promise.resolve(0),
      oldestSuccessAgeSeconds: () => Promise.resolve(undefined),
      reposByState: () => Promise.resolve({}),
    });
    const app = createHttpServer({ log, metrics, readiness: () => Promise.resolve({}) });
    const base = await listen(app, { host: '127.0.0.1', port: 0 });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await Promise.all([app.close(), app.close()]);
    await app.close();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});

describe('HTTP server logs', () => {
  it("logs a client's mistake as one info line without a stack, and a failure of ours as an error with it", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().trimEnd().split('\n'))
          lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const log = pino({ level: 'info' }, sink);
    const metrics = createMetrics({
      queueCounts: () => Promise.resolve([]),
      reposInDrift: () => Promise.resolve(0),
      oldestSuccessAgeSeconds: () => Promise.resolve(undefined),
      reposByState: () => Promise.resolve({}),
      log,
    });
    const app = createHttpServer({ log, metrics, readiness: () => Promise.resolve({}) });
    app.post('/echo', (request, reply) => reply.send(request.body));
    app.get('/boom', () => Promise.reject(new Error('ours')));
    const base = await listen(app, { host: '127.0.0.1', port: 0 });
    try {
      const refused = await fetch(`${base}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: '<a/>',
      });
      expect(refused.status).toBe(415);
      expect((await fetch(`${base}/boom`)).status).toBe(500);
    } finally {
      await app.close();
    }
    const client = lines.filter((l) => l['statusCode'] === 415);
    expect(client).toHaveLength(1);
    expect(client[0]).toMatchObject({ level: 30, msg: 'request refused', url: '/echo' });
    expect(String(client[0]?.['reason'])).toMatch(/media type/i);
    expect(JSON.stringify(client[0])).not.toContain('"stack"');
    const ours = lines.filter((l) => l['level'] === 50);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ res: { statusCode: 500 }, err: { message: 'ours' } });
    expect(JSON.stringify(ours[0])).toContain('"stack"');
  });
});
