import { GithubApiError, invalidParameter } from './api-error.ts';
import {
  adminAccount,
  ownerAccount,
  repoFacts,
  repoTimes,
  type RepoSort,
  type RepoTimes,
} from './github-state.ts';
import { mapLimit } from './map-limit.ts';
import { listOwners, loadOwner, type OwnerState, type RepoOnDisk } from './owner-store.ts';
import { enumParam } from './query-params.ts';
import { minimalRepoJson, permissionsFor } from './repo-json.ts';
import { paged, type Route, type RouteContext } from './route-types.ts';
import { organizationMembers } from './team-access.ts';

type Affiliation = 'owner' | 'collaborator' | 'organization_member';
const AFFILIATIONS: readonly Affiliation[] = ['owner', 'collaborator', 'organization_member'];
const SORTS: readonly RepoSort[] = ['created', 'updated', 'pushed', 'full_name'];

interface Listed {
  readonly owner: OwnerState;
  readonly repo: RepoOnDisk;
}

/** `type` is the older spelling of `visibility` + `affiliation`; GitHub refuses the two together. */
function selection(query: URLSearchParams): {
  visibility: 'all' | 'public' | 'private';
  affiliations: readonly Affiliation[];
} {
  const given = (name: string): boolean => (query.get(name) ?? '') !== '';
  if (given('type')) {
    if (given('visibility') || given('affiliation'))
      throw new GithubApiError(422, 'If you specify visibility or affiliation, you cannot specify type.');
    const type = enumParam(query, 'type', ['all', 'owner', 'public', 'private', 'member'], 'all');
    if (type === 'owner') return { visibility: 'all', affiliations: ['owner'] };
    if (type === 'member')
      return { visibility: 'all', affiliations: ['collaborator', 'organization_member'] };
    return { visibility: type === 'all' ? 'all' : type, affiliations: AFFILIATIONS };
  }
  const visibility = enumParam(query, 'visibility', ['all', 'public', 'private'], 'all');
  const raw = query.get('affiliation');
  if (raw === null || raw === '') return { visibility, affiliations: AFFILIATIONS };
  const affiliations = raw.split(',').map((a) => a.trim());
  for (const a of affiliations)
    if (!(AFFILIATIONS as readonly string[]).includes(a))
      throw invalidParameter('affiliation', a, AFFILIATIONS);
  return { visibility, affiliations: affiliations as Affiliation[] };
}

/**
 * `GET /user/repos`: the authenticated user's repositories, private ones included (`GET /users/{u}/repos` shows
 * only public ones). The sandbox token is the administrator: `owner` lists an owner folder named like it,
 * `organization_member` the organizations whose YAML lists it as a member; collaborations are not modelled.
 */
export function authenticatedUserReposRoute(): Route {
  return {
    pattern: '/user/repos',
    handle: async (ctx: RouteContext) => {
      const { visibility, affiliations } = selection(ctx.query);
      const sort = enumParam(ctx.query, 'sort', SORTS, 'full_name');
      const direction = enumParam(
        ctx.query,
        'direction',
        ['asc', 'desc'],
        sort === 'full_name' ? 'asc' : 'desc',
      );
      const login = adminAccount().account.login.toLowerCase();
      const owners: OwnerState[] = [];
      for (const name of await listOwners(ctx.state.dir)) {
        const owner = await loadOwner(ctx.state.dir, name, ctx.state.cache);
        if (owner === null) continue;
        const own = owner.login.toLowerCase() === login && owner.metadata.type === 'User';
        const member =
          owner.metadata.type === 'Organization' &&
          organizationMembers(owner.metadata).some((m) => m.login.toLowerCase() === login);
        if (
          (own && affiliations.includes('owner')) ||
          (member && affiliations.includes('organization_member'))
        )
          owners.push(owner);
      }
      const listed: Listed[] = owners.flatMap((owner) =>
        owner.repos
          .filter(
            (repo) =>
              visibility === 'all' || (repo.metadata.visibility === 'public') === (visibility === 'public'),
          )
          .map((repo) => ({ owner, repo })),
      );
      const times = new Map<Listed, RepoTimes>();
      if (sort !== 'full_name')
        await mapLimit(listed, 64, async (l) => times.set(l, await repoTimes(l.owner, l.repo)));
      const key = (l: Listed): number => {
        const t = times.get(l);
        if (t === undefined) return 0;
        return (sort === 'created' ? t.createdAt : sort === 'pushed' ? t.pushedAt : t.updatedAt).getTime();
      };
      const fullName = (l: Listed): string => `${l.owner.login}/${l.repo.name}`.toLowerCase();
      const sign = direction === 'asc' ? 1 : -1;
      const sorted = [...listed].sort(
        (a, b) => sign * (key(a) - key(b) || fullName(a).localeCompare(fullName(b))),
      );
      return paged(ctx, sorted, (page) =>
        mapLimit(page, 16, async (l) =>
          minimalRepoJson(
            ctx.urls,
            {
              owner: ownerAccount(l.owner),
              repo: l.repo,
              facts: await repoFacts(l.owner, l.repo, times.get(l)),
            },
            permissionsFor('admin'),
          ),
        ),
      );
    },
  };
}
