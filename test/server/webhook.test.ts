import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import examples from '@octokit/webhooks-examples/api.github.com/index.json' with { type: 'json' };
import { GetRepositoryCommand } from '@aws-sdk/client-codecommit';
import { Octokit } from '@octokit/rest';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { startDaemon, type RunningDaemon } from '../../src/daemon/start-daemon.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { writeFile } from 'node:fs/promises';
import { gitAuthEnv } from '../../src/git/git-auth.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { startRedis, type RedisService } from '../harness/services.ts';
import { tempDir } from '../helpers/git.ts';
import { bothSides, codecommitClient, codecommitTags, sameRefs } from '../helpers/mirror-checks.ts';
import { eventually, gh2cc, type RunningProcess } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const ORG = 'Octocoders';
const OLD_SECRET = `old-${randomBytes(8).toString('hex')}`;
const NEW_SECRET = `new-${randomBytes(8).toString('hex')}`;

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}

/** The examples' repositories belong to Codertocat or Octocoders; all are moved to the configured org. */
function forOrg(payload: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(payload) as {
    repository?: { owner?: { login?: string }; full_name?: string };
  };
  if (copy.repository?.owner?.login === 'Codertocat') {
    copy.repository.owner.login = ORG;
    copy.repository.full_name = `${ORG}/${copy.repository.full_name?.split('/')[1] ?? ''}`;
  }
  return copy;
}

type Expected = 'sync' | 'repository' | 'iam' | 'ping' | 'none';

/** What gh2cc must do with each example, written out independently of the routing code. */
function expected(event: string, payload: Record<string, unknown>): Expected {
  const action = payload['action'] as string | undefined;
  if (event === 'ping') return 'ping';
  if (event === 'push' || event === 'create' || event === 'delete') return 'sync';
  if (event === 'repository') return 'repository';
  if (event === 'team' || event === 'membership' || event === 'member') return 'iam';
  if (event === 'organization')
    return action === 'member_added' || action === 'member_removed' ? 'iam' : 'none';
  return 'none';
}

describe('webhook endpoint', { timeout: 180_000 }, () => {
  let redis: RedisService;
  let daemon: RunningDaemon;
  let base: string;

  async function post(
    body: string | Buffer,
    headers: Record<string, string>,
    path = '/webhooks/github',
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { text };
    }
    return { status: res.status, json };
  }

  async function deliver(
    event: string,
    payload: unknown,
    options: { secret?: string; id?: string; form?: boolean } = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const json = JSON.stringify(payload);
    const body = options.form === true ? `payload=${encodeURIComponent(json)}` : json;
    return post(body, {
      'content-type': options.form === true ? 'application/x-www-form-urlencoded' : 'application/json',
      'x-github-event': event,
      'x-github-delivery': options.id ?? randomUUID(),
      'x-hub-signature-256': await sign(options.secret ?? NEW_SECRET, body),
    });
  }

  async function jobs(): Promise<{ sync: number; repository: number; iam: number; data: unknown[] }> {
    const states = ['waiting', 'delayed', 'prioritized', 'active', 'waiting-children'] as const;
    const [sync, reconcile, iam] = await Promise.all([
      daemon.queues.sync.getJobs([...states]),
      daemon.queues.reconcile.getJobs([...states]),
      daemon.queues.iam.getJobs([...states]),
    ]);
    return {
      sync: sync.length,
      repository: reconcile.filter((j) => j.name === 'repository').length,
      iam: iam.length,
      data: [...sync, ...reconcile, ...iam].map((j) => j.data),
    };
  }

  async function clearQueues(): Promise<void> {
    for (const q of [daemon.queues.sync, daemon.queues.reconcile, daemon.queues.iam])
      await q.obliterate({ force: true });
  }

  beforeAll(async () => {
    redis = await startRedis();
    const work = await tempDir('gh2cc-webhook-');
    const env = {
      GH2CC_ORG: ORG,
      GITHUB_TOKEN: 'ghp_webhooktest',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAWEBHOOKTEST',
      AWS_SECRET_ACCESS_KEY: 'webhook-test-secret',
      REDIS_URL: redis.url,
      GH2CC_CACHE_DIR: join(work, 'cache'),
      GH2CC_WEBHOOK_SECRET: `${OLD_SECRET},${NEW_SECRET}`,
      GH2CC_PORT: '0',
      GH2CC_HOST: '127.0.0.1',
    };
    daemon = await startDaemon({
      config: loadConfig({ env, file: { migrate: { exclude: ['excluded-*'] } } }),
      log: createLogger({ level: 'silent' }),
      redisUrl: redis.url,
      lockDurationMs: 30_000,
      parts: { worker: false, schedules: false, http: true },
    });
    base = daemon.url ?? '';
  });

  afterAll(async () => {
    await daemon?.close(0);
    await redis?.stop();
  });

  beforeEach(clearQueues);

  it('turns every event of @octokit/webhooks-examples into the expected job, or none', async () => {
    const wanted = ['ping', 'push', 'create', 'delete', 'repository', 'team', 'membership', 'member'];
    const all = (examples as Example[]).filter((e) => wanted.includes(e.name) || e.name === 'organization');
    // Events gh2cc does not use must enqueue nothing: a sample of them.
    const unused = (examples as Example[]).filter((e) => ['issues', 'pull_request', 'star'].includes(e.name));
    // The examples have no archived, unarchived or deleted repository events: made from a created one.
    const created = all.find((e) => e.name === 'repository')?.examples.find((p) => p['action'] === 'created');
    expect(created).toBeDefined();
    const extra = ['archived', 'unarchived', 'deleted'].map((action) => ({ ...created, action }));
    const cases = [
      ...all.flatMap((e) => e.examples.map((p) => [e.name, p] as const)),
      ...unused.flatMap((e) => e.examples.slice(0, 3).map((p) => [e.name, p] as const)),
      ...extra.map((p) => ['repository', p] as const),
    ];
    let checked = 0;
    for (const [event, raw] of cases) {
      const payload = forOrg(raw);
      const want = expected(event, payload);
      const res = await deliver(event, payload);
      const found = await jobs();
      const what = `${event} ${typeof payload['action'] === 'string' ? payload['action'] : ''}`;
      if (want === 'ping') expect(res.status, what).toBe(200);
      else expect(res.status, `${what}: ${JSON.stringify(res.json)}`).toBe(202);
      expect({ what, sync: found.sync, repository: found.repository, iam: found.iam }).toEqual({
        what,
        sync: want === 'sync' ? 1 : 0,
        repository: want === 'repository' ? 1 : 0,
        iam: want === 'iam' ? 1 : 0,
      });
      if (want === 'sync')
        expect(found.data[0]).toMatchObject({ owner: ORG, repo: 'Hello-World', reason: 'webhook' });
      // Job data holds identifiers and plain fields, never a secret.
      expect(JSON.stringify(found.data)).not.toMatch(/ghp_|webhook-test-secret|old-|new-/);
      await clearQueues();
      checked += 1;
    }
    console.log(`webhook examples: ${checked} deliveries checked`);
    expect(checked).toBeGreaterThan(50);
  });

  it('routes repository changes: renamed names the old repo, deleted and transferred away stop mirroring', async () => {
    const repo = { id: 7, name: 'new-name', full_name: `${ORG}/new-name`, owner: { login: ORG } };
    await deliver('repository', {
      action: 'renamed',
      repository: repo,
      changes: { repository: { name: { from: 'old-name' } } },
    });
    await deliver('repository', { action: 'deleted', repository: repo });
    await deliver('repository', {
      action: 'transferred',
      repository: { ...repo, full_name: 'someone-else/new-name', owner: { login: 'someone-else' } },
      changes: { owner: { from: { organization: { login: ORG } } } },
    });
    const changes = (await jobs()).data.map((d) => (d as { change: unknown }).change);
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'renamed', from: `${ORG}/old-name` }),
        { action: 'gone', repo: `${ORG}/new-name`, why: 'deleted on GitHub' },
        { action: 'gone', repo: `${ORG}/new-name`, why: 'transferred to someone-else on GitHub' },
      ]),
    );
  });

  it('enqueues nothing for another owner, a filtered-out repo or an unmirrored ref', async () => {
    const push = (full: string, ref = 'refs/heads/main') => ({
      ref,
      repository: { name: full.split('/')[1], full_name: full, owner: { login: full.split('/')[0] } },
    });
    for (const [payload, reason] of [
      [push('someone-else/x'), /another owner/],
      [push(`${ORG}/excluded-repo`), /filters/],
      [push(`${ORG}/kept`, 'refs/notes/commits'), /not mirrored/],
    ] as const) {
      const res = await deliver('push', payload);
      expect(res.status).toBe(202);
      expect(String(res.json['reason'])).toMatch(reason);
    }
    expect((await jobs()).sync).toBe(0);
  });

  it('accepts a form-encoded delivery (payload= field) signed over the raw form body', async () => {
    const res = await deliver(
      'push',
      {
        ref: 'refs/heads/main',
        repository: { name: 'formed', full_name: `${ORG}/formed`, owner: { login: ORG } },
      },
      { form: true },
    );
    expect(res.status).toBe(202);
    expect((await jobs()).data).toEqual([expect.objectContaining({ repo: 'formed' })]);
  });

  it('refuses bad signatures, headers, bodies, content types and sizes with nothing enqueued', async () => {
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      repository: { name: 'r', full_name: `${ORG}/r`, owner: { login: ORG } },
    });
    const good = {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': await sign(NEW_SECRET, body),
    };
    const { ['x-hub-signature-256']: _sig, ...unsigned } = good;
    const { ['x-github-event']: _ev, ...noEvent } = good;
    const { ['x-github-delivery']: _id, ...noDelivery } = good;
    expect((await post(body, unsigned)).status).toBe(401);
    expect((await post(body, { ...good, 'x-hub-signature-256': await sign('wrong', body) })).status).toBe(
      401,
    );
    expect((await post(body, { ...good, 'x-hub-signature-256': 'sha256=00' })).status).toBe(401);
    expect((await post(`${body} `, good)).status).toBe(401);
    expect((await post(body, noEvent)).status).toBe(400);
    expect((await post(body, noDelivery)).status).toBe(400);
    const bad = '{"ref": ';
    expect((await post(bad, { ...good, 'x-hub-signature-256': await sign(NEW_SECRET, bad) })).status).toBe(
      400,
    );
    expect((await post(body, { ...good, 'content-type': 'text/plain' })).status).toBe(415);
    const huge = Buffer.alloc(25 * 1024 * 1024 + 10, 0x20);
    expect((await post(huge, good)).status).toBe(413);
    expect(await jobs()).toMatchObject({ sync: 0, repository: 0, iam: 0 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/gh2cc_webhook_signature_failures_total [1-9]/);
  });

  it('does no work twice for a redelivered id, and takes both secrets while rotating', async () => {
    const change = {
      action: 'created',
      repository: { id: 9, name: 'fresh', full_name: `${ORG}/fresh`, owner: { login: ORG } },
    };
    const id = randomUUID();
    expect((await deliver('repository', change, { id, secret: OLD_SECRET })).json).toMatchObject({
      status: 'queued',
    });
    expect((await deliver('repository', change, { id, secret: NEW_SECRET })).json).toMatchObject({
      status: 'duplicate',
    });
    expect((await jobs()).repository).toBe(1);
    expect((await deliver('repository', change, { secret: 'neither' })).status).toBe(401);
    expect((await deliver('repository', change, { secret: NEW_SECRET })).status).toBe(202);
    expect((await jobs()).repository).toBe(2);
  });

  it('survives 1,000 random bodies and header sets: no 5xx, nothing enqueued without a valid signature', async () => {
    const events = ['push', 'create', 'delete', 'repository', 'team', 'ping', 'issues', '', 'x'.repeat(300)];
    const types = [
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'application/json; charset=utf-8',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a).toString('latin1')),
        ),
        fc.constantFrom(...events),
        fc.constantFrom(...types),
        fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
        fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
        async (body, event, type, signature, delivery) => {
          const headers: Record<string, string> = { 'content-type': type, 'x-github-event': event };
          if (signature !== undefined) headers['x-hub-signature-256'] = signature;
          if (delivery !== undefined) headers['x-github-delivery'] = delivery;
          let res;
          try {
            res = await post(body, headers);
          } catch (err) {
            // fetch itself refuses header values it cannot send: not a request the server saw.
            if (err instanceof TypeError) return;
            throw err;
          }
          expect(res.status).toBeLessThan(500);
          expect(res.status).not.toBe(202);
        },
      ),
      { numRuns: 1000 },
    );
    expect(await jobs()).toMatchObject({ sync: 0, repository: 0, iam: 0 });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers 503 while Redis is unreachable, and queues again once it is back', async () => {
    const payload = {
      ref: 'refs/heads/main',
      repository: { name: 'r', full_name: `${ORG}/r`, owner: { login: ORG } },
    };
    const id = randomUUID();
    await redis.kill('SIGTERM');
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect((await deliver('push', payload, { id })).status).toBe(503);
      // A scrape and the status page answer too (metrics keep their last values; the page says why), rather
      // than hang until Redis is back.
      const scrape = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(15_000) });
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('gh2cc_repos_in_drift');
      const page = await fetch(`${base}/`, { signal: AbortSignal.timeout(15_000) });
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('The mirror state cannot be read right now');
    } finally {
      redis = await startRedis({ port: redis.port, dir: redis.dir });
    }
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < deadline && status !== 202) {
      status = (await deliver('push', payload, { id })).status;
      if (status !== 202) await new Promise((r) => setTimeout(r, 200));
    }
    // The same delivery id, redelivered after the outage, is acted on: the 503 did not claim it.
    expect(status).toBe(202);
    expect((await jobs()).sync).toBe(1);
  });
});

describe(
  'webhook end to end: a git push to GitHub reaches CodeCommit through a signed delivery',
  { timeout: 180_000 },
  () => {
    let sandbox: RunningSandbox;
    let daemon: RunningProcess | undefined;
    let hookUrl = '';

    afterAll(async () => {
      daemon?.child.kill('SIGTERM');
      await daemon?.exited;
      await sandbox?.close();
    });

    /** A signed delivery straight to the daemon (not through the sandbox's own webhooks). */
    async function deliver(event: string, payload: unknown): Promise<number> {
      const body = JSON.stringify(payload);
      const res = await fetch(hookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': event,
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': await sign(sandbox.info.github.webhookSecret, body),
        },
        body,
      });
      return res.status;
    }

    it('syncs on the push webhook alone, and prints the latency', async () => {
      const work = await tempDir('gh2cc-webhook-e2e-');
      sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
      await seedOrg(sandbox.githubDir, 'hooks', [{ name: 'web', commits: 3, branches: 1, tags: 1 }]);
      const env = {
        ...sandbox.info.env,
        GH2CC_ORG: 'hooks',
        REDIS_URL: inject('redisUrl'),
        GH2CC_REDIS_PREFIX: `{w${randomBytes(4).toString('hex')}}`,
        GH2CC_CACHE_DIR: join(work, 'cache'),
        // No reconcile or drift run during the test: only the webhook can bring the commits across.
        GH2CC_RECONCILE_EVERY: '0 0 1 1 *',
        GH2CC_DRIFT_EVERY: '0 0 1 1 *',
        GH2CC_PORT: '0',
        GH2CC_HOST: '127.0.0.1',
      };
      const proc = gh2cc(['daemon'], env);
      daemon = proc;
      await eventually(() => proc.stderr().includes('"msg":"ready"'), 60_000, 'the daemon to be ready');
      const url = /"url":"(http:[^"]+)"/.exec(proc.stderr())?.[1];
      expect(url).toBeDefined();
      hookUrl = `${url ?? ''}/webhooks/github`;
      sandbox.setWebhookUrl(hookUrl);

      const gitUrl = `${sandbox.info.github.apiUrl.replace('/api/v3', '')}/hooks/web.git`;
      const auth = gitAuthEnv(
        { username: 'x-access-token', password: sandbox.info.github.token },
        {
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      );
      await runGit(work, ['clone', '--quiet', gitUrl, 'w'], { env: auth });
      const dir = join(work, 'w');
      const pushOne = async (n: number): Promise<{ sha: string; at: number }> => {
        await writeFile(join(dir, `f${n}.txt`), `${n}\n`);
        await runGit(dir, ['add', '-A'], { env: auth });
        await runGit(dir, ['commit', '--quiet', '-m', `change ${n}`], { env: auth });
        const at = performance.now();
        await runGit(dir, ['push', '--quiet', 'origin', 'HEAD:main'], { env: auth });
        return { sha: (await runGit(dir, ['rev-parse', 'HEAD'])).stdout.trim(), at };
      };
      // Read on the sandbox CodeCommit's disk: polling through a credential helper process would add its own
      // start-up time to every measurement.
      const onCodecommit = async (sha: string): Promise<boolean> =>
        (
          await runGit(
            work,
            [
              '--git-dir',
              join(sandbox.codecommitDir, 'repos', 'web.git'),
              'rev-parse',
              '-q',
              '--verify',
              'refs/heads/main',
            ],
            {
              check: false,
            },
          )
        ).stdout.trim() === sha;

      // The first push mirrors the repository (created on CodeCommit by the sync), the next ones are incremental.
      const first = await pushOne(1);
      await eventually(() => onCodecommit(first.sha), 60_000, 'the first webhook sync');
      const latencies: number[] = [];
      for (let n = 2; n <= 4; n += 1) {
        const pushed = await pushOne(n);
        const deadline = Date.now() + 30_000;
        while (!(await onCodecommit(pushed.sha))) {
          if (Date.now() > deadline) throw new Error(`push ${n} never reached CodeCommit`);
          await new Promise((r) => setTimeout(r, 10));
        }
        latencies.push(performance.now() - pushed.at);
      }
      const s = await bothSides(sandbox.info, sandbox.githubDir, 'hooks', 'web', 'web');
      expect(sameRefs(s.github, s.codecommit)).toBe(true);
      console.log(
        `webhook e2e: git push → commit on CodeCommit in ${latencies.map((l) => `${l.toFixed(0)} ms`).join(', ')}`,
      );
      const metrics = await (await fetch(`${url ?? ''}/metrics`)).text();
      expect(metrics).toMatch(/gh2cc_webhook_deliveries_total\{event="push",outcome="queued"\} [1-9]/);

      // `repository` `edited` with a new default branch: UpdateDefaultBranch on CodeCommit.
      const octokit = new Octokit({ auth: sandbox.info.github.token, baseUrl: sandbox.info.github.apiUrl });
      await octokit.rest.repos.update({ owner: 'hooks', repo: 'web', default_branch: 'topic-0' });
      const cc = codecommitClient(sandbox.info);
      await eventually(
        async () =>
          (await cc.send(new GetRepositoryCommand({ repositoryName: 'web' }))).repositoryMetadata
            ?.defaultBranch === 'topic-0',
        30_000,
        'the new default branch on CodeCommit',
      );
    });

    it('follows repositories created, renamed, archived and deleted on GitHub from their webhooks alone', async () => {
      const octokit = new Octokit({ auth: sandbox.info.github.token, baseUrl: sandbox.info.github.apiUrl });
      const cc = codecommitClient(sandbox.info);
      await octokit.rest.repos.createInOrg({ org: 'hooks', name: 'born', description: 'made on GitHub' });
      await eventually(
        async () => (await codecommitTags(cc, 'born')) !== undefined,
        30_000,
        'born in CodeCommit',
      );
      await octokit.rest.repos.update({ owner: 'hooks', repo: 'born', name: 'grown' });
      await eventually(
        async () => (await codecommitTags(cc, 'grown')) !== undefined,
        30_000,
        'the rename in CodeCommit',
      );
      expect(await codecommitTags(cc, 'born')).toBeUndefined();
      await octokit.rest.repos.update({ owner: 'hooks', repo: 'grown', archived: true });
      await eventually(
        async () => (await codecommitTags(cc, 'grown'))?.['gh2cc:archived'] === 'true',
        30_000,
        'the archived tag',
      );
      await octokit.rest.repos.delete({ owner: 'hooks', repo: 'grown' });
      await eventually(
        async () => (await codecommitTags(cc, 'grown'))?.['gh2cc:mirror-stopped'] !== undefined,
        30_000,
        'mirroring stopped, repository kept and tagged',
      );
      const repo = await cc.send(new GetRepositoryCommand({ repositoryName: 'grown' }));
      expect(repo.repositoryMetadata?.repositoryName).toBe('grown');
    });

    it('renames, not duplicates, when a push under the new name comes before the rename is followed', async () => {
      const octokit = new Octokit({ auth: sandbox.info.github.token, baseUrl: sandbox.info.github.apiUrl });
      const cc = codecommitClient(sandbox.info);
      const push = (repository: unknown): Promise<number> =>
        deliver('push', { ref: 'refs/heads/main', repository });
      const mirrored = (name: string): Promise<void> =>
        eventually(
          async () => {
            const sides = await bothSides(sandbox.info, sandbox.githubDir, 'hooks', name, name);
            return sides.codecommit !== undefined && sameRefs(sides.github, sides.codecommit);
          },
          30_000,
          `${name} mirrored`,
        );
      await seedOrg(sandbox.githubDir, 'hooks', [{ name: 'before', commits: 2, branches: 1 }]);
      expect(await push((await octokit.rest.repos.get({ owner: 'hooks', repo: 'before' })).data)).toBe(202);
      await mirrored('before');
      // The rename's delivery is lost; a push delivery under the new name is the first gh2cc hears of it.
      sandbox.setWebhookUrl(undefined);
      const renamed = await octokit.rest.repos.update({ owner: 'hooks', repo: 'before', name: 'after' });
      sandbox.setWebhookUrl(hookUrl);
      expect(await push(renamed.data)).toBe(202);
      await mirrored('after');
      // One CodeCommit repository, renamed with its history: the old name is gone, not left beside a copy.
      expect(await codecommitTags(cc, 'before')).toBeUndefined();
      expect((await codecommitTags(cc, 'after'))?.['gh2cc:source']).toContain('hooks/after');
    });

    it('ends right when GitHub delivers a rename after the archive that followed it', async () => {
      const octokit = new Octokit({ auth: sandbox.info.github.token, baseUrl: sandbox.info.github.apiUrl });
      const cc = codecommitClient(sandbox.info);
      await octokit.rest.repos.createInOrg({ org: 'hooks', name: 'first' });
      await eventually(
        async () => (await codecommitTags(cc, 'first')) !== undefined,
        30_000,
        'first in CodeCommit',
      );
      // Both changes happen with deliveries held back, then arrive in the wrong order.
      sandbox.setWebhookUrl(undefined);
      await octokit.rest.repos.update({ owner: 'hooks', repo: 'first', name: 'second' });
      const archived = await octokit.rest.repos.update({ owner: 'hooks', repo: 'second', archived: true });
      sandbox.setWebhookUrl(hookUrl);
      const send = (payload: Record<string, unknown>): Promise<number> => deliver('repository', payload);
      expect(await send({ action: 'archived', repository: archived.data })).toBe(202);
      expect(
        await send({
          action: 'renamed',
          repository: { ...archived.data, archived: false },
          changes: { repository: { name: { from: 'first' } } },
        }),
      ).toBe(202);
      await eventually(
        async () => (await codecommitTags(cc, 'second'))?.['gh2cc:archived'] === 'true',
        30_000,
        'renamed and tagged archived in CodeCommit',
      );
      expect(await codecommitTags(cc, 'first')).toBeUndefined();
    });
  },
);
