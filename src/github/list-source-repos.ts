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
  const { listForOrg, listForUser } = client.rest.repos;
  const bound = signal === undefined ? undefined : { request: { signal } };
  try {
    // Page by page, keeping only what gh2cc needs of each repository: the raw objects of a 10,000-repo org
    // would hold tens of megabytes at once.
    const pages =
      'org' in owner
        ? client.paginate.iterator(bound === undefined ? listForOrg : listForOrg.defaults(bound), {
            org: owner.org,
            type: 'all',
            // By name: pages stay stable while repositories are created or pushed during the listing.
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
