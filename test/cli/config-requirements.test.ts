import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { tempDir } from '../helpers/git.ts';
import { runGh2cc, type FinishedRun } from '../helpers/processes.ts';

type Run = FinishedRun;

/** `gh2cc config validate …` from `cwd` with nothing but `env`. */
async function validate(args: readonly string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return runGh2cc(['config', 'validate', ...args], env, cwd);
}

/** An empty working folder and a home of its own, so no config file of the developer's is read. */
async function place(): Promise<{ cwd: string; env: Record<string, string> }> {
  const [home, cwd] = await Promise.all([tempDir('gh2cc-home-'), tempDir('gh2cc-cwd-')]);
  return {
    cwd,
    env: { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, 'state') },
  };
}

// Each case is a fresh process: they run side by side.
describe.concurrent('config validate --for', () => {
  const ready = {
    GITHUB_TOKEN: 'ghp_validateForToken0123',
    AWS_REGION: 'eu-west-1',
    GH2CC_ORG: 'acme',
  };

  it('daemon without a Redis URL exits 2 naming redis.url and REDIS_URL; with one it passes', async ({
    expect,
  }) => {
    const { cwd, env } = await place();
    const missing = await validate(['--for', 'daemon'], { ...env, ...ready }, cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^redis\.url: required .*REDIS_URL/m);
    const ok = await validate(
      ['--for', 'daemon'],
      { ...env, ...ready, REDIS_URL: 'redis://127.0.0.1:1' },
      cwd,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('configuration OK for daemon');
  });

  it('migrate names every missing setting at once: owner, token, region', async ({ expect }) => {
    const { cwd, env } = await place();
    const r = await validate(['--for', 'migrate'], env, cwd);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^github\.org: required/),
        expect.stringMatching(/^github\.token: required .*GH_TOKEN/),
        expect.stringMatching(/^aws\.region: required/),
      ]),
    );
  });

  it('serve needs Redis and credentials but no owner unless webhooks are on', async ({ expect }) => {
    const { cwd, env } = await place();
    const base = {
      ...env,
      GITHUB_TOKEN: ready.GITHUB_TOKEN,
      AWS_REGION: 'eu-west-1',
      REDIS_URL: 'redis://h:1',
    };
    expect((await validate(['--for', 'serve'], base, cwd)).code).toBe(0);
    const hooks = await validate(['--for', 'serve'], { ...base, GH2CC_WEBHOOK_SECRET: 'hook-secret-1' }, cwd);
    expect(hooks.code).toBe(2);
    expect(hooks.stderr).toMatch(/^github\.org: required/m);
  });
});

describe.concurrent('CodeCommit git credentials', () => {
  it('gitAuth ssh without a key id exits 2 naming codecommit.sshKeyId and GH2CC_SSH_KEY_ID', async ({
    expect,
  }) => {
    const { cwd, env } = await place();
    await writeFile(join(cwd, 'gh2cc.yaml'), 'codecommit:\n  gitAuth: ssh\n');
    const r = await validate([], env, cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^codecommit\.sshKeyId: required when gitAuth is ssh.*GH2CC_SSH_KEY_ID/m);
    const ok = await validate([], { ...env, GH2CC_SSH_KEY_ID: 'APKAEIBAERJR2EXAMPLE' }, cwd);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('HTTPS Git credentials come from GH2CC_GIT_USERNAME / GH2CC_GIT_PASSWORD; the password is never printed', async ({
    expect,
  }) => {
    const { cwd, env } = await place();
    const https = { ...env, GH2CC_GIT_AUTH: 'https-git-credentials' };
    const missing = await validate([], https, cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^codecommit\.gitUsername: .*GH2CC_GIT_USERNAME/m);
    expect(missing.stderr).toMatch(/^codecommit\.gitPassword: .*GH2CC_GIT_PASSWORD/m);
    const password = 'cc-git-password-0123456789';
    const ok = await validate(
      ['--print'],
      { ...https, GH2CC_GIT_USERNAME: 'mirror-at-123456789012', GH2CC_GIT_PASSWORD: password },
      cwd,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('"gitUsername": "mirror-at-123456789012"');
    expect(ok.stdout).toContain('"gitPassword": "(set)"');
    expect(ok.stdout + ok.stderr).not.toContain(password);
  });
});
