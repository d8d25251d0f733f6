import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import type { Config } from '../../src/config/schema.ts';
import { createGithubClient } from '../../src/github/create-github-client.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { createMirrorContext, type MirrorContext } from '../../src/mirror/mirror-context.ts';
import { planMigration } from '../../src/migrate/plan-migration.ts';
import { runInProcess, type RunOptions } from '../../src/migrate/run-migration.ts';
import { FAULTS_PATH, type FaultRule } from '../../src/sandbox/faults.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { Gh2ccError } from '../../src/util/errors.ts';
import { createLogger, type Logger } from '../../src/util/logger.ts';
import { DEFAULT_RETRY, type RetryPolicy } from '../../src/util/retry.ts';
import type { RepoResult } from '../../src/core/repo-result.ts';
import { lsRemote, makeRepo, tempDir } from '../helpers/git.ts';

/** gh2cc's own backoff, shortened so a handful of injected failures costs milliseconds, not seconds. */
const FAST_RETRY: RetryPolicy = { retries: 5, minTimeoutMs: 50, maxTimeoutMs: 200 };

let sandbox: RunningSandbox;
const scratch: string[] = [];

async function scratchDir(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  scratch.push(dir);
  return dir;
}

/** Warnings and errors of one run, so a failing assertion shows what gh2cc saw. */
function captureLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return {
    log: createLogger({ level: 'warn', destination: { write: (s: string) => lines.push(s) } }),
    lines,
  };
}

/** A bare repo with two branches, an annotated and a lightweight tag, at `dest`. */
async function seedRepo(dest: string, commits: number): Promise<void> {
  const source = await makeRepo(commits, (s, tips) => {
    s.ref('refs/heads/dev', tips[1] ?? 1);
    s.annotatedTag('v1', tips[0] ?? 1, 'first release');
    s.ref('refs/tags/light', tips[2] ?? 1);
  });
  scratch.push(source);
  await runGit(source, ['clone', '--mirror', '--quiet', source, dest]);
}

/** An organization on the sandbox's GitHub (no YAML: every repo gets GitHub's defaults). */
async function seedOrg(org: string, names: readonly string[]): Promise<void> {
  for (const [i, name] of names.entries()) await seedRepo(join(sandbox.githubDir, org, `${name}.git`), 3 + i);
}

async function configFor(org: string): Promise<Config> {
  const env = { ...sandbox.info.env, GH2CC_CACHE_DIR: await scratchDir('gh2cc-cache-'), GH2CC_ORG: org };
  return loadConfig({ env });
}

interface Run {
  readonly results: RepoResult[];
  readonly lines: string[];
}

/** The CLI's path, in-process: configuration from the environment, context, plan, then the run. */
async function migrate(
  org: string,
  options: {
    retry?: RetryPolicy;
    adjust?: (ctx: MirrorContext) => MirrorContext;
    run?: Partial<RunOptions>;
  } = {},
): Promise<Run> {
  const { log, lines } = captureLog();
  const config = await configFor(org);
  const base = createMirrorContext(config, log, { retry: options.retry ?? FAST_RETRY });
  const ctx = options.adjust?.(base) ?? base;
  const plan = await planMigration(ctx, config, { org });
  expect(plan.errors).toEqual([]);
  const results = await runInProcess(ctx, plan.repos, {
    concurrency: 2,
    verify: 'refs',
    wikis: false,
    ...options.run,
  });
  return { results, lines };
}

async function expectSameRefs(githubRepo: string, codecommitRepo: string, refs = 4): Promise<void> {
  const github = await lsRemote(sandbox.dir, join(sandbox.githubDir, githubRepo));
  const codecommit = await lsRemote(sandbox.dir, join(sandbox.codecommitDir, 'repos', codecommitRepo));
  expect(github.size).toBe(refs);
  expect(codecommit).toEqual(github);
}

/** What a user checks: every repository migrated and verified, and both sides hold the same refs. */
async function expectMirrored(org: string, names: readonly string[], run: Run, refs = 4): Promise<void> {
  const summary = run.results
    .map((r) => ({ repo: r.repo, status: r.status, verified: r.verified, errors: r.errors }))
    .sort((a, b) => a.repo.localeCompare(b.repo));
  expect(summary, run.lines.join('')).toEqual(
    names.map((n) => ({ repo: `${org}/${n}`, status: 'migrated', verified: true, errors: [] })),
  );
  for (const name of names) await expectSameRefs(join(org, `${name}.git`), `${name}.git`, refs);
}

function total(rules: readonly FaultRule[]): number {
  return rules.reduce((n, r) => n + r.count, 0);
}

beforeAll(async () => {
  sandbox = await startSandbox({
    dir: await scratchDir('gh2cc-faults-'),
    log: createLogger({ level: 'silent' }),
  });
  // The AWS SDK's default credential chain reads the environment, as it does when the CLI runs.
  const env = sandbox.info.env;
  vi.stubEnv('AWS_ACCESS_KEY_ID', env['AWS_ACCESS_KEY_ID']);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', env['AWS_SECRET_ACCESS_KEY']);
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_CONFIG_FILE', '/dev/null');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/dev/null');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
});

afterEach(() => {
  sandbox.clearFaults();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await sandbox?.close();
  await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
});

describe('sandbox fault control endpoint', () => {
  const rules: FaultRule[] = [{ side: 'codecommit', kind: 'throttle', match: { api: true }, count: 2 }];
  const githubBase = (): string => sandbox.info.github.apiUrl.replace(/\/api\/v3$/, '');

  it('refuses callers without the sandbox token on both servers', async () => {
    for (const base of [sandbox.info.codecommit.endpoint, githubBase()]) {
      const anonymous = await fetch(`${base}${FAULTS_PATH}`);
      expect(anonymous.status).toBe(401);
      const wrong = await fetch(`${base}${FAULTS_PATH}`, {
        method: 'POST',
        headers: { authorization: 'Bearer ghp_not-the-sandbox-token' },
        body: JSON.stringify({ rules }),
      });
      expect(wrong.status).toBe(401);
    }
    expect(sandbox.faultHits()).toBe(0);
  });

  it('replaces, lists and clears the rules, and rejects malformed ones naming the field', async () => {
    const url = `${sandbox.info.codecommit.endpoint}${FAULTS_PATH}`;
    const headers = { authorization: `Bearer ${sandbox.info.github.token}` };
    const set = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ rules }) });
    expect(set.status).toBe(200);
    // One list serves both servers: what was set on CodeCommit's port shows on GitHub's.
    const listed = await fetch(`${githubBase()}${FAULTS_PATH}`, { headers });
    expect(await listed.json()).toEqual({ rules: [{ ...rules[0], remaining: 2, hits: 0 }], hits: 0 });
    const bad = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ rules: [{ side: 'codecommit', kind: 'slow', count: 0 }] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/rules\.0\.kind.*rules\.0\.count/);
    const cleared = await fetch(url, { method: 'DELETE', headers });
    expect(await cleared.json()).toEqual({ rules: [], hits: 0 });
  });
});

describe('a migration through injected transient faults', () => {
  it('survives CodeCommit API throttling (ThrottlingException) and 500s', async () => {
    const org = 'faults-cc-api';
    const names = ['cc-api-one', 'cc-api-two'];
    await seedOrg(org, names);
    // Three throttles cost the SDK's adaptive retry ~4 s of backoff plus its slowed send rate afterwards.
    const rules: FaultRule[] = [
      { side: 'codecommit', kind: 'throttle', match: { api: true, operation: 'CreateRepository' }, count: 3 },
      { side: 'codecommit', kind: 'server-error', match: { api: true }, count: 2 },
    ];
    sandbox.setFaults(rules);
    const run = await migrate(org);
    await expectMirrored(org, names, run);
    expect(sandbox.faultHits({ kind: 'throttle' })).toBe(3);
    expect(sandbox.faultHits()).toBe(total(rules));
  });

  it('survives CodeCommit git 429s and a connection reset while pushing', async () => {
    const org = 'faults-cc-git';
    const names = ['cc-git-one', 'cc-git-two'];
    await seedOrg(org, names);
    const rules: FaultRule[] = [
      { side: 'codecommit', kind: 'throttle', match: { git: true, operation: 'git-receive-pack' }, count: 2 },
      { side: 'codecommit', kind: 'reset', match: { git: true, operation: 'git-receive-pack' }, count: 1 },
    ];
    sandbox.setFaults(rules);
    const run = await migrate(org);
    await expectMirrored(org, names, run);
    expect(sandbox.faultHits()).toBe(total(rules));
  });

  // Fails while MirrorCache.push cannot retry a push that goes through its staging repo (more than 200 new
  // refs, src/git/mirror-cache.ts): the refs the failed attempt staged are deleted and created again in one
  // `git update-ref --stdin` transaction, which git refuses ("multiple updates for ref
  // 'refs/stage/heads/main' not allowed"), so the retry fails for good.
  it('survives a 429 on a push of hundreds of tags', async () => {
    const org = 'faults-many-tags';
    const source = await makeRepo(3, (s, tips) => {
      for (let i = 0; i < 300; i += 1) s.ref(`refs/tags/t${i}`, tips[i % tips.length] ?? 1);
    });
    scratch.push(source);
    await runGit(source, [
      'clone',
      '--mirror',
      '--quiet',
      source,
      join(sandbox.githubDir, org, 'many-tags.git'),
    ]);
    const rules: FaultRule[] = [
      { side: 'codecommit', kind: 'throttle', match: { git: true, operation: 'git-receive-pack' }, count: 1 },
    ];
    sandbox.setFaults(rules);
    const run = await migrate(org);
    await expectMirrored(org, ['many-tags'], run, 301);
    expect(sandbox.faultHits()).toBe(total(rules));
  });

  it('survives GitHub secondary rate limits (403 and 429), a 502 and a dropped fetch', async () => {
    const org = 'faults-github';
    const names = ['gh-one', 'gh-two'];
    await seedOrg(org, names);
    const rules: FaultRule[] = [
      // The 502 first: Octokit's retry plugin backs off (retries so far + 1)² seconds and counts the
      // throttling plugin's retries too, so after two rate limits the 502 would cost 4 s instead of 1 s.
      { side: 'github', kind: 'server-error', match: { api: true }, count: 1 },
      { side: 'github', kind: 'throttle', match: { api: true }, count: 1 },
      { side: 'github', kind: 'throttle', match: { api: true }, status: 429, count: 1 },
      { side: 'github', kind: 'reset', match: { git: true, operation: 'git-upload-pack' }, count: 1 },
    ];
    sandbox.setFaults(rules);
    const run = await migrate(org);
    await expectMirrored(org, names, run);
    expect(sandbox.faultHits()).toBe(total(rules));
  });

  // Fails while the wiki probe in workers/migrate-repo.ts (migrateWiki) runs outside withRetry: one 502 on
  // it fails a repository whose code was already migrated and verified.
  it('survives a 502 on the wiki probe', async () => {
    const org = 'faults-wiki';
    await seedOrg(org, ['wiki-one']);
    await seedRepo(join(sandbox.githubDir, org, 'wiki-one.wiki.git'), 3);
    const rules: FaultRule[] = [
      {
        side: 'github',
        kind: 'server-error',
        match: { git: true, path: `/${org}/wiki-one.wiki.git/` },
        count: 1,
      },
    ];
    sandbox.setFaults(rules);
    const run = await migrate(org, { run: { wikis: true } });
    await expectMirrored(org, ['wiki-one'], run);
    expect(run.results[0]?.wiki?.status).toBe('migrated');
    await expectSameRefs(join(org, 'wiki-one.wiki.git'), 'wiki-one.wiki.git');
    expect(sandbox.faultHits()).toBe(total(rules));
  });
});

describe('a permanent failure', () => {
  it('is not retried: a GitHub token git refuses fails the repository at once, with a fix', async () => {
    const org = 'faults-permanent';
    await seedOrg(org, ['perm-one']);
    const started = Date.now();
    // gh2cc's real backoff (1 s, 2 s, 4 s…): one retry alone would show in the duration.
    const run = await migrate(org, {
      retry: DEFAULT_RETRY,
      adjust: (ctx) => ({
        ...ctx,
        githubAuth: () => Promise.resolve({ username: 'x-access-token', password: 'ghp_revoked' }),
      }),
    });
    expect(Date.now() - started).toBeLessThan(900);
    const [result] = run.results;
    expect(result?.status).toBe('failed');
    expect(result?.verified).toBe(false);
    expect(result?.errors.join('\n')).toMatch(/fetch from GitHub failed: .*Authentication failed/);
    expect(result?.errors.join('\n')).toMatch(/^fix: check the credentials/m);
    expect(run.lines.join('')).not.toContain('transient failure; retrying');
  });

  it('is not retried: CodeCommit refusing the AWS signature stops the plan at once, with a fix', async () => {
    const org = 'faults-permanent-aws';
    await seedOrg(org, ['perm-aws']);
    const config = await configFor(org);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-the-sandbox-secret');
    try {
      const ctx = createMirrorContext(config, captureLog().log, { retry: DEFAULT_RETRY });
      const started = Date.now();
      const err = await planMigration(ctx, config, { org }).then(
        () => undefined,
        (e: unknown) => e,
      );
      // The SDK backs off only on what it deems transient; seven retries would take seconds.
      expect(Date.now() - started).toBeLessThan(900);
      expect(err).toBeInstanceOf(Gh2ccError);
      expect(err).toMatchObject({
        code: 'auth',
        retryable: false,
        fix: expect.stringMatching(/AWS credentials/) as unknown,
      });
    } finally {
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', sandbox.info.env['AWS_SECRET_ACCESS_KEY']);
    }
  });
});

describe('a rate limit that outlasts the client', () => {
  // Fails while src/github/classify-github-error.ts maps every 403 to 'auth': a secondary rate limit the
  // throttling plugin stopped waiting for is reported as a token-scope problem. With GitHub's real
  // retry-after (60 s and more) the default five waits run out the same way; zero keeps this test fast.
  it('is reported as throttling, not as a token without scopes', async () => {
    const org = 'faults-rate-limit';
    await seedOrg(org, ['rl-one']);
    const config = await configFor(org);
    const { log } = captureLog();
    const base = createMirrorContext(config, log, { retry: FAST_RETRY });
    const github = createGithubClient({
      apiUrl: config.github.apiUrl,
      token: config.github.token ?? '',
      log,
      maxRateLimitRetries: 0,
    });
    sandbox.setFaults([{ side: 'github', kind: 'throttle', match: { api: true }, count: 1 }]);
    const err = await planMigration({ ...base, github }, config, { org }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sandbox.faultHits()).toBe(1);
    expect(err).toBeInstanceOf(Gh2ccError);
    expect(err).toMatchObject({ code: 'throttled', retryable: true });
    expect((err as Gh2ccError).fix ?? '').not.toMatch(/scopes/);
  });
});
