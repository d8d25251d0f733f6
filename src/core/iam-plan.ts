import { PROTECT_TAG_PREFIX, TEAM_TAG_PREFIX, type DesiredIam } from './iam-model.ts';
import type { PolicyDocument } from './iam-policy.ts';

/**
 * The difference between the IAM gh2cc wants (`DesiredIam`) and what is there (`CurrentIam`), as the list of
 * changes `gh2cc iam apply` makes. Pure. Only resources gh2cc owns are ever changed or deleted: groups under
 * its path, policies under its path that carry its tag, its own policies' attachments, and its own tag keys
 * on repositories.
 */

export interface CurrentPolicy {
  readonly name: string;
  readonly arn: string;
  /** The default version's document as IAM returns it (parsed), or undefined when unreadable. */
  readonly document: unknown;
  readonly tags: Readonly<Record<string, string>>;
}

export interface CurrentGroup {
  readonly name: string;
  readonly users: readonly string[];
  /** ARNs of the managed policies attached to the group. */
  readonly attached: readonly string[];
}

export interface CurrentIam {
  readonly groups: readonly CurrentGroup[];
  /** Customer-managed policies under gh2cc's path (owned or not). */
  readonly policies: readonly CurrentPolicy[];
  /** Role name to the ARNs of gh2cc's policies attached to it. */
  readonly roleAttachments: Readonly<Record<string, readonly string[]>>;
  /** Repository name to its gh2cc access tags (keys under TEAM_TAG_PREFIX / PROTECT_TAG_PREFIX). */
  readonly repoTags: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** IAM user names the user map names that do not exist. */
  readonly missingUsers: readonly string[];
  /** IAM role names the user map names that do not exist. */
  readonly missingRoles: readonly string[];
  /** Repositories not in CodeCommit yet: tagged by a later apply, once migrated. */
  readonly missingRepos: readonly string[];
}

export type IamChange =
  | { readonly op: 'createGroup'; readonly group: string }
  | { readonly op: 'deleteGroup'; readonly group: string }
  | { readonly op: 'createPolicy'; readonly policy: string; readonly document: PolicyDocument }
  | {
      readonly op: 'updatePolicy';
      readonly policy: string;
      readonly document: PolicyDocument;
      /** What the default version said before: someone else's edit shows here. */
      readonly before: unknown;
    }
  | { readonly op: 'deletePolicy'; readonly policy: string }
  | { readonly op: 'attachGroupPolicy'; readonly group: string; readonly policy: string }
  | { readonly op: 'detachGroupPolicy'; readonly group: string; readonly policy: string }
  | { readonly op: 'addUserToGroup'; readonly group: string; readonly user: string }
  | { readonly op: 'removeUserFromGroup'; readonly group: string; readonly user: string }
  | { readonly op: 'attachRolePolicy'; readonly role: string; readonly policy: string }
  | { readonly op: 'detachRolePolicy'; readonly role: string; readonly policy: string }
  | { readonly op: 'tagRepository'; readonly repo: string; readonly tags: Readonly<Record<string, string>> }
  | { readonly op: 'untagRepository'; readonly repo: string; readonly keys: readonly string[] };

export interface IamPlan {
  readonly changes: readonly IamChange[];
  /** Limits or ownership conflicts that stop apply. */
  readonly problems: readonly string[];
}

export function isAccessTag(key: string): boolean {
  return key.startsWith(TEAM_TAG_PREFIX) || key.startsWith(PROTECT_TAG_PREFIX);
}

/** JSON with object keys sorted, so that two documents compare by content. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

export function policyArnOf(
  policy: string,
  ctx: { partition: string; accountId: string; path: string },
): string {
  return `arn:${ctx.partition}:iam::${ctx.accountId}:policy${ctx.path}${policy}`;
}

function nameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

export function diffIam(
  desired: DesiredIam,
  current: CurrentIam,
  ctx: { readonly partition: string; readonly accountId: string; readonly ownerTag: string },
): IamPlan {
  const changes: IamChange[] = [];
  const problems = [...desired.problems];
  const arnCtx = { ...ctx, path: desired.path };
  const owned = (p: CurrentPolicy): boolean => p.tags[ctx.ownerTag] === 'gh2cc';
  const policies = new Map(current.policies.map((p) => [p.name, p]));
  const groups = new Map(current.groups.map((g) => [g.name, g]));
  const wantedPolicies = new Set(desired.groups.flatMap((g) => g.policies.map((p) => p.name)));
  const wantedArns = new Set([...wantedPolicies].map((p) => policyArnOf(p, arnCtx)));
  const ownedArns = new Set(current.policies.filter(owned).map((p) => p.arn));

  for (const user of current.missingUsers)
    problems.push(`IAM user ${user} (in the user map) does not exist; create it or fix the map`);
  for (const role of current.missingRoles)
    problems.push(`IAM role ${role} (in the user map) does not exist; create it or fix the map`);

  // Policies first: groups and roles attach them.
  for (const g of desired.groups) {
    for (const p of g.policies) {
      const have = policies.get(p.name);
      if (have === undefined) changes.push({ op: 'createPolicy', policy: p.name, document: p.document });
      else if (!owned(have))
        problems.push(
          `policy ${desired.path}${p.name} exists without gh2cc's tag; gh2cc will not take it over: delete or rename it`,
        );
      else if (canonicalJson(have.document) !== canonicalJson(p.document))
        changes.push({ op: 'updatePolicy', policy: p.name, document: p.document, before: have.document });
    }
  }

  for (const g of desired.groups) {
    const have = groups.get(g.name);
    if (have === undefined) changes.push({ op: 'createGroup', group: g.name });
    const attached = new Set(have?.attached ?? []);
    for (const p of g.policies) {
      if (!attached.has(policyArnOf(p.name, arnCtx)))
        changes.push({ op: 'attachGroupPolicy', group: g.name, policy: p.name });
    }
    for (const arn of have?.attached ?? []) {
      // Someone else's policies on gh2cc's group are left alone; only gh2cc's own that no longer belong go.
      if (ownedArns.has(arn) && !g.policies.some((p) => policyArnOf(p.name, arnCtx) === arn))
        changes.push({ op: 'detachGroupPolicy', group: g.name, policy: nameOfArn(arn) });
    }
    const members = new Set(have?.users ?? []);
    for (const u of g.users) {
      if (!members.has(u) && !current.missingUsers.includes(u))
        changes.push({ op: 'addUserToGroup', group: g.name, user: u });
    }
    for (const u of have?.users ?? []) {
      if (!g.users.includes(u)) changes.push({ op: 'removeUserFromGroup', group: g.name, user: u });
    }
  }

  const wantedRoles = new Map<string, Set<string>>();
  for (const g of desired.groups)
    for (const role of g.roles) {
      const set = wantedRoles.get(role) ?? new Set<string>();
      for (const p of g.policies) set.add(policyArnOf(p.name, arnCtx));
      wantedRoles.set(role, set);
    }
  for (const [role, want] of [...wantedRoles].sort(([a], [b]) => a.localeCompare(b))) {
    if (current.missingRoles.includes(role)) continue;
    const have = new Set(current.roleAttachments[role] ?? []);
    for (const arn of [...want].sort())
      if (!have.has(arn)) changes.push({ op: 'attachRolePolicy', role, policy: nameOfArn(arn) });
  }
  for (const [role, arns] of Object.entries(current.roleAttachments)) {
    const want = wantedRoles.get(role) ?? new Set<string>();
    for (const arn of arns)
      if (ownedArns.has(arn) && !want.has(arn))
        changes.push({ op: 'detachRolePolicy', role, policy: nameOfArn(arn) });
  }

  // Groups under gh2cc's path that no team needs any more: emptied, then deleted.
  const wantedGroups = new Set(desired.groups.map((g) => g.name));
  for (const have of current.groups) {
    if (wantedGroups.has(have.name)) continue;
    for (const u of have.users) changes.push({ op: 'removeUserFromGroup', group: have.name, user: u });
    for (const arn of have.attached)
      changes.push({ op: 'detachGroupPolicy', group: have.name, policy: nameOfArn(arn) });
    changes.push({ op: 'deleteGroup', group: have.name });
  }
  for (const p of current.policies) {
    if (owned(p) && !wantedPolicies.has(p.name) && !wantedArns.has(p.arn))
      changes.push({ op: 'deletePolicy', policy: p.name });
  }

  const repos = new Set([...Object.keys(desired.repoTags), ...Object.keys(current.repoTags)]);
  const missingRepos = new Set(current.missingRepos);
  for (const repo of [...repos].sort()) {
    if (missingRepos.has(repo)) continue;
    const want = desired.repoTags[repo] ?? {};
    const have = current.repoTags[repo] ?? {};
    const set = Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k] !== v));
    const remove = Object.keys(have).filter((k) => isAccessTag(k) && !(k in want));
    if (Object.keys(set).length > 0) changes.push({ op: 'tagRepository', repo, tags: set });
    if (remove.length > 0) changes.push({ op: 'untagRepository', repo, keys: remove.sort() });
  }
  return { changes, problems };
}
