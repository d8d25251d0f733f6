/**
 * Who can do what in a GitHub organization, as gh2cc reads it for the IAM mapping: teams (with their parent),
 * each team's repositories and level, direct members, org owners, and the branch protection of each
 * repository. Read by `src/github/list-github-access.ts`; turned into IAM by `src/core/iam-model.ts`.
 */

/** GitHub's repository levels, lowest first (REST names). Custom roles are mapped to their base role. */
export const ACCESS_LEVELS = ['pull', 'triage', 'push', 'maintain', 'admin'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export function levelRank(level: AccessLevel): number {
  return ACCESS_LEVELS.indexOf(level);
}

export function higherLevel(a: AccessLevel | undefined, b: AccessLevel): AccessLevel {
  return a === undefined || levelRank(b) > levelRank(a) ? b : a;
}

export interface TeamAccess {
  readonly slug: string;
  readonly name: string;
  /** Slug of the parent team, or null for a top-level team. */
  readonly parent: string | null;
  /**
   * Logins of the team's own members. GitHub's member list includes the members of child teams; those are
   * removed here, because a child team's group already carries the parent's access (a child team inherits
   * its parent's repositories), and adding them to the parent's group would wrongly give them the parent's
   * branch-protection denies too.
   */
  readonly members: readonly string[];
  /** Repository name to the level GitHub lists for the team (inherited grants are added by the model). */
  readonly repos: Readonly<Record<string, AccessLevel>>;
}

export interface ProtectedBranch {
  /** The branch name (GitHub's REST API reports protection per existing branch). */
  readonly branch: string;
  /** Pull request reviews are required before merging: nobody pushes directly (admins unless enforced). */
  readonly requiredReviews: boolean;
  readonly requiredApprovals: number;
  /** Admins are held to the rule too. */
  readonly enforceAdmins: boolean;
  /** The branch is read-only for everyone it applies to. */
  readonly lockBranch: boolean;
  readonly allowDeletions: boolean;
  readonly allowForcePushes: boolean;
  /** Push restrictions: only these users and teams may push; null means everyone with write access. */
  readonly restrictions: { readonly users: readonly string[]; readonly teams: readonly string[] } | null;
}

export interface RepoAccess {
  /** The GitHub repository name. */
  readonly name: string;
  readonly protectedBranches: readonly ProtectedBranch[];
}

export interface GithubAccess {
  readonly org: string;
  /** Logins of the organization's owners: admin on every repository. */
  readonly owners: readonly string[];
  readonly teams: readonly TeamAccess[];
  readonly repos: readonly RepoAccess[];
}
