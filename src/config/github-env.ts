type Env = Readonly<Record<string, string | undefined>>;

const GITHUB_COM_API = 'https://api.github.com';

function set(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The REST base of a GitHub host as the `gh` CLI derives it: github.com, GHE.com tenancies, Enterprise Server. */
export function githubApiUrlForHost(host: string): string {
  const name = host
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '');
  const bare = name.toLowerCase();
  if (bare === 'github.com' || bare === 'api.github.com') return GITHUB_COM_API;
  if (bare.endsWith('.ghe.com')) return `https://api.${name}`;
  return `https://${name}/api/v3`;
}

/** github.com and GHE.com take the github.com tokens (GH_TOKEN, GITHUB_TOKEN); anything else is Enterprise Server. */
export function takesGithubComTokens(apiUrl: string): boolean {
  let host: string;
  try {
    host = new URL(apiUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === 'api.github.com' || host === 'github.com' || host.endsWith('.ghe.com');
}

/**
 * The GitHub API URL and token from the environment, following the `gh` CLI so a shell set up for `gh` works
 * as it is:
 *
 * - `GH_HOST` names the host (`github.com`, or an Enterprise Server such as `ghe.example.com`, whose API is
 *   `https://ghe.example.com/api/v3`). gh2cc's own `GITHUB_API_URL` (set by GitHub Actions too) names the API
 *   itself and wins over it.
 * - github.com (and GHE.com) take `GH_TOKEN`, then `GITHUB_TOKEN`.
 * - An Enterprise Server takes `GH_ENTERPRISE_TOKEN`, then `GITHUB_ENTERPRISE_TOKEN`; `GITHUB_TOKEN` too when
 *   `GITHUB_API_URL` or the file named that server (gh2cc's and Actions' pairing), but never when only
 *   `GH_HOST` did: a github.com token is not sent to another host.
 *
 * `fileApiUrl` is `github.apiUrl` from the config file, which decides the host when the environment does not.
 */
export function githubFromEnv(env: Env, fileApiUrl?: unknown): { apiUrl?: string; token?: string } {
  const explicit = set(env, 'GITHUB_API_URL');
  const host = set(env, 'GH_HOST');
  const fromHost = explicit === undefined && host !== undefined ? githubApiUrlForHost(host) : undefined;
  const apiUrl = explicit ?? fromHost;
  const target =
    apiUrl ?? (typeof fileApiUrl === 'string' && fileApiUrl !== '' ? fileApiUrl : GITHUB_COM_API);
  const token = takesGithubComTokens(target)
    ? (set(env, 'GH_TOKEN') ?? set(env, 'GITHUB_TOKEN'))
    : (set(env, 'GH_ENTERPRISE_TOKEN') ??
      set(env, 'GITHUB_ENTERPRISE_TOKEN') ??
      (fromHost === undefined ? set(env, 'GITHUB_TOKEN') : undefined));
  return {
    ...(apiUrl === undefined ? {} : { apiUrl }),
    ...(token === undefined ? {} : { token }),
  };
}
