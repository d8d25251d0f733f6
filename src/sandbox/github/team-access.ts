import type { OwnerMetadata, RepoPermission } from './owner-metadata.ts';
import { permissionRank } from './repo-json.ts';

/**
 * GitHub's nested-team rules: a child team inherits its parent's repository access (so a team's repository
 * list includes its ancestors' grants), and a parent team's members include its descendants' members.
 */

export type TeamMetadata = OwnerMetadata['teams'][number];

export interface EffectiveMember {
  readonly login: string;
  readonly role: 'member' | 'maintainer';
  /** True when the user is on the team only through a child team. */
  readonly inherited: boolean;
}

export function findTeam(metadata: OwnerMetadata, slug: string): TeamMetadata | undefined {
  const key = slug.toLowerCase();
  return metadata.teams.find((t) => t.slug === key);
}

export function parentTeam(metadata: OwnerMetadata, team: TeamMetadata): TeamMetadata | undefined {
  return team.parent === undefined || team.parent === null ? undefined : findTeam(metadata, team.parent);
}

/** The team itself, then its parent, grandparent, ... (the schema rules out cycles). */
export function teamAndAncestors(metadata: OwnerMetadata, team: TeamMetadata): TeamMetadata[] {
  const chain: TeamMetadata[] = [team];
  let parent = team.parent ?? null;
  while (parent !== null) {
    const next = findTeam(metadata, parent);
    if (next === undefined || chain.includes(next)) break;
    chain.push(next);
    parent = next.parent ?? null;
  }
  return chain;
}

export function childTeams(metadata: OwnerMetadata, team: TeamMetadata): TeamMetadata[] {
  return metadata.teams.filter((t) => t.parent === team.slug);
}

export function teamDescendants(metadata: OwnerMetadata, team: TeamMetadata): TeamMetadata[] {
  const out: TeamMetadata[] = [];
  const queue = childTeams(metadata, team);
  while (queue.length > 0) {
    const next = queue.shift();
    if (next === undefined || out.includes(next)) continue;
    out.push(next);
    queue.push(...childTeams(metadata, next));
  }
  return out;
}

/** Repository name (lower-cased) to the highest permission the team has on it, directly or inherited. */
export function effectiveTeamRepos(metadata: OwnerMetadata, team: TeamMetadata): Map<string, RepoPermission> {
  const grants = new Map<string, RepoPermission>();
  for (const t of teamAndAncestors(metadata, team)) {
    for (const [repo, permission] of Object.entries(t.repos)) {
      const key = repo.toLowerCase();
      const held = grants.get(key);
      if (held === undefined || permissionRank(permission) > permissionRank(held))
        grants.set(key, permission);
    }
  }
  return grants;
}

/** Direct members first (with their role), then members who belong only through descendant teams. */
export function effectiveTeamMembers(metadata: OwnerMetadata, team: TeamMetadata): EffectiveMember[] {
  const members = new Map<string, EffectiveMember>();
  for (const m of team.members)
    members.set(m.login.toLowerCase(), { login: m.login, role: m.role, inherited: false });
  for (const child of teamDescendants(metadata, team)) {
    for (const m of child.members) {
      const key = m.login.toLowerCase();
      if (!members.has(key)) members.set(key, { login: m.login, role: 'member', inherited: true });
    }
  }
  return [...members.values()];
}

/**
 * Organization members with their org role. Team members count even when the YAML forgot to list them
 * under `members`: on GitHub only organization members can be on a team.
 */
export function organizationMembers(metadata: OwnerMetadata): { login: string; role: 'admin' | 'member' }[] {
  const members = new Map<string, { login: string; role: 'admin' | 'member' }>();
  for (const m of metadata.members) members.set(m.login.toLowerCase(), { login: m.login, role: m.role });
  for (const t of metadata.teams) {
    for (const m of t.members) {
      const key = m.login.toLowerCase();
      if (!members.has(key)) members.set(key, { login: m.login, role: 'member' });
    }
  }
  return [...members.values()].sort((a, b) => a.login.toLowerCase().localeCompare(b.login.toLowerCase()));
}
