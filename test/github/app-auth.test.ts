import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAppAuth } from '@octokit/auth-app';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { bothSides, commitOnGithub, sameRefs } from '../helpers/mirror-checks.ts';
import { eventually, gh2cc, type RunningProcess } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const ORG = 'apporg';
const TOKEN_TTL_MS = 4000;

describe('GitHub App authentication', { timeout: 180_000 }, () => {
  let sandbox: RunningSandbox;
  let env: Record<string, string>;
  let daemon: RunningProcess | undefined;

  beforeAll(async () => {
    const work = await tempDir('gh2cc-app-');
    // Installation tokens that live 4 seconds: the test outlives several of them.
    sandbox = await startSandbox({
      dir: join(work, 'sandbox'),
      log: createLogger({ level: 'silent' }),
      appTokenTtlMs: TOKEN_TTL_MS,
    });
    await seedOrg(sandbox.githubDir, ORG, [
      { name: 'one', commits: 4, branches: 1, tags: 1 },
      { name: 'two', commits: 3 },
    ]);
    const { GITHUB_TOKEN: _personal, ...rest } = sandbox.info.env;
    env = {
      ...rest,
      GH2CC_ORG: ORG,
      GITHUB_APP_ID: String(sandbox.info.github.app.appId),
      // The path of the PEM; the installation id is looked up for the org.
      GITHUB_APP_PRIVATE_KEY: sandbox.info.github.app.privateKeyFile,
      REDIS_URL: inject('redisUrl'),
      GH2CC_REDIS_PREFIX: `{app${randomBytes(4).toString('hex')}}`,
      GH2CC_CACHE_DIR: join(work, 'cache'),
      GH2CC_RECONCILE_EVERY: '1s',
      GH2CC_DRIFT_EVERY: '1h',
      GH2CC_PORT: '0',
      GH2CC_HOST: '127.0.0.1',
    };
  });

  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await sandbox?.close();
  });

  it('refuses a JWT not signed with the App key, and a token once it has expired', async () => {
    const api = sandbox.info.github.apiUrl;
    const bad = await fetch(
      `${api}/app/installations/${sandbox.info.github.app.installationId}/access_tokens`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer e30.e30.c2ln' },
      },
    );
    expect(bad.status).toBe(401);
    const auth = createAppAuth({
      appId: sandbox.info.github.app.appId,
      privateKey: await readFile(sandbox.info.github.app.privateKeyFile, 'utf8'),
      installationId: sandbox.info.github.app.installationId,
      request: (await import('@octokit/request')).request.defaults({ baseUrl: api }),
    });
    const { token } = await auth({ type: 'installation' });
    const ok = await fetch(`${api}/orgs/${ORG}/repos`, { headers: { authorization: `token ${token}` } });
    expect(ok.status).toBe(200);
    await new Promise((r) => setTimeout(r, TOKEN_TTL_MS + 200));
    const expired = await fetch(`${api}/orgs/${ORG}/repos`, { headers: { authorization: `token ${token}` } });
    expect(expired.status).toBe(401);
  });

  it('mirrors an org with App auth across several token expiries, never logging a token', async () => {
    const issuedBefore = sandbox.appTokensIssued();
    const proc = gh2cc(['daemon'], env);
    daemon = proc;
    const mirrored = async (): Promise<boolean> => {
      for (const n of ['one', 'two']) {
        const s = await bothSides(sandbox.info, sandbox.githubDir, ORG, n, n);
        if (!sameRefs(s.github, s.codecommit)) return false;
      }
      return true;
    };
    await eventually(mirrored, 60_000, 'the first mirror with App auth');
    // Outlive the token the first sync used, twice, then push: REST and git both need a fresh one.
    for (let round = 0; round < 2; round += 1) {
      await new Promise((r) => setTimeout(r, TOKEN_TTL_MS + 500));
      await commitOnGithub(sandbox.githubDir, ORG, 'one', `after expiry ${round}`);
      await eventually(mirrored, 60_000, `the commit made after token expiry ${round}`);
    }
    const issued = sandbox.appTokensIssued() - issuedBefore;
    console.log(`app auth: ${issued} installation tokens issued over the run`);
    expect(issued).toBeGreaterThanOrEqual(3);
    // Tokens live in memory only: never in the log, the process arguments or the cache's git config.
    expect(proc.stderr()).not.toMatch(/ghs_[0-9a-f]{10}/);
    expect(proc.stderr()).not.toContain('BEGIN RSA PRIVATE KEY');
    const config = await readFile(join(env['GH2CC_CACHE_DIR'] ?? '', ORG, 'one.git', 'config'), 'utf8');
    expect(config).not.toMatch(/ghs_|x-access-token/);
  });
});
