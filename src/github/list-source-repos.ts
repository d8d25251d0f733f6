import type { SourceRepo } from '../core/repo-filter.ts';
import { Gh2ccError } from '../util/errors.ts';
import type { GithubClient } from './create-github-client.ts';
import { classifyGithubError } from './classify-github-error.ts';

interface RepoListItem {
  id?: number;
  name: string;
  full_name: string;
  owner: { login: string } | null;
  description: string | null;
  topics?: string[];
  archived?: boolean;
  fork: boolean;
  private: boolean;
  visibility?: string;
  default_branch?: string;
  clone_url?: string;
  html_url: string;
  size?: number;
  pushed_at?: string | null;
  has_wiki?: boolean;
}

export function toSourceRepo(item: RepoListItem): SourceRepo {
  const visibility =
    item.visibility === 'internal' || item.visibility === 'public'
      ? item.visibility
      : item.private
        ? 'private'
        : 'public';
  return {
    ...(item.id === undefined ? {} : { id: item.id }),
    owner: item.owner?.login ?? item.full_name.split('/')[0] ?? '',
    name: item.name,
    fullName: item.full_name,
    description: item.description ?? '',
    topics: item.topics ?? [],
    archived: item.archived ?? false,
    fork: item.fork,
    visibility,
    defaultBranch: item.default_branch ?? 'main',
    cloneUrl: item.clone_url ?? `${item.html_url}.git`,
    htmlUrl: item.html_url,
    sizeKb: item.size ?? 0,
    pushedAt: item.pushed_at ?? null,
    hasWiki: item.has_wiki ?? false,
  };
}

/** Every repository of an organization or a user, through `Link` pagination, 100 per page. */
export async function listSourceRepos(
  client: GithubClient,
  owner: { readonly org: string } | { readonly user: string },
): Promise<SourceRepo[]> {
  try {
    // Page by page, keeping only what gh2cc needs of each repository: the raw objects of a 10,000-repo org
    // would hold tens of megabytes at once.
    const pages =
      'org' in owner
        ? client.paginate.iterator(client.rest.repos.listForOrg, {
            org: owner.org,
            type: 'all',
            // By name: pages stay stable while repositories are created or pushed during the listing.
            sort: 'full_name',
            per_page: 100,
          })
        : client.paginate.iterator(client.rest.repos.listForUser, {
            username: owner.user,
            type: 'owner',
            sort: 'full_name',
            per_page: 100,
          });
    const repos: SourceRepo[] = [];
    for await (const page of pages)
      for (const item of page.data as RepoListItem[]) repos.push(toSourceRepo(item));
    return repos;
  } catch (err) {
    const what = 'org' in owner ? `organization ${owner.org}` : `user ${owner.user}`;
    const e = classifyGithubError(err, what);
    throw e instanceof Gh2ccError ? e : new Gh2ccError('internal', String(err));
  }
}
