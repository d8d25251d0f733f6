import { readFileSync } from 'node:fs';
import type { createAppAuth } from '@octokit/auth-app';
import { request as octokitRequest } from '@octokit/request';
import type { Config } from '../config/schema.ts';
import type { GitAuth } from '../git/git-auth.ts';
import { Gh2ccError } from '../util/errors.ts';
import { proxyFetch } from '../util/proxy-fetch.ts';
import { addSecret } from '../util/secrets.ts';
import { classifyGithubError } from './classify-github-error.ts';

/** How gh2cc authenticates to GitHub: a token, or a GitHub App installation whose tokens it renews. */
export interface GithubCredentials {
  readonly kind: 'token' | 'app';
  /** The token to send now (an installation token is renewed before it expires). */
  readonly token: () => Promise<string>;
  /** The same, as HTTP Basic credentials for git (`x-access-token`, as GitHub Apps use). */
  readonly gitAuth: () => Promise<GitAuth>;
}

/** An installation token is renewed when less than this share of its life, at most 5 minutes, is left. */
const RENEW_SHARE = 0.25;
const RENEW_MAX_MS = 5 * 60_000;

/**
 * @octokit/auth-app's token cache, with two changes: a token is handed out only while enough of its life is
 * left (so a long fetch never starts with a token about to expire; the library's own cache goes by a fixed
 * 59 minutes), and every token is registered with the log sanitizer the moment it exists. Memory only.
 */
class InstallationTokenCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  // An empty string is "not cached" to @octokit/auth-app.
  get(key: string): string {
    const value = this.entries.get(key);
    if (value === undefined) return '';
    const [, createdAt = '', expiresAt = ''] = value.split('|');
    const created = Date.parse(createdAt);
    const expires = Date.parse(expiresAt);
    const margin = Math.min(RENEW_MAX_MS, (expires - created) * RENEW_SHARE);
    if (!(expires - this.now() > margin)) {
      this.entries.delete(key);
      return '';
    }
    return value;
  }

  set(key: string, value: string): void {
    const token = value.split('|')[0];
    if (token !== undefined && token !== '') addSecret(token);
    this.entries.set(key, value);
  }
}

/** `GITHUB_APP_PRIVATE_KEY` holds the PEM itself (newlines may be written `\n`) or the path of a PEM file. */
export function readAppPrivateKey(value: string): string {
  const inline = value.replace(/\\n/g, '\n');
  if (inline.includes('-----BEGIN')) return inline;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new Gh2ccError('config', `github.appPrivateKey: cannot read the private key file ${value}`, {
      retryable: false,
      cause: err,
      fix: "set GITHUB_APP_PRIVATE_KEY to the App's PEM private key, or to the path of the .pem file GitHub gave you",
    });
  }
}

export function githubCredentials(config: Config): GithubCredentials {
  const { appId, appPrivateKey } = config.github;
  if (appId === undefined || appPrivateKey === undefined) {
    const token = config.github.token ?? '';
    addSecret(token);
    const auth = { username: 'x-access-token', password: token };
    return { kind: 'token', token: () => Promise.resolve(token), gitAuth: () => Promise.resolve(auth) };
  }
  const privateKey = readAppPrivateKey(appPrivateKey);
  addSecret(privateKey);
  const request = octokitRequest.defaults({
    baseUrl: config.github.apiUrl.replace(/\/$/, ''),
    headers: { 'user-agent': 'gh2cc/0.1.0' },
    request: { fetch: proxyFetch() },
  });
  // Loaded only when an App is configured: @octokit/auth-app and its JWT code cost ~10 MB a token user
  // need not carry.
  let loading: Promise<ReturnType<typeof createAppAuth>> | undefined;
  const appAuth = async (
    options: { type: 'app' } | { type: 'installation'; installationId: number },
  ): Promise<{ token: string }> => {
    loading ??= import('@octokit/auth-app').then(({ createAppAuth }) =>
      createAppAuth({ appId, privateKey, request, cache: new InstallationTokenCache() }),
    );
    const auth = await loading;
    return options.type === 'app' ? auth({ type: 'app' }) : auth(options);
  };

  let installation: Promise<number> | undefined;
  // Configured, or asked of GitHub once: the App's installation on the organization (or user) mirrored.
  const installationId = (): Promise<number> => {
    if (config.github.appInstallationId !== undefined)
      return Promise.resolve(config.github.appInstallationId);
    installation ??= (async () => {
      const { token: jwt } = await appAuth({ type: 'app' });
      const owner = config.github.org ?? config.github.user;
      if (owner === undefined)
        throw new Gh2ccError('config', 'github.org: required to find the App installation');
      const path =
        config.github.org !== undefined ? '/orgs/{owner}/installation' : '/users/{owner}/installation';
      try {
        const res = await request(`GET ${path}`, { owner, headers: { authorization: `bearer ${jwt}` } });
        return (res.data as { id: number }).id;
      } catch (err) {
        throw classifyGithubError(err, `find the GitHub App installation on ${owner}`);
      }
    })();
    installation.catch(() => (installation = undefined));
    return installation;
  };
  const token = async (): Promise<string> => {
    try {
      return (await appAuth({ type: 'installation', installationId: await installationId() })).token;
    } catch (err) {
      if (err instanceof Gh2ccError) throw err;
      throw classifyGithubError(err, 'get a GitHub App installation token');
    }
  };
  return {
    kind: 'app',
    token,
    gitAuth: async () => ({ username: 'x-access-token', password: await token() }),
  };
}
