import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { tempDir } from '../helpers/git.ts';
import { runGh2cc, type FinishedRun } from '../helpers/processes.ts';

type Run = FinishedRun;

/** `gh2cc config validate …` from `cwd` with nothing but `env` (and per-user folders under `home`). */
async function validate(args: readonly string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return runGh2cc(['config', 'validate', ...args], env, cwd);
}

/** A working folder and a home with its own XDG config folder, and a YAML file naming the org `org`. */
async function place(): Promise<{ cwd: string; env: Record<string, string>; yaml: (org: string) => string }> {
  const home = await tempDir('gh2cc-home-');
  const cwd = await tempDir('gh2cc-cwd-');
  return {
    cwd,
    env: { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, 'state') },
    yaml: (org) => `github:\n  org: ${org}\n`,
  };
}

const orgOf = (r: Run): string | undefined => /"org": "([^"]+)"/.exec(r.stdout)?.[1];

// Each case is a fresh process: they run side by side.
describe.concurrent('config discovery', () => {
  it('reads ./gh2cc.yaml, else $XDG_CONFIG_HOME/gh2cc/config.yaml; GH2CC_CONFIG and --config win', async ({
    expect,
  }) => {
    // Four folders, each with one more file than the last, checked side by side.
    const places = await Promise.all([place(), place(), place(), place()]);
    for (const [i, { cwd, env, yaml }] of places.entries()) {
      const userFile = join(env['XDG_CONFIG_HOME'] ?? '', 'gh2cc', 'config.yaml');
      await mkdir(join(userFile, '..'), { recursive: true });
      await writeFile(userFile, yaml('from-user-config'));
      if (i >= 1) await writeFile(join(cwd, 'gh2cc.yaml'), yaml('from-cwd'));
      if (i >= 2) await writeFile(join(cwd, 'named.yaml'), yaml('from-gh2cc-config'));
      if (i >= 3) await writeFile(join(cwd, 'flag.yaml'), yaml('from-flag'));
    }
    const [user, cwdFile, named, flagged] = await Promise.all(
      places.map(({ cwd, env }, i) =>
        validate(
          ['--print', ...(i >= 3 ? ['--config', join(cwd, 'flag.yaml')] : [])],
          i >= 2 ? { ...env, GH2CC_CONFIG: join(cwd, 'named.yaml') } : env,
          cwd,
        ),
      ),
    );
    expect(user?.code, user?.stderr).toBe(0);
    const userFile = join(places[0]?.env['XDG_CONFIG_HOME'] ?? '', 'gh2cc', 'config.yaml');
    expect(user?.stdout).toContain(`configuration OK (${userFile})`);
    expect([user, cwdFile, named, flagged].map((r) => r && orgOf(r))).toEqual([
      'from-user-config',
      'from-cwd',
      'from-gh2cc-config',
      'from-flag',
    ]);
  });

  it('a GH2CC_CONFIG that does not exist is an error (exit 2), not silently the environment alone', async ({
    expect,
  }) => {
    const { cwd, env } = await place();
    const r = await validate([], { ...env, GH2CC_CONFIG: join(cwd, 'missing.yaml') }, cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.yaml does not exist');
  });
});

describe.concurrent("the gh CLI's variables", () => {
  it('GH_TOKEN is the github.com token; GH_HOST names an Enterprise Server and GH_ENTERPRISE_TOKEN its token', async ({
    expect,
  }) => {
    const { cwd, env } = await place();
    const dotcom = await validate(['--print'], { ...env, GH_TOKEN: 'ghp_fromGhToken0123456' }, cwd);
    expect(dotcom.stdout).toContain('"apiUrl": "https://api.github.com"');
    expect(dotcom.stdout).toContain('"token": "(set)"');
    const ghe = await validate(
      ['--print'],
      {
        ...env,
        GH_HOST: 'ghe.example.com',
        GH_TOKEN: 'ghp_dotcomOnly0123',
        GH_ENTERPRISE_TOKEN: 'ghe-token-0123',
      },
      cwd,
    );
    expect(ghe.stdout).toContain('"apiUrl": "https://ghe.example.com/api/v3"');
    expect(ghe.stdout).toContain('"token": "(set)"');
    // The github.com token is not sent to another host: without GH_ENTERPRISE_TOKEN there is none.
    const none = await validate(
      ['--print', '--for', 'migrate'],
      {
        ...env,
        GH_HOST: 'ghe.example.com',
        GH_TOKEN: 'ghp_dotcomOnly0123',
        GH2CC_ORG: 'a',
        AWS_REGION: 'eu-west-1',
      },
      cwd,
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /^github\.token: required to read GitHub at ghe\.example\.com \(or a GitHub App: GITHUB_APP_ID\) \(set GH_ENTERPRISE_TOKEN or github\.token in the config file\)$/m,
    );
    // GITHUB_TOKEN is not suggested: with GH_HOST alone, it is never sent to that host.
    expect(none.stderr).not.toContain('GITHUB_TOKEN');
  });
});
