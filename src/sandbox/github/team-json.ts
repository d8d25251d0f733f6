import type { Account } from './account.ts';
import type { SandboxUrls } from './sandbox-urls.ts';
import { legacyNodeId, stableId } from './stable-id.ts';
import type { TeamMetadata } from './team-access.ts';
import { githubTime } from './user-json.ts';

export function teamId(org: Account, team: TeamMetadata): number {
  return team.id ?? stableId('team', org.login, team.slug);
}

/** `team-simple`: the shape of a team's `parent` and of teams nested elsewhere. */
export function teamSimpleJson(urls: SandboxUrls, org: Account, team: TeamMetadata): Record<string, unknown> {
  const id = teamId(org, team);
  // GitHub's canonical team URLs go by numeric ids, so they survive renames.
  const url = `${urls.api}/organizations/${org.id}/team/${id}`;
  return {
    id,
    node_id: legacyNodeId('Team', id),
    url,
    members_url: `${url}/members{/member}`,
    name: team.name ?? team.slug,
    description: team.description,
    permission: 'pull',
    privacy: team.privacy,
    notification_setting: 'notifications_enabled',
    html_url: `${urls.html}/orgs/${org.login}/teams/${team.slug}`,
    repositories_url: `${url}/repos`,
    slug: team.slug,
    type: 'organization',
    organization_id: org.id,
  };
}

/** `team`: list entries, with the parent as a `team-simple` or null. */
export function teamJson(
  urls: SandboxUrls,
  org: Account,
  team: TeamMetadata,
  parent: TeamMetadata | undefined,
): Record<string, unknown> {
  return {
    ...teamSimpleJson(urls, org, team),
    parent: parent === undefined ? null : teamSimpleJson(urls, org, parent),
  };
}

export interface TeamCounts {
  readonly membersCount: number;
  readonly reposCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** `team-full`: `GET /orgs/{org}/teams/{team_slug}`, with the organization embedded. */
export function teamFullJson(
  urls: SandboxUrls,
  org: Account,
  team: TeamMetadata,
  parent: TeamMetadata | undefined,
  counts: TeamCounts,
  organization: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...teamJson(urls, org, team, parent),
    members_count: counts.membersCount,
    repos_count: counts.reposCount,
    created_at: githubTime(counts.createdAt),
    updated_at: githubTime(counts.updatedAt),
    organization,
  };
}
