import type { AccessLevel } from './github-access.ts';

/** The fields of a repository in GitHub's team or collaborator listings that say how much access is granted. */
export interface GithubGrant {
  readonly role_name?: string;
  readonly permissions?: {
    readonly admin?: boolean;
    readonly maintain?: boolean;
    readonly push?: boolean;
    readonly triage?: boolean;
    readonly pull?: boolean;
  };
}

/** `role_name` spells the base roles as the UI does (read, write); older answers use the REST names. */
const BASE_ROLES: ReadonlyMap<string, AccessLevel> = new Map([
  ['read', 'pull'],
  ['pull', 'pull'],
  ['triage', 'triage'],
  ['write', 'push'],
  ['push', 'push'],
  ['maintain', 'maintain'],
  ['admin', 'admin'],
]);

/**
 * The level a grant amounts to. A custom role's `role_name` is its own name, but its `permissions` flags are
 * those of the base role it extends, so the highest true flag is that base role.
 */
export function accessLevelFromGithub(grant: GithubGrant): AccessLevel {
  const role = grant.role_name === undefined ? undefined : BASE_ROLES.get(grant.role_name);
  if (role !== undefined) return role;
  const flags = grant.permissions;
  if (flags?.admin === true) return 'admin';
  if (flags?.maintain === true) return 'maintain';
  if (flags?.push === true) return 'push';
  if (flags?.triage === true) return 'triage';
  // Being listed at all means read access; the lowest level is also the safe guess.
  return 'pull';
}
