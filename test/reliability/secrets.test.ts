import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { sign } from '@octokit/webhooks-methods';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gitAuthEnv } from '../../src/git/git-auth.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { writeOwnerFile } from '../../src/sandbox/github/owner-store.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { bothSides, commitOnGithub, sameRefs } from '../helpers/mirror-checks.ts';
import { eventually, gh2cc, type RunningProcess } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const ORG = 'sec';

/** Every process's command line on this machine right now (world-readable, so a secret there is exposed). */
async function allCommandLines(): Promise<string[]> {
  const out: string[] = [];
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const line = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (line !== '') out.push(line.replaceAll('\0', ' '));
  }
  return out;
}

/** Every value in Redis under `prefix`, whatever its type, as text. */
async function redisText(url: string, prefix: string): Promise<{ keys: number; text: string }> {
  const redis = createRedis(url, 'secret-scan', { failFast: true });
  try {
    const parts: string[] = [];
    const keys = await redis.keys(`${prefix}*`);
    for (const key of keys) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
      else parts.push(`<${type}>`);
    }
    return { keys: keys.length, text: parts.join('\n') };
  } finally {
    redis.disconnect();
  }
}

/** Every file under `dir` except git object storage, as text. */
async function filesText(dir: string): Promise<{ configs: number; text: string }> {
  const parts: string[] = [];
  let configs = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (/\/objects\//.test(path)) continue;
    if (entry.name === 'config') configs += 1;
    parts.push(await readFile(path, 'utf8').catch(() => ''));
  }
  return { configs, text: parts.join('\n') };
}

describe('secrets never leave the processes that need them', { timeout: 180_000 }, () => {
  let sandbox: RunningSandbox;
  let work: string;
  let daemon: RunningProcess | undefined;
  const prefix = `{sec${randomBytes(4).toString('hex')}}`;

  beforeAll(async () => {
    work = await tempDir('gh2cc-secrets-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    await seedOrg(sandbox.githubDir, ORG, [
      { name: 'a', commits: 5, branches: 1, tags: 1 },
      { name: 'b', commits: 3 },
    ]);
    // A team, so the IAM reconcile (webhook and CLI) has groups and policies to write.
    await writeOwnerFile(sandbox.githubDir, ORG, {
      type: 'Organization',
      members: [{ login: 'sec-dev' }],
      teams: [{ slug: 'devs', members: [{ login: 'sec-dev' }], repos: { a: 'push', b: 'pull' } }],
      repos: { a: { branch_protection: { main: { required_approving_review_count: 1 } } } },
    });
    await writeFile(join(work, 'users.yaml'), 'users:\n  sec-dev: { iamUser: sec-dev }\n');
    const iam = new IAMClient({
      region: 'us-east-1',
      endpoint: inject('motoUrl'),
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    });
    await iam.send(new CreateUserCommand({ UserName: 'sec-dev' }));
    iam.destroy();
  });

  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await sandbox?.close();
  });

  it('through the daemon, the webhook, a failing sync and the IAM reconcile: 0 hits in logs, Redis, cache files, status, IAM output and command lines', async () => {
    const { GITHUB_TOKEN: personal, ...rest } = sandbox.info.env;
    const redisUrl = inject('redisUrl');
    const cacheDir = join(work, 'cache');
    const env = {
      ...rest,
      GH2CC_ORG: ORG,
      GITHUB_APP_ID: String(sandbox.info.github.app.appId),
      GITHUB_APP_PRIVATE_KEY: sandbox.info.github.app.privateKeyFile,
      REDIS_URL: redisUrl,
      GH2CC_REDIS_PREFIX: prefix,
      GH2CC_CACHE_DIR: cacheDir,
      GH2CC_RECONCILE_EVERY: '2s',
      GH2CC_DRIFT_EVERY: '1h',
      GH2CC_RETRIES: '0',
      GH2CC_JOB_ATTEMPTS: '1',
      GH2CC_LOG_LEVEL: 'debug',
      GH2CC_PORT: '0',
      GH2CC_HOST: '127.0.0.1',
      GH2CC_IAM_USER_MAP: join(work, 'users.yaml'),
      AWS_ENDPOINT_URL_IAM: inject('motoUrl'),
      AWS_ENDPOINT_URL_STS: inject('motoUrl'),
    };
    // Command lines are sampled all along: git, its helpers and gh2cc's own processes come and go quickly.
    const seen = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const line of await allCommandLines()) seen.add(line);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();

    const proc = gh2cc(['daemon'], env);
    daemon = proc;
    await eventually(() => proc.stderr().includes('"msg":"ready"'), 60_000, 'the daemon to be ready');
    const url = /"url":"(http:[^"]+)"/.exec(proc.stderr())?.[1] ?? '';
    sandbox.setWebhookUrl(`${url}/webhooks/github`);
    const synced = async (name: string): Promise<boolean> => {
      const s = await bothSides(sandbox.info, sandbox.githubDir, ORG, name, name);
      return sameRefs(s.github, s.codecommit);
    };
    await eventually(async () => (await synced('a')) && (await synced('b')), 90_000, 'the first reconcile');

    // A push over git (as a developer would) reaches CodeCommit through the webhook.
    const gitUrl = `${sandbox.info.github.apiUrl.replace('/api/v3', '')}/${ORG}/a.git`;
    const auth = gitAuthEnv(
      { username: 'x-access-token', password: personal ?? '' },
      { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
    );
    await runGit(work, ['clone', '--quiet', gitUrl, 'w'], { env: auth });
    await runGit(join(work, 'w'), ['commit', '--quiet', '--allow-empty', '-m', 'webhook'], { env: auth });
    await runGit(join(work, 'w'), ['push', '--quiet', 'origin', 'HEAD:main'], { env: auth });
    await eventually(() => synced('a'), 60_000, 'the webhook sync');

    // A sync that fails: its error text goes to the state, the logs and `status`.
    sandbox.setFaults([
      { side: 'codecommit', kind: 'server-error', match: { git: true, path: '/b' }, count: 1000 },
    ]);
    await commitOnGithub(sandbox.githubDir, ORG, 'b', 'to fail');
    const failed = gh2cc(['sync', `${ORG}/b`, '--wait', '--json', '--timeout', '90'], env);
    expect(await failed.exited).toBe(1);
    // The scheduled reconcile may start another sync of b meanwhile (state "syncing"); its last error stays.
    let status = '';
    await eventually(
      async () => {
        const s = gh2cc(['status', '--json'], env);
        await s.exited;
        status = s.stdout() + failed.stdout();
        const repos = (JSON.parse(s.stdout()) as { repos: { repo: string; lastError?: string }[] }).repos;
        return /500/.test(repos.find((r) => r.repo === `${ORG}/b`)?.lastError ?? '');
      },
      30_000,
      "b's error in gh2cc status",
    );
    sandbox.clearFaults();

    // Teams to IAM, through a team webhook to the daemon and through the CLI (plan as JSON, apply).
    const body = JSON.stringify({ action: 'edited', team: { slug: 'devs' }, organization: { login: ORG } });
    const delivered = await fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'team',
        'x-github-delivery': randomBytes(8).toString('hex'),
        'x-hub-signature-256': await sign(sandbox.info.github.webhookSecret, body),
      },
      body,
    });
    expect(delivered.status).toBe(202);
    await eventually(
      () => proc.stderr().includes('IAM change applied'),
      60_000,
      'the IAM reconcile of the team webhook',
    );
    const iamLog = join(work, 'iam.log');
    const plan = gh2cc(['iam', 'plan', '--json', '--log-file', iamLog, '--log-level', 'debug'], env);
    expect(await plan.exited, plan.stderr()).toBe(0);
    expect(plan.stdout()).toContain('gh2cc-sec-devs');
    const apply = gh2cc(['iam', 'apply', '--log-file', iamLog, '--log-level', 'debug'], env);
    expect(await apply.exited, apply.stderr()).toBe(0);
    const iamOutput =
      plan.stdout() + plan.stderr() + apply.stdout() + apply.stderr() + (await readFile(iamLog, 'utf8'));

    const tokens = [...sandbox.appTokens()];
    proc.child.kill('SIGTERM');
    await proc.exited;
    sampling = false;
    await sampler;

    const pem = await readFile(sandbox.info.github.app.privateKeyFile, 'utf8');
    const canaries = {
      'GitHub token': personal ?? '',
      'AWS secret key': sandbox.info.codecommit.secretAccessKey,
      'webhook secret': sandbox.info.github.webhookSecret,
      // A line from the middle of the App's private key.
      'App private key': pem.split('\n')[5] ?? '',
      ...Object.fromEntries(tokens.map((t, i) => [`App installation token ${i + 1}`, t])),
    };
    expect(tokens.length).toBeGreaterThan(0);
    const redis = await redisText(redisUrl, prefix);
    const cache = await filesText(cacheDir);
    expect(redis.keys).toBeGreaterThan(10);
    expect(cache.configs).toBeGreaterThanOrEqual(2);
    expect(seen.size).toBeGreaterThan(10);
    const places: Record<string, string> = {
      'daemon logs': proc.stderr() + proc.stdout(),
      'gh2cc status': status,
      Redis: redis.text,
      'mirror cache files': cache.text,
      'command lines': [...seen].join('\n'),
      'gh2cc iam plan/apply output and log': iamOutput,
    };
    const hits: string[] = [];
    for (const [what, secret] of Object.entries(canaries)) {
      expect(secret.length, what).toBeGreaterThan(8);
      for (const [where, text] of Object.entries(places))
        if (text.includes(secret)) hits.push(`${what} in ${where}`);
    }
    expect(hits).toEqual([]);
    // And the scan would have seen them: the logs and Redis are not empty of this run's facts.
    expect(places['daemon logs']).toContain(`${ORG}/a`);
    expect(redis.text).toContain(`${ORG}/b`);
  });
});
