import { createHash } from 'node:crypto';
import {
  ACCESS_LEVELS,
  higherLevel,
  levelRank,
  type AccessLevel,
  type GithubAccess,
  type ProtectedBranch,
  type TeamAccess,
} from './github-access.ts';
import {
  actionsFor,
  NO_DELETION_DENY,
  PROTECTED_BRANCH_DENY,
  TAG_ACTIONS,
  TAG_LEVEL,
} from './iam-actions.ts';
import {
  IAM_NAME_MAX,
  GROUPS_PER_ACCOUNT,
  GROUPS_PER_USER,
  MANAGED_POLICIES_PER_GROUP,
  MANAGED_POLICIES_PER_ROLE,
  packStatements,
  type PolicyDocument,
  type PolicyStatement,
} from './iam-policy.ts';

/**
 * GitHub's access model as IAM: one group per team (plus one for the org owners), each with customer-managed
 * policies that grant its level's CodeCommit actions on its repositories and deny pushes to the branches
 * GitHub's protection would stop it from pushing to. Pure: `gh2cc iam plan` diffs this against IAM.
 */

/** The org owners' group key; a real team slug cannot start with `_`. */
export const OWNERS_KEY = '_owners';
/** CodeCommit tag keys gh2cc writes for tag-based access (and may remove again). */
export const TEAM_TAG_PREFIX = 'gh2cc:team:';
export const PROTECT_TAG_PREFIX = 'gh2cc:protect:';
/** Tag on every policy gh2cc creates; with the path, what marks a policy as gh2cc's to change or delete. */
export const POLICY_OWNER_TAG = 'gh2cc:managed-by';
export const POLICY_ORG_TAG = 'gh2cc:org';

export type AccessMode = 'arn' | 'tag';

export interface UserMapping {
  /** IAM user name: made a member of the team's group. */
  readonly iamUser?: string;
  /** IAM role ARN: the team's policies are attached to the role (roles cannot join groups). */
  readonly roleArn?: string;
  /** IAM Identity Center permission set name: listed for export, never called. */
  readonly permissionSet?: string;
}

export interface IamModelSettings {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** IAM path of every group and policy gh2cc owns, e.g. `/gh2cc/my-org/`. */
  readonly path: string;
  /** Group name template with `{org}` and `{team}` (the owners' group uses team `owners@`). */
  readonly groupName: string;
  /** `auto` uses repository ARNs while they fit in the managed-policy budget, else tags. */
  readonly mode: 'auto' | AccessMode;
  readonly maxPoliciesPerGroup: number;
  /** The CodeCommit name of a GitHub repository, or undefined when gh2cc does not mirror it. */
  readonly targetName: (githubRepo: string) => string | undefined;
}

export interface DesiredPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

export interface DesiredGroup {
  /** Team slug, or OWNERS_KEY. */
  readonly key: string;
  readonly name: string;
  readonly mode: AccessMode;
  readonly modeReason: string;
  readonly policies: readonly DesiredPolicy[];
  /** IAM user names. */
  readonly users: readonly string[];
  /** IAM role names that get the group's policies attached. */
  readonly roles: readonly string[];
  /** CodeCommit repository name to the team's level there. */
  readonly repos: Readonly<Record<string, AccessLevel>>;
}

export interface DesiredIam {
  readonly org: string;
  readonly path: string;
  readonly groups: readonly DesiredGroup[];
  /** CodeCommit repository name to the access tags gh2cc wants on it (tag-based teams only). */
  readonly repoTags: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** GitHub logins with access and no entry in the user map: listed, never guessed. */
  readonly unmapped: readonly { readonly login: string; readonly groups: readonly string[] }[];
  /** Identity Center permission set name to the policies it should carry (for export). */
  readonly permissionSets: Readonly<Record<string, readonly string[]>>;
  /** Where IAM cannot say exactly what GitHub does; the plan shows them. */
  readonly warnings: readonly string[];
  /** IAM limits the model cannot meet; apply refuses while there are any. */
  readonly problems: readonly string[];
}

interface TeamGrants {
  readonly key: string;
  readonly label: string;
  readonly members: readonly string[];
  /** Target repository name to level. */
  readonly repos: ReadonlyMap<string, AccessLevel>;
}

/** Per group and repository, the refs to deny fully and the refs only deletion is denied on. */
interface Denies {
  readonly push: string[];
  readonly deletion: string[];
}

function ancestors(teams: ReadonlyMap<string, TeamAccess>, team: TeamAccess): TeamAccess[] {
  const chain = [team];
  let parent = team.parent;
  while (parent !== null) {
    const next = teams.get(parent);
    if (next === undefined || chain.includes(next)) break;
    chain.push(next);
    parent = next.parent;
  }
  return chain;
}

function teamGrants(access: GithubAccess, settings: IamModelSettings): TeamGrants[] {
  const bySlug = new Map(access.teams.map((t) => [t.slug, t]));
  const mirrored = access.repos.flatMap((r) => {
    const target = settings.targetName(r.name);
    return target === undefined ? [] : [[r.name.toLowerCase(), target] as const];
  });
  const targetOf = new Map(mirrored);
  const grants: TeamGrants[] = access.teams.map((team) => {
    const repos = new Map<string, AccessLevel>();
    // A child team inherits its parent's access; the highest level wins.
    for (const t of ancestors(bySlug, team)) {
      for (const [name, level] of Object.entries(t.repos)) {
        const target = targetOf.get(name.toLowerCase());
        if (target !== undefined) repos.set(target, higherLevel(repos.get(target), level));
      }
    }
    return { key: team.slug, label: `team ${team.slug}`, members: team.members, repos };
  });
  grants.push({
    key: OWNERS_KEY,
    label: 'the org owners',
    members: access.owners,
    repos: new Map(mirrored.map(([, target]) => [target, 'admin' as const])),
  });
  return grants;
}

/** Teams a push restriction lets through: the listed teams and their descendants (they inherit access). */
function allowedTeams(access: GithubAccess, listed: readonly string[]): Set<string> {
  const bySlug = new Map(access.teams.map((t) => [t.slug, t]));
  const allowed = new Set<string>();
  for (const team of access.teams) {
    if (ancestors(bySlug, team).some((t) => listed.includes(t.slug))) allowed.add(team.slug);
  }
  return allowed;
}

/**
 * Whether GitHub stops a group with `level` from pushing straight to the branch: required reviews, a lock or
 * a push restriction that does not name it stop everyone, except admins while the rule does not include them.
 */
function stops(rule: ProtectedBranch, group: TeamGrants, level: AccessLevel, allowed: Set<string>): boolean {
  if (levelRank(level) < levelRank('push')) return false;
  if (level === 'admin' && !rule.enforceAdmins) return false;
  if (rule.requiredReviews || rule.lockBranch) return true;
  if (rule.restrictions === null) return false;
  return group.key === OWNERS_KEY || !allowed.has(group.key);
}

function safeName(raw: string): string {
  const cleaned = raw.replace(/[^\w+=,.@-]/g, '-');
  if (cleaned.length <= IAM_NAME_MAX - 4) return cleaned;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 10);
  return `${cleaned.slice(0, IAM_NAME_MAX - 15)}-${hash}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

function sidPart(text: string): string {
  return text.replace(/[^A-Za-z0-9]/g, '');
}

interface ModelContext {
  readonly access: GithubAccess;
  readonly settings: IamModelSettings;
  readonly repoArn: (name: string) => string;
  readonly anyRepoArn: string;
}

/** Allow statements naming each repository: one per level the group holds somewhere. */
function arnAllows(ctx: ModelContext, grants: TeamGrants): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  for (const level of ACCESS_LEVELS) {
    const repos = [...grants.repos].filter(([, l]) => l === level).map(([name]) => ctx.repoArn(name));
    if (repos.length === 0) continue;
    out.push({
      Sid: `Level${sidPart(level)}`,
      Effect: 'Allow',
      Action: actionsFor(level),
      Resource: repos.sort(),
    });
    if (levelRank(level) >= levelRank(TAG_LEVEL)) {
      out.push(tagStatement(`Tags${sidPart(level)}`, repos.sort()));
    }
  }
  return out;
}

/** Tagging, never of gh2cc's own keys: access and protection depend on them. */
function tagStatement(sid: string, resource: string | readonly string[], extra?: Record<string, unknown>) {
  return {
    Sid: sid,
    Effect: 'Allow' as const,
    Action: [...TAG_ACTIONS],
    Resource: resource,
    Condition: {
      ...(extra as Record<string, Record<string, string>> | undefined),
      'ForAllValues:StringNotLike': { 'aws:TagKeys': ['gh2cc:*'] },
    },
  };
}

/** Allow statements by tag: fixed size, however many repositories the team has. */
function tagAllows(ctx: ModelContext, grants: TeamGrants): PolicyStatement[] {
  const key = `aws:ResourceTag/${TEAM_TAG_PREFIX}${grants.key}`;
  const out: PolicyStatement[] = [];
  for (const level of ACCESS_LEVELS) {
    const atLeast = ACCESS_LEVELS.slice(ACCESS_LEVELS.indexOf(level));
    out.push({
      Sid: `TaggedLevel${sidPart(level)}`,
      Effect: 'Allow',
      Action: [...(level === 'pull' ? actionsFor('pull') : actionsAddedByLevel(level))],
      Resource: ctx.anyRepoArn,
      Condition: { StringEquals: { [key]: atLeast } },
    });
  }
  const tagLevels = ACCESS_LEVELS.slice(ACCESS_LEVELS.indexOf(TAG_LEVEL));
  out.push(tagStatement('TaggedTags', ctx.anyRepoArn, { StringEquals: { [key]: tagLevels } }));
  return out;
}

function actionsAddedByLevel(level: AccessLevel): string[] {
  const below = ACCESS_LEVELS[ACCESS_LEVELS.indexOf(level) - 1];
  const have = new Set(below === undefined ? [] : actionsFor(below));
  return actionsFor(level).filter((a) => !have.has(a));
}

function denyStatement(
  sid: string,
  actions: readonly string[],
  resource: string | readonly string[],
  refs: readonly string[],
  extra?: Record<string, Record<string, string>>,
): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Deny',
    Action: [...actions],
    Resource: resource,
    Condition: {
      ...extra,
      StringEqualsIfExists: { 'codecommit:References': [...refs].sort() },
      // Without it, a request that carries no references at all would match the IfExists test and be
      // denied too (REFERENCE.md: required whenever a Deny covers GitPush).
      Null: { 'codecommit:References': 'false' },
    },
  };
}

function refsKey(d: Denies): string {
  return `${[...d.push].sort().join('\n')}\u0000${[...d.deletion].sort().join('\n')}`;
}

/** Deny statements naming each repository, repositories with the same protected refs sharing one. */
function arnDenies(ctx: ModelContext, denies: ReadonlyMap<string, Denies>): PolicyStatement[] {
  const byRefs = new Map<string, { d: Denies; repos: string[] }>();
  for (const [repo, d] of denies) {
    const k = refsKey(d);
    const entry = byRefs.get(k) ?? { d, repos: [] };
    entry.repos.push(ctx.repoArn(repo));
    byRefs.set(k, entry);
  }
  const out: PolicyStatement[] = [];
  let n = 0;
  for (const [, { d, repos }] of [...byRefs].sort(([a], [b]) => a.localeCompare(b))) {
    n += 1;
    if (d.push.length > 0)
      out.push(denyStatement(`Protected${n}`, PROTECTED_BRANCH_DENY, repos.sort(), d.push));
    if (d.deletion.length > 0)
      out.push(denyStatement(`NoDeletion${n}`, NO_DELETION_DENY, repos.sort(), d.deletion));
  }
  return out;
}

/** Deny statements by tag: one per distinct set of protected refs, the repository tagged with its id. */
function tagDenies(
  ctx: ModelContext,
  grants: TeamGrants,
  denies: ReadonlyMap<string, Denies>,
  repoTags: Map<string, Record<string, string>>,
): PolicyStatement[] {
  const key = `${PROTECT_TAG_PREFIX}${grants.key}`;
  const sets = new Map<string, Denies>();
  for (const [repo, d] of denies) {
    const id = `p${shortHash(refsKey(d))}`;
    sets.set(id, d);
    tagRepo(repoTags, repo, key, id);
  }
  const out: PolicyStatement[] = [];
  for (const [id, d] of [...sets].sort(([a], [b]) => a.localeCompare(b))) {
    const cond = { StringEquals: { [`aws:ResourceTag/${key}`]: id } };
    if (d.push.length > 0)
      out.push(denyStatement(`Protected${id}`, PROTECTED_BRANCH_DENY, ctx.anyRepoArn, d.push, cond));
    if (d.deletion.length > 0)
      out.push(denyStatement(`NoDeletion${id}`, NO_DELETION_DENY, ctx.anyRepoArn, d.deletion, cond));
  }
  return out;
}

function noteOnce(list: string[], text: string): void {
  if (!list.includes(text)) list.push(text);
}

function tagRepo(
  repoTags: Map<string, Record<string, string>>,
  repo: string,
  key: string,
  value: string,
): void {
  const tags = repoTags.get(repo) ?? {};
  tags[key] = value;
  repoTags.set(repo, tags);
}

/** Which refs each group may not push to (or delete), per repository. */
function protectionDenies(
  ctx: ModelContext,
  groups: readonly TeamGrants[],
): { denies: Map<string, Map<string, Denies>>; warnings: string[] } {
  const denies = new Map<string, Map<string, Denies>>();
  const warnings: string[] = [];
  for (const repo of ctx.access.repos) {
    const target = ctx.settings.targetName(repo.name);
    if (target === undefined) continue;
    for (const rule of repo.protectedBranches) {
      const ref = `refs/heads/${rule.branch}`;
      const allowed = allowedTeams(ctx.access, rule.restrictions?.teams ?? []);
      for (const group of groups) {
        const level = group.repos.get(target);
        if (level === undefined || levelRank(level) < levelRank('push')) continue;
        const stopped = stops(rule, group, level, allowed);
        const deleteOnly = !stopped && !rule.allowDeletions && !(level === 'admin' && !rule.enforceAdmins);
        if (!stopped && !deleteOnly) continue;
        if (deleteOnly)
          noteOnce(
            warnings,
            `${repo.name}:${rule.branch} may not be deleted on GitHub; IAM can deny the DeleteBranch API to ${group.label}, but not \`git push --delete\` (to CodeCommit that is a GitPush like any other)`,
          );
        const perRepo = denies.get(group.key) ?? new Map<string, Denies>();
        const d = perRepo.get(target) ?? { push: [], deletion: [] };
        (stopped ? d.push : d.deletion).push(ref);
        perRepo.set(target, d);
        denies.set(group.key, perRepo);
        if (stopped && rule.restrictions !== null) {
          const named = group.members.filter((m) =>
            rule.restrictions?.users.some((u) => u.toLowerCase() === m.toLowerCase()),
          );
          for (const login of named)
            warnings.push(
              `${login} may push to ${repo.name}:${rule.branch} on GitHub (named in its push restrictions), but ${group.label}'s group denies it; IAM group policies cannot make an exception for one member`,
            );
        }
      }
    }
  }
  return { denies, warnings };
}

/** Builds the IAM that mirrors the org's GitHub access. */
export function buildDesiredIam(
  access: GithubAccess,
  userMap: Readonly<Record<string, UserMapping>>,
  settings: IamModelSettings,
): DesiredIam {
  const repoArn = (name: string): string =>
    `arn:${settings.partition}:codecommit:${settings.region}:${settings.accountId}:${name}`;
  const ctx: ModelContext = { access, settings, repoArn, anyRepoArn: repoArn('*') };
  const ownerSet = new Set(access.owners.map((o) => o.toLowerCase()));
  const grants = teamGrants(access, settings).map((g) =>
    // Owners are admin everywhere through the owners' group; in a team's group they would also get that
    // team's branch-protection denies, which GitHub does not hold admins to.
    g.key === OWNERS_KEY ? g : { ...g, members: g.members.filter((m) => !ownerSet.has(m.toLowerCase())) },
  );
  const { denies, warnings } = protectionDenies(ctx, grants);
  const problems: string[] = [];
  const repoTags = new Map<string, Record<string, string>>();
  const mapping = new Map(Object.entries(userMap).map(([login, m]) => [login.toLowerCase(), m]));
  const unmapped = new Map<string, string[]>();
  const userGroups = new Map<string, string[]>();
  const rolePolicies = new Map<string, number>();
  const permissionSets = new Map<string, Set<string>>();
  const groups: DesiredGroup[] = [];

  for (const g of grants) {
    const name = safeName(
      settings.groupName
        .replaceAll('{org}', access.org)
        .replaceAll('{team}', g.key === OWNERS_KEY ? 'owners@' : g.key),
    );
    const groupDenies = denies.get(g.key) ?? new Map<string, Denies>();
    const arnDocs = packStatements([...arnAllows(ctx, g), ...arnDenies(ctx, groupDenies)]);
    const fitsArn = arnDocs !== undefined && arnDocs.length <= settings.maxPoliciesPerGroup;
    let mode: AccessMode;
    let modeReason: string;
    if (settings.mode === 'tag') {
      mode = 'tag';
      modeReason = 'tag-based access chosen by option';
    } else if (settings.mode === 'arn' || fitsArn) {
      mode = 'arn';
      modeReason =
        settings.mode === 'arn'
          ? 'repository ARNs chosen by option'
          : `${g.repos.size} repositories fit in ${arnDocs?.length ?? 0} managed ${arnDocs?.length === 1 ? 'policy' : 'policies'}`;
    } else {
      mode = 'tag';
      modeReason = `${g.repos.size} repositories need ${arnDocs?.length ?? 'too many'} managed policies by ARN (limit ${settings.maxPoliciesPerGroup}); tag-based access keeps one fixed-size policy`;
    }
    let docs: PolicyDocument[];
    if (mode === 'arn') {
      docs = arnDocs ?? [];
      if (arnDocs === undefined || arnDocs.length > MANAGED_POLICIES_PER_GROUP)
        problems.push(
          `${g.label}: ${g.repos.size} repositories by ARN need more than ${MANAGED_POLICIES_PER_GROUP} managed policies; use tag-based access (iam.mode auto or tag)`,
        );
    } else {
      for (const [repo, level] of g.repos) tagRepo(repoTags, repo, `${TEAM_TAG_PREFIX}${g.key}`, level);
      docs = packStatements([...tagAllows(ctx, g), ...tagDenies(ctx, g, groupDenies, repoTags)]) ?? [];
    }
    if (g.repos.size === 0) docs = [];
    const policies = docs.map((document, i) => ({ name: safeName(`${name}-${i + 1}`), document }));

    const users: string[] = [];
    const roles: string[] = [];
    for (const login of g.members) {
      const m = mapping.get(login.toLowerCase());
      if (
        m === undefined ||
        (m.iamUser === undefined && m.roleArn === undefined && m.permissionSet === undefined)
      ) {
        unmapped.set(login, [...(unmapped.get(login) ?? []), name]);
        continue;
      }
      if (m.iamUser !== undefined) {
        users.push(m.iamUser);
        userGroups.set(m.iamUser, [...(userGroups.get(m.iamUser) ?? []), name]);
      }
      if (m.roleArn !== undefined) {
        const role = m.roleArn.split('/').pop() ?? m.roleArn;
        roles.push(role);
        rolePolicies.set(role, (rolePolicies.get(role) ?? 0) + policies.length);
      }
      if (m.permissionSet !== undefined) {
        const set = permissionSets.get(m.permissionSet) ?? new Set<string>();
        for (const p of policies) set.add(p.name);
        permissionSets.set(m.permissionSet, set);
      }
    }
    groups.push({
      key: g.key,
      name,
      mode,
      modeReason,
      policies,
      users: [...new Set(users)].sort(),
      roles: [...new Set(roles)].sort(),
      repos: Object.fromEntries([...g.repos].sort(([a], [b]) => a.localeCompare(b))),
    });
  }

  if (groups.length > GROUPS_PER_ACCOUNT)
    warnings.push(
      `${groups.length} groups for one org: IAM allows ${GROUPS_PER_ACCOUNT} per account by default (the quota can be raised)`,
    );
  for (const [user, list] of userGroups)
    if (list.length > GROUPS_PER_USER)
      problems.push(
        `IAM user ${user} would be in ${list.length} gh2cc groups (IAM allows ${GROUPS_PER_USER}): ${list.join(', ')}`,
      );
  for (const [role, count] of rolePolicies)
    if (count > MANAGED_POLICIES_PER_ROLE)
      problems.push(
        `IAM role ${role} would carry ${count} gh2cc managed policies (IAM allows ${MANAGED_POLICIES_PER_ROLE} by default)`,
      );

  return {
    org: access.org,
    path: settings.path,
    groups: groups.sort((a, b) => a.name.localeCompare(b.name)),
    repoTags: Object.fromEntries([...repoTags].sort(([a], [b]) => a.localeCompare(b))),
    unmapped: [...unmapped]
      .map(([login, gs]) => ({ login, groups: gs.sort() }))
      .sort((a, b) => a.login.localeCompare(b.login)),
    permissionSets: Object.fromEntries([...permissionSets].map(([k, v]) => [k, [...v].sort()])),
    warnings,
    problems,
  };
}
