import type { SourceRepo } from '../core/repo-filter.ts';
import { sourceFromGithub, type GithubRepository } from '../core/source-from-github.ts';
import { Gh2ccError } from '../util/errors.ts';
import type { GithubClient } from './create-github-client.ts';
import { classifyGithubError } from './classify-github-error.ts';

/** GitHub's repository JSON → SourceRepo (one mapping for REST answers and webhook payloads). */
export const toSourceRepo = sourceFromGithub;

/**
 * What the last listing of each page answered: its ETag, whether another page followed, and the repositories
 * on it. Kept by a long-running process between reconciles, it turns every page that has not changed into a
 * conditional request answered 304 Not Modified, which GitHub does not count against the rate limit and which
 * has no body to parse.
 */
export class ListingCache {
  readonly #pages = new Map<string, { etag: string; next: boolean; repos: readonly SourceRepo[] }>();
  /** Pages answered 304 from the cache, and pages fetched, by the last listing (for the log and the bench). */
  last = { notModified: 0, fetched: 0 };

  get(key: string) {
    return this.#pages.get(key);
  }

  set(key: string, page: { etag: string; next: boolean; repos: readonly SourceRepo[] }): void {
    this.#pages.set(key, page);
  }

  /** Drops the pages after `count` (the org shrank): they would never be asked for again. */
  keepOnly(prefix: string, count: number): void {
    for (const key of this.#pages.keys()) {
      const page = Number(key.slice(key.lastIndexOf('#') + 1));
      if (key.startsWith(prefix) && page > count) this.#pages.delete(key);
    }
  }
}

type Listing =
  | { route: 'GET /orgs/{org}/repos'; params: { org: string; type: 'all' } }
  | { route: 'GET /user/repos'; params: { affiliation: 'owner' } }
  | { route: 'GET /users/{username}/repos'; params: { username: string; type: 'owner' } };

/**
 * Every repository of an organization or a user, 100 per page, sorted by name (pages stay stable while
 * repositories are created or pushed during the listing). Page by page, keeping only what gh2cc needs of each
 * repository: the raw objects of a 10,000-repo org would hold tens of megabytes at once. With a `cache`, each
 * page is asked for conditionally (`If-None-Match`).
 */
export async function listSourceRepos(
  client: GithubClient,
  owner: { readonly org: string } | { readonly user: string },
  signal?: AbortSignal,
  cache?: ListingCache,
): Promise<SourceRepo[]> {
  try {
    const own = 'user' in owner && (await isAuthenticatedUser(client, owner.user, signal));
    const listing: Listing =
      'org' in owner
        ? { route: 'GET /orgs/{org}/repos', params: { org: owner.org, type: 'all' } }
        : own
          ? { route: 'GET /user/repos', params: { affiliation: 'owner' } }
          : { route: 'GET /users/{username}/repos', params: { username: owner.user, type: 'owner' } };
    const prefix = `${listing.route} ${JSON.stringify(listing.params)}#`;
    const repos: SourceRepo[] = [];
    const counts = { notModified: 0, fetched: 0 };
    let page = 1;
    for (; ; page += 1) {
      const key = `${prefix}${page}`;
      const cached = cache?.get(key);
      const got = await fetchPage(client, listing, page, cached?.etag, signal);
      let next: boolean;
      if (got === 'not-modified' && cached !== undefined) {
        counts.notModified += 1;
        repos.push(...cached.repos);
        next = cached.next;
      } else if (got === 'not-modified') {
        throw new Gh2ccError(
          'server',
          `GitHub answered 304 Not Modified to an unconditional request (page ${page})`,
        );
      } else {
        counts.fetched += 1;
        const mapped = got.items.map(toSourceRepo);
        repos.push(...mapped);
        next = got.next;
        if (cache !== undefined && got.etag !== undefined)
          cache.set(key, { etag: got.etag, next, repos: mapped });
      }
      if (!next) break;
    }
    if (cache !== undefined) {
      cache.keepOnly(prefix, page);
      cache.last = counts;
    }
    return repos;
  } catch (err) {
    const what = 'org' in owner ? `organization ${owner.org}` : `user ${owner.user}`;
    const e = classifyGithubError(err, what);
    throw e instanceof Gh2ccError ? e : new Gh2ccError('internal', String(err));
  }
}

async function fetchPage(
  client: GithubClient,
  listing: Listing,
  page: number,
  etag: string | undefined,
  signal: AbortSignal | undefined,
): Promise<'not-modified' | { items: GithubRepository[]; etag?: string; next: boolean }> {
  // The three listings take the same paging options; the union of their routes is more than TypeScript can
  // check in one call, so the request is typed by what is read from it.
  const request = client.request as (
    route: string,
    options: Record<string, unknown>,
  ) => Promise<{ data: unknown; headers: { etag?: string; link?: string } }>;
  try {
    const { data, headers } = await request(listing.route, {
      ...listing.params,
      sort: 'full_name',
      per_page: 100,
      page,
      ...(etag === undefined ? {} : { headers: { 'if-none-match': etag } }),
      ...(signal === undefined ? {} : { request: { signal } }),
    });
    return {
      items: data as GithubRepository[],
      ...(headers.etag === undefined ? {} : { etag: headers.etag }),
      next: /rel="next"/.test(headers.link ?? ''),
    };
  } catch (err) {
    if ((err as { status?: unknown } | null)?.status === 304) return 'not-modified';
    throw err;
  }
}

/**
 * Whether the token is `user`'s own: `GET /users/{user}/repos` lists public repositories only, so a user
 * mirroring their own account is listed through `GET /user/repos` (affiliation owner), private ones included.
 * A GitHub App's installation token is no user (GitHub answers 403): then the public listing it is.
 */
async function isAuthenticatedUser(
  client: GithubClient,
  user: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const { data } = await client.rest.users.getAuthenticated(
      signal === undefined ? {} : { request: { signal } },
    );
    return data.login.toLowerCase() === user.toLowerCase();
  } catch (err) {
    if ((err as { status?: unknown } | null)?.status === 403) return false;
    throw err;
  }
}
