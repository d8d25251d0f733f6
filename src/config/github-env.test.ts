import { describe, expect, it } from 'vitest';
import { githubFromEnv } from './github-env.ts';
import { loadConfig } from './load-config.ts';

describe("the gh CLI's GitHub variables", () => {
  it('github.com takes GH_TOKEN before GITHUB_TOKEN', () => {
    expect(githubFromEnv({ GH_TOKEN: 'gh-first', GITHUB_TOKEN: 'second' })).toEqual({ token: 'gh-first' });
    expect(githubFromEnv({ GITHUB_TOKEN: 'only' })).toEqual({ token: 'only' });
    expect(githubFromEnv({ GH_HOST: 'github.com', GH_TOKEN: 't' })).toEqual({
      apiUrl: 'https://api.github.com',
      token: 't',
    });
  });

  it('GH_HOST names an Enterprise Server: its /api/v3, GH_ENTERPRISE_TOKEN, never the github.com tokens', () => {
    const env = { GH_HOST: 'ghe.example.com', GH_TOKEN: 'dotcom', GITHUB_TOKEN: 'dotcom-too' };
    expect(githubFromEnv(env)).toEqual({ apiUrl: 'https://ghe.example.com/api/v3' });
    expect(githubFromEnv({ ...env, GH_ENTERPRISE_TOKEN: 'ghe' })).toEqual({
      apiUrl: 'https://ghe.example.com/api/v3',
      token: 'ghe',
    });
    expect(githubFromEnv({ ...env, GITHUB_ENTERPRISE_TOKEN: 'ghe2' }).token).toBe('ghe2');
    // A GHE.com tenancy is github.com's kind: api.<host>, and GH_TOKEN.
    expect(githubFromEnv({ GH_HOST: 'octo.ghe.com', GH_TOKEN: 't' })).toEqual({
      apiUrl: 'https://api.octo.ghe.com',
      token: 't',
    });
  });

  it('GITHUB_API_URL wins over GH_HOST and keeps GITHUB_TOKEN for its server (as GitHub Actions sets them)', () => {
    const env = { GITHUB_API_URL: 'https://ghe.corp/api/v3', GH_HOST: 'other.example', GITHUB_TOKEN: 'ghe' };
    expect(githubFromEnv(env)).toEqual({ apiUrl: 'https://ghe.corp/api/v3', token: 'ghe' });
    expect(githubFromEnv({ ...env, GH_ENTERPRISE_TOKEN: 'preferred' }).token).toBe('preferred');
  });

  it('loadConfig applies them, file < environment, and an Enterprise Server named in the file keeps GITHUB_TOKEN', () => {
    const viaHost = loadConfig({ env: { GH_HOST: 'ghe.example.com', GH_ENTERPRISE_TOKEN: 'ghe-token' } });
    expect(viaHost.github).toMatchObject({ apiUrl: 'https://ghe.example.com/api/v3', token: 'ghe-token' });
    const fromFile = loadConfig({
      env: { GITHUB_TOKEN: 'file-server-token' },
      file: { github: { apiUrl: 'https://ghe.corp/api/v3' } },
    });
    expect(fromFile.github).toMatchObject({ apiUrl: 'https://ghe.corp/api/v3', token: 'file-server-token' });
  });
});
