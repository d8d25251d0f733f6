import type { SourceRepo } from '../core/repo-filter.ts';
import { sourceFromGithub, type GithubRepository } from '../core/source-from-github.ts';
import { Gh2ccError } from '../util/errors.ts';
import type { GithubClient } from './create-github-client.ts';
import { classifyGithubError } from './classify-github-error.ts';

/** GitHub's repository JSON → SourceRepo (one mapping for REST answers and webhook payloads). */
export const toSourceRepo = sourceFromGithub;

/** Every repository of an organization or a user, through `Link` pagination, 100 per page. */
export async function listSourceRepos(
  client: GithubClient,
  owner: { readonly org: string } | { readonly user: string },
  signal?: AbortSignal,
): Promise<SourceRepo[]> {
  // The paginator passes only method, URL and headers on to each page's request, so the signal (Ctrl-C
  // cancels the request in flight) goes into the endpoint's own defaults.
  const { listForOrg, listForUser, listForAuthenticatedUser: listOwn } = client.rest.repos;
  const bound = signal === undefined ? undefined : { request: { signal } };
  try {
    const own = 'user' in owner && (await isAuthenticatedUser(client, owner.user, signal));
    // Page by page, keeping only what gh2cc needs of each repository: the raw objects of a 10,000-repo org
    // would hold tens of megabytes at once. By name: pages stay stable while repositories are created or
    // pushed during the listing.
    const pages =
      'org' in owner
        ? client.paginate.iterator(bound === undefined ? listForOrg : listForOrg.defaults(bound), {
            org: owner.org,
            type: 'all',
            sort: 'full_name',
            per_page: 100,
          })
        : own
          ? client.paginate.iterator(bound === undefined ? listOwn : listOwn.defaults(bound), {
              affiliation: 'owner',
              sort: 'full_name',
              per_page: 100,
            })
          : client.paginate.iterator(bound === undefined ? listForUser : listForUser.defaults(bound), {
              username: owner.user,
              type: 'owner',
              sort: 'full_name',
              per_page: 100,
            });
    const repos: SourceRepo[] = [];
    for await (const page of pages)
      for (const item of page.data as GithubRepository[]) repos.push(toSourceRepo(item));
    return repos;
  } catch (err) {
    const what = 'org' in owner ? `organization ${owner.org}` : `user ${owner.user}`;
    const e = classifyGithubError(err, what);
    throw e instanceof Gh2ccError ? e : new Gh2ccError('internal', String(err));
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
