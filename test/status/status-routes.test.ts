import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { metricSources } from '../../src/daemon/metric-sources.ts';
import { mountStatusPage } from '../../src/daemon/mount-status-page.ts';
import { openQueues, type Gh2ccQueues } from '../../src/jobs/open-queues.ts';
import { createRedis, type RedisClient } from '../../src/queue/redis-connection.ts';
import { createHttpServer, type HttpServer } from '../../src/server/create-http-server.ts';
import { createMetrics } from '../../src/server/create-metrics.ts';
import { initialState } from '../../src/state/repo-state.ts';
import { StateStore } from '../../src/state/state-store.ts';
import { ConfigError } from '../../src/util/errors.ts';
import { createLogger } from '../../src/util/logger.ts';

const redisUrl = inject('redisUrl');
const log = createLogger({ level: 'silent' });
const BASE_ENV = {
  GITHUB_TOKEN: 'ghp_status_routes_test',
  GH2CC_ORG: 'acme',
  AWS_REGION: 'eu-west-1',
};

/** The status page on an HTTP server as the daemon mounts it, on real Redis with a prefix of its own. */
describe('status page routes (gh2cc serve / daemon)', () => {
  const prefix = `{sr${randomBytes(4).toString('hex')}}`;
  let redis: RedisClient;
  let store: StateStore;
  let queues: Gh2ccQueues;
  const apps: HttpServer[] = [];

  function server(env: Record<string, string>): HttpServer {
    const config = loadConfig({ env: { ...BASE_ENV, GH2CC_REDIS_PREFIX: prefix, ...env } });
    const app = createHttpServer({
      log,
      metrics: createMetrics(metricSources(queues, store, log)),
      readiness: () => Promise.resolve({}),
    });
    mountStatusPage(app, { config, log, state: store, queues });
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    redis = createRedis(redisUrl, 'status-routes-test', { failFast: true });
    store = new StateStore(redis, prefix);
    queues = openQueues(redis, prefix);
    await store.putMany([
      { ...initialState('acme/api', 'api'), state: 'ok', lastSuccessAt: new Date().toISOString() },
      {
        ...initialState('acme/web', 'acme-web'),
        state: 'diverged',
        divergentRefs: ['refs/heads/"><svg onload=alert(1)>'],
        description: '</td></tr><script>alert(2)</script>',
      },
    ]);
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await queues.close();
    redis.disconnect();
  });

  it('is on by default at /, read-only, with a CSP, nosniff and its own stylesheet', async () => {
    const app = server({});
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toContain('href="/status.css"');
    expect(page.body).not.toMatch(/<script|style=|https?:\/\/(?!github\.com|eu-west-1\.console)/);
    expect(page.body).toContain('href="https://github.com/acme/web"');
    expect(page.body).toContain(
      'href="https://eu-west-1.console.aws.amazon.com/codesuite/codecommit/repositories/acme-web/browse?region=eu-west-1"',
    );
    expect(page.body).toContain('&lt;/td&gt;&lt;/tr&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(page.body).toContain('refs/heads/&quot;&gt;&lt;svg onload=alert(1)&gt;');
    const css = await app.inject({ url: '/status.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await app.inject({ method: 'POST', url: '/' })).statusCode).toBe(404);
  });

  it('answers 404 for a repository it does not mirror, with the name escaped', async () => {
    const app = server({});
    const res = await app.inject({ url: '/repos/acme/%3Cscript%3Ex' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('acme/&lt;script&gt;x is not mirrored');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('takes a bearer token, or the token as a basic-auth password; never from the URL', async () => {
    const token = randomBytes(20).toString('hex');
    const app = server({ GH2CC_STATUS_TOKEN: token });
    const denied = await app.inject({ url: '/' });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Basic realm="gh2cc"');
    expect((await app.inject({ url: `/?token=${token}` })).statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/', headers: { authorization: `Bearer ${token.slice(0, -1)}x` } }))
        .statusCode,
    ).toBe(401);
    expect((await app.inject({ url: '/', headers: { authorization: `bearer ${token}` } })).statusCode).toBe(
      200,
    );
    const basic = Buffer.from(`anyone:${token}`).toString('base64');
    const ok = await app.inject({ url: '/repos/acme/web', headers: { authorization: `Basic ${basic}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).not.toContain(token);
    // Health and metrics stay open to probes and scrapers.
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('takes basic-auth user and password', async () => {
    const app = server({ GH2CC_STATUS_USER: 'ops', GH2CC_STATUS_PASSWORD: 'correct horse battery' });
    const as = (u: string, p: string) =>
      app.inject({
        url: '/',
        headers: { authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` },
      });
    expect((await as('ops', 'correct horse battery')).statusCode).toBe(200);
    expect((await as('ops', 'correct horse batter')).statusCode).toBe(401);
    expect((await as('root', 'correct horse battery')).statusCode).toBe(401);
    expect((await app.inject({ url: '/', headers: { authorization: 'Basic !!!' } })).statusCode).toBe(401);
  });

  it('can be turned off (404) or moved under a path', async () => {
    const off = server({ GH2CC_STATUS_ENABLED: 'false' });
    expect((await off.inject({ url: '/' })).statusCode).toBe(404);
    expect((await off.inject({ url: '/repos/acme/web' })).statusCode).toBe(404);
    expect((await off.inject({ url: '/healthz' })).statusCode).toBe(200);

    const moved = server({ GH2CC_STATUS_PATH: '/status/' });
    expect((await moved.inject({ url: '/' })).statusCode).toBe(404);
    const redirect = await moved.inject({ url: '/status' });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers['location']).toBe('/status/');
    const page = await moved.inject({ url: '/status/?state=diverged' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/status/repos/acme/web"');
    expect(page.body).not.toContain('acme/api');
    expect((await moved.inject({ url: '/status/repos/acme/api' })).statusCode).toBe(200);
  });

  it('rejects half-configured basic auth and short tokens, naming the key', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig({ env: { ...BASE_ENV, ...env } });
        return [];
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.problems.map((p) => `${p.path}: ${p.message}`);
      }
    };
    expect(problems({ GH2CC_STATUS_USER: 'ops' })).toEqual([
      expect.stringMatching(/^status\.password: basic auth needs both/),
    ]);
    expect(problems({ GH2CC_STATUS_TOKEN: 'short' })).toEqual([
      expect.stringMatching(/^status\.token: at least 16 characters/),
    ]);
    expect(problems({ GH2CC_STATUS_PATH: 'status' })).toEqual([
      expect.stringMatching(/^status\.path: an absolute URL path/),
    ]);
  });
});
