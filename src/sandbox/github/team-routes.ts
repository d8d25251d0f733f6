import { accountOf } from './account.ts';
import { notFound } from './api-error.ts';
import { ownerAccount, ownerProfile, repoViews, requireOrg } from './github-state.ts';
import type { RepoPermission } from './owner-metadata.ts';
import type { OwnerState, RepoOnDisk } from './owner-store.ts';
import { enumParam } from './query-params.ts';
import { minimalRepoJson, permissionsFor, roleName } from './repo-json.ts';
import { paged, param, type Route, type RouteContext } from './route-types.ts';
import {
  childTeams,
  effectiveTeamMembers,
  effectiveTeamRepos,
  findTeam,
  parentTeam,
  type TeamMetadata,
} from './team-access.ts';
import { teamFullJson, teamJson } from './team-json.ts';
import { organizationJson, simpleUserJson } from './user-json.ts';

async function requireTeam(ctx: RouteContext): Promise<{ org: OwnerState; team: TeamMetadata }> {
  const org = await requireOrg(ctx.state, param(ctx, 'org'));
  const team = findTeam(org.metadata, param(ctx, 'team_slug'));
  if (team === undefined) throw notFound();
  return { org, team };
}

/** Repositories the team can reach (directly or through an ancestor) that exist on disk, by name. */
function teamRepos(org: OwnerState, team: TeamMetadata): { repo: RepoOnDisk; permission: RepoPermission }[] {
  const grants = effectiveTeamRepos(org.metadata, team);
  return org.repos.flatMap((repo) => {
    const permission = grants.get(repo.name.toLowerCase());
    return permission === undefined ? [] : [{ repo, permission }];
  });
}

function byName(a: TeamMetadata, b: TeamMetadata): number {
  return (a.name ?? a.slug).toLowerCase().localeCompare((b.name ?? b.slug).toLowerCase());
}

/** Teams, child teams, team repositories and team members. */
export function teamRoutes(): Route[] {
  return [
    {
      pattern: '/orgs/:org/teams',
      handle: async (ctx) => {
        const org = await requireOrg(ctx.state, param(ctx, 'org'));
        const account = ownerAccount(org);
        const teams = [...org.metadata.teams].sort(byName);
        return paged(ctx, teams, (page) =>
          page.map((t) => teamJson(ctx.urls, account, t, parentTeam(org.metadata, t))),
        );
      },
    },
    {
      pattern: '/orgs/:org/teams/:team_slug',
      handle: async (ctx) => {
        const { org, team } = await requireTeam(ctx);
        const account = ownerAccount(org);
        const profile = ownerProfile(org);
        const createdAt = team.created_at === undefined ? profile.createdAt : new Date(team.created_at);
        return {
          body: teamFullJson(
            ctx.urls,
            account,
            team,
            parentTeam(org.metadata, team),
            {
              membersCount: effectiveTeamMembers(org.metadata, team).length,
              reposCount: teamRepos(org, team).length,
              createdAt,
              updatedAt: profile.updatedAt > createdAt ? profile.updatedAt : createdAt,
            },
            organizationJson(ctx.urls, account, profile),
          ),
        };
      },
    },
    {
      pattern: '/orgs/:org/teams/:team_slug/teams',
      handle: async (ctx) => {
        const { org, team } = await requireTeam(ctx);
        const account = ownerAccount(org);
        const children = childTeams(org.metadata, team).sort(byName);
        return paged(ctx, children, (page) => page.map((t) => teamJson(ctx.urls, account, t, team)));
      },
    },
    {
      pattern: '/orgs/:org/teams/:team_slug/repos',
      handle: async (ctx) => {
        const { org, team } = await requireTeam(ctx);
        const rows = teamRepos(org, team);
        return paged(ctx, rows, async (page) => {
          const views = await repoViews(
            org,
            page.map((r) => r.repo),
          );
          return views.map((view, i) => {
            const permission = page[i]?.permission ?? 'pull';
            return {
              ...minimalRepoJson(ctx.urls, view, permissionsFor(permission)),
              role_name: roleName(permission),
            };
          });
        });
      },
    },
    {
      pattern: '/orgs/:org/teams/:team_slug/members',
      handle: async (ctx) => {
        const { org, team } = await requireTeam(ctx);
        const role = enumParam(ctx.query, 'role', ['all', 'member', 'maintainer'], 'all');
        const members = effectiveTeamMembers(org.metadata, team)
          .filter((m) => role === 'all' || m.role === role)
          .sort((a, b) => a.login.toLowerCase().localeCompare(b.login.toLowerCase()));
        return paged(ctx, members, (page) =>
          page.map((m) => ({
            ...simpleUserJson(ctx.urls, accountOf(m.login, 'User')),
            role: m.role,
            inherited: m.inherited,
          })),
        );
      },
    },
  ];
}
