/**
 * Where people look at a repository in a browser: GitHub's web page and the CodeCommit console. Pure: built
 * from configuration alone, so the status page needs no API call to link anywhere.
 */

/**
 * GitHub's web root for a REST base URL: api.github.com → https://github.com; Enterprise Server (and the
 * sandbox) serve pages at the root of `https://HOST/api/v3`; GHE.com's `api.SUBDOMAIN.ghe.com` drops `api.`.
 * Undefined when the REST URL fits none of these (no link is better than a wrong one).
 */
export function githubWebRoot(apiUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  if (url.hostname === 'api.github.com' && path === '') return 'https://github.com';
  if (path.endsWith('/api/v3')) return `${url.origin}${path.slice(0, -'/api/v3'.length)}`;
  if (url.hostname.startsWith('api.') && url.hostname.endsWith('.ghe.com') && path === '')
    return `${url.protocol}//${url.hostname.slice('api.'.length)}${url.port === '' ? '' : `:${url.port}`}`;
  return undefined;
}

/** The repository's page on GitHub (`owner/name`), or undefined without a known web root. */
export function githubRepoUrl(webRoot: string | undefined, repo: string): string | undefined {
  if (webRoot === undefined) return undefined;
  return `${webRoot}/${repo.split('/').map(encodeURIComponent).join('/')}`;
}

/** The CodeCommit console page of a repository (the commercial partition's console). */
export function codecommitConsoleUrl(region: string | undefined, target: string): string | undefined {
  if (region === undefined) return undefined;
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/codesuite/codecommit/repositories/${encodeURIComponent(target)}/browse?region=${r}`;
}
