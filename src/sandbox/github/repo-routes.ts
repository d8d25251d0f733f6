import { accountOf } from './account.ts';
import { GithubApiError } from './api-error.ts';
import { listBranches, listTags, readBranch, readCommit } from './bare-repo-reader.ts';
import { branchJson, branchProtectionJson, shortBranchJson, tagJson, type RepoRef } from './branch-json.ts';
import { protectionFor } from './branch-protection-match.ts';
import {
  ownerAccount,
  repoFacts,
  repoViews,
  requireOrg,
  requireOwner,
  requireRepo,
  sortRepos,
  type RepoSort,
} from './github-state.ts';
import type { OwnerState, RepoOnDisk } from './owner-store.ts';
import { booleanParam, enumParam } from './query-params.ts';
import { fullRepoJson, minimalRepoJson, permissionsFor, repoId } from './repo-json.ts';
import { paged, param, type RouteContext, type RouteResult, type Route } from './route-types.ts';
import { findTeam, parentTeam } from './team-access.ts';
import { teamJson } from './team-json.ts';
import { simpleUserJson } from './user-json.ts';
import { authenticatedUserReposRoute } from './user-repos.ts';

/** The sandbox token is a site administrator: full access to every repository. */
const ADMIN_PERMISSIONS = permissionsFor('admin');

const SORTS: readonly RepoSort[] = ['created', 'updated', 'pushed', 'full_name'];

async function listRepos(
  ctx: RouteContext,
  owner: OwnerState,
  repos: readonly RepoOnDisk[],
  defaultSort: RepoSort,
): Promise<RouteResult> {
  const sort = enumParam(ctx.query, 'sort', SORTS, defaultSort);
  // GitHub's default direction: ascending by name, newest first by any date.
  const direction = enumParam(ctx.query, 'direction', ['asc', 'desc'], sort === 'full_name' ? 'asc' : 'desc');
  const { sorted, times } = await sortRepos(owner, repos, sort, direction);
  return paged(ctx, sorted, async (page) =>
    (await repoViews(owner, page, times)).map((view) => minimalRepoJson(ctx.urls, view, ADMIN_PERMISSIONS)),
  );
}

function repoRef(owner: OwnerState, repo: RepoOnDisk): RepoRef {
  return { fullName: `${owner.login}/${repo.name}`, id: repoId({ owner: ownerAccount(owner), repo }) };
}

function branchNotFound(): GithubApiError {
  return new GithubApiError(404, 'Branch not found');
}

/** Repositories, their topics, branches, branch protection and tags. */
export function repoRoutes(): Route[] {
  return [
    {
      pattern: '/orgs/:org/repos',
      handle: async (ctx) => {
        const org = await requireOrg(ctx.state, param(ctx, 'org'));
        const type = enumParam(
          ctx.query,
          'type',
          ['all', 'public', 'private', 'forks', 'sources', 'member', 'internal'],
          'all',
        );
        const repos = org.repos.filter((r) => {
          const m = r.metadata;
          if (type === 'public') return m.visibility === 'public';
          // Internal repositories are private to outsiders (`private: true`), so `private` includes them.
          if (type === 'private') return m.visibility !== 'public';
          if (type === 'internal') return m.visibility === 'internal';
          if (type === 'forks') return m.fork;
          if (type === 'sources') return !m.fork;
          return true;
        });
        return listRepos(ctx, org, repos, 'created');
      },
    },
    {
      pattern: '/users/:username/repos',
      handle: async (ctx) => {
        const owner = await requireOwner(ctx.state, param(ctx, 'username'));
        const type = enumParam(ctx.query, 'type', ['all', 'owner', 'member'], 'owner');
        // Public repositories only, whoever asks (GET /user/repos lists one's own private ones). Collaborations
        // are not modelled: a user is a member of no one else's repositories.
        const repos = type === 'member' ? [] : owner.repos.filter((r) => r.metadata.visibility === 'public');
        return listRepos(ctx, owner, repos, 'full_name');
      },
    },
    authenticatedUserReposRoute(),
    {
      pattern: '/repos/:owner/:repo',
      handle: async (ctx) => {
        const { owner, repo } = await requireRepo(ctx.state, param(ctx, 'owner'), param(ctx, 'repo'));
        const view = { owner: ownerAccount(owner), repo, facts: await repoFacts(owner, repo) };
        return { body: fullRepoJson(ctx.urls, view, ADMIN_PERMISSIONS) };
      },
    },
    {
      pattern: '/repos/:owner/:repo/topics',
      handle: async (ctx) => {
        const { repo } = await requireRepo(ctx.state, param(ctx, 'owner'), param(ctx, 'repo'));
        return { body: { names: [...repo.metadata.topics] } };
      },
    },
    {
      pattern: '/repos/:owner/:repo/branches',
      handle: async (ctx) => {
        const { owner, repo } = await requireRepo(ctx.state, param(ctx, 'owner'), param(ctx, 'repo'));
        const wantProtected = booleanParam(ctx.query, 'protected');
        const ref = repoRef(owner, repo);
        const rows = (await listBranches(repo.gitDir))
          .map((tip) => ({ tip, matched: protectionFor(repo.metadata, tip.name) }))
          .filter((b) => wantProtected === undefined || (b.matched !== undefined) === wantProtected);
        return paged(ctx, rows, (page) => page.map((b) => shortBranchJson(ctx.urls, ref, b.tip, b.matched)));
      },
    },
    // Before the plain branch route: `*branch` would otherwise swallow the `/protection` suffix.
    {
      pattern: '/repos/:owner/:repo/branches/*branch/protection',
      handle: async (ctx) => {
        const { owner, repo } = await requireRepo(ctx.state, param(ctx, 'owner'), param(ctx, 'repo'));
        const name = param(ctx, 'branch');
        if ((await readBranch(repo.gitDir, name)) === null) throw branchNotFound();
        const matched = protectionFor(repo.metadata, name);
        if (matched === undefined) throw new GithubApiError(404, 'Branch not protected');
        const restrictions = matched.rule.restrictions;
        const org = ownerAccount(owner);
        return {
          body: branchProtectionJson(
            ctx.urls,
            repoRef(owner, repo),
            name,
            matched,
            restrictions === null || restrictions === undefined
              ? null
              : {
                  users: restrictions.users.map((login) =>
                    simpleUserJson(ctx.urls, accountOf(login, 'User')),
                  ),
                  teams: restrictions.teams.flatMap((slug) => {
                    const team = findTeam(owner.metadata, slug);
                    if (team === undefined) return [];
                    return [teamJson(ctx.urls, org, team, parentTeam(owner.metadata, team))];
                  }),
                },
          ),
        };
      },
    },
    {
      pattern: '/repos/:owner/:repo/branches/*branch',
      handle: async (ctx) => {
        const { owner, repo } = await requireRepo(ctx.state, param(ctx, 'owner'), param(ctx, 'repo'));
        const name = param(ctx, 'branch');
        const tip = await readBranch(repo.gitDir, name);
        if (tip === null) throw branchNotFound();
        const commit = await readCommit(repo.gitDir, tip.sha);
        return {
          body: branchJson(ctx.urls, repoRef(owner, repo), name, commit, protectionFor(repo.metadata, name)),
        };
      },
    },
    {
      pattern: '/repos/:owner/:repo/tags',
      handle: async (ctx) => {
        const { owner, repo } = await requireRepo(ctx.state, param(ctx, 'owner'), param(ctx, 'repo'));
        const ref = repoRef(owner, repo);
        const tags = await listTags(repo.gitDir);
        return paged(ctx, tags, (page) => page.map((tip) => tagJson(ctx.urls, ref, tip)));
      },
    },
  ];
}
