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
  /** Per listing (route and parameters), its pages in order. */
  readonly #listings = new Map<string, ListedPage[]>();
  /** Pages answered 304 from the cache, and pages fetched, by the last listing (for the log and the bench). */
  last = { notModified: 0, fetched: 0 };

  pages(listing: string): ListedPage[] {
    let pages = this.#listings.get(listing);
    if (pages === undefined) this.#listings.set(listing, (pages = []));
    return pages;
  }
}

interface ListedPage {
  readonly etag?: string;
  readonly next: boolean;
  readonly repos: readonly SourceRepo[];
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
    // Index 0 holds page 1. Without a cache the array is thrown away: every request is unconditional.
    const pages = cache?.pages(`${listing.route} ${JSON.stringify(listing.params)}`) ?? [];
    const repos: SourceRepo[] = [];
    const counts = { notModified: 0, fetched: 0 };
    for (let page = 1; ; page += 1) {
      const cached = pages[page - 1];
      const got = await fetchPage(client, listing, page, cached?.etag, signal);
      let now: ListedPage;
      if (got !== 'not-modified') {
        // Only the mapped repositories are kept, never GitHub's raw objects.
        const { items, ...validator } = got;
        now = { ...validator, repos: items.map(toSourceRepo) };
        counts.fetched += 1;
      } else if (cached !== undefined) {
        now = cached;
        counts.notModified += 1;
      } else {
        throw new Gh2ccError(
          'server',
          `GitHub answered 304 Not Modified to an unconditional request (page ${page})`,
        );
      }
      pages[page - 1] = now;
      repos.push(...now.repos);
      if (!now.next) {
        // The org may have shrunk: later pages would never be asked for again.
        pages.length = page;
        break;
      }
    }
    if (cache !== undefined) cache.last = counts;
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
