import { validateIdentityPolicy } from '@cloud-copilot/iam-policy';
import {
  runSimulation,
  type EvaluationResult,
  type SimulationIdentityPolicy,
} from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_LEVELS,
  type AccessLevel,
  type GithubAccess,
  type ProtectedBranch,
  type TeamAccess,
} from '../../src/core/github-access.ts';
import {
  buildDesiredIam,
  OWNERS_KEY,
  type AccessMode,
  type DesiredGroup,
  type DesiredIam,
  type IamModelSettings,
} from '../../src/core/iam-model.ts';
import type { PolicyDocument } from '../../src/core/iam-policy.ts';

/*
 * The acceptance of issue 9 for the access model: an independent IAM evaluator (@cloud-copilot/iam-simulate,
 * dev-only) decides what each generated group may do on CodeCommit, as AWS would once `gh2cc iam apply` has
 * created the policies and tagged the repositories.
 */

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const MAIN = 'refs/heads/main';
const FEATURE = 'refs/heads/feature';
// IAM's limits, written out rather than imported so a wrong constant in the model cannot hide here.
const POLICY_MAX_CHARS = 6144;
const POLICIES_PER_GROUP = 10;

const A = 'Allowed';
const X = 'ExplicitlyDenied';
const I = 'ImplicitlyDenied';

function repoArn(repo: string): string {
  return `arn:aws:codecommit:${REGION}:${ACCOUNT}:${repo}`;
}

function settings(mode: IamModelSettings['mode']): IamModelSettings {
  return {
    partition: 'aws',
    region: REGION,
    accountId: ACCOUNT,
    path: '/gh2cc/acme/',
    groupName: 'gh2cc-{org}-{team}',
    mode,
    maxPoliciesPerGroup: POLICIES_PER_GROUP,
    targetName: (name) => name,
  };
}

function team(slug: string, repos: Record<string, AccessLevel>, parent: string | null = null): TeamAccess {
  return { slug, name: slug, parent, members: [], repos };
}

/** A protected branch with GitHub's defaults: no reviews, no restrictions, deletion and force pushes off. */
function rule(branch: string, changes: Partial<ProtectedBranch> = {}): ProtectedBranch {
  return {
    branch,
    requiredReviews: false,
    requiredApprovals: 0,
    enforceAdmins: false,
    lockBranch: false,
    allowDeletions: false,
    allowForcePushes: false,
    restrictions: null,
    ...changes,
  };
}

/** What IAM itself would refuse at CreatePolicy / CreateGroup time, and the quotas. */
function expectWithinIamRules(desired: DesiredIam): void {
  for (const group of desired.groups) {
    expect(group.name).toMatch(/^[\w+=,.@-]{1,128}$/);
    expect(group.policies.length, group.name).toBeLessThanOrEqual(POLICIES_PER_GROUP);
    for (const { name, document } of group.policies) {
      expect(name).toMatch(/^[\w+=,.@-]{1,128}$/);
      expect(validateIdentityPolicy(document), name).toEqual([]);
      expect(JSON.stringify(document).length, name).toBeLessThanOrEqual(POLICY_MAX_CHARS);
      const sids = document.Statement.map((s) => s.Sid);
      expect(new Set(sids).size, `${name}: Sids unique`).toBe(sids.length);
      for (const sid of sids) expect(sid).toMatch(/^[A-Za-z0-9]+$/);
    }
  }
}

function build(access: GithubAccess, mode: IamModelSettings['mode']): DesiredIam {
  const desired = buildDesiredIam(access, {}, settings(mode));
  expectWithinIamRules(desired);
  expect(desired.problems).toEqual([]);
  return desired;
}

function groupOf(desired: DesiredIam, key: string): DesiredGroup {
  const group = desired.groups.find((g) => g.key === key);
  if (group === undefined) throw new Error(`no group for ${key}`);
  return group;
}

async function simulate(
  policies: readonly PolicyDocument[],
  action: string,
  repo: string,
  context: Record<string, string | string[]>,
): Promise<EvaluationResult> {
  const identityPolicies: SimulationIdentityPolicy[] = policies.map((policy, i) => ({
    name: `policy-${i + 1}`,
    policy,
  }));
  const response = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:user/someone`,
        action: `codecommit:${action}`,
        resource: { resource: repoArn(repo), accountId: ACCOUNT },
        contextVariables: context,
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType !== 'single') {
    const detail = response.resultType === 'error' ? JSON.stringify(response.errors) : response.resultType;
    throw new Error(`${action} on ${repo}: ${detail}`);
  }
  // The simulator silently drops a context key it does not know for the action; a check would then be vacuous.
  expect(response.result.ignoredContextKeys ?? [], `${action}: context keys ignored`).toEqual([]);
  return response.overallResult;
}

/**
 * AWS's answer for a member of the group: its policies are the identity's only ones, the request carries the
 * ref (for the actions that take one) and the repository's tags as `desired.repoTags` says apply sets them.
 */
async function decide(
  desired: DesiredIam,
  key: string,
  action: string,
  repo: string,
  ref?: string,
): Promise<EvaluationResult> {
  const context: Record<string, string | string[]> = {};
  if (ref !== undefined) context['codecommit:References'] = [ref];
  for (const [tag, value] of Object.entries(desired.repoTags[repo] ?? {})) {
    context[`aws:ResourceTag/${tag}`] = value;
  }
  const docs = groupOf(desired, key).policies.map((p) => p.document);
  return simulate(docs, action, repo, context);
}

// One team per level on `api`, whose `main` needs reviews (admins not held to it) and whose `feature` is not
// protected; `other` has no team at all.
const LEVEL_ORG: GithubAccess = {
  org: 'acme',
  owners: ['octocat'],
  teams: ACCESS_LEVELS.map((level) => team(`t-${level}`, { api: level })),
  repos: [
    { name: 'api', protectedBranches: [rule('main', { requiredReviews: true, requiredApprovals: 1 })] },
    { name: 'other', protectedBranches: [] },
  ],
};

type Expected = Readonly<Record<AccessLevel | typeof OWNERS_KEY, EvaluationResult>>;

interface LevelRow {
  readonly action: string;
  readonly repo: string;
  readonly ref?: string;
  readonly expected: Expected;
}

function levels(
  pull: EvaluationResult,
  triage: EvaluationResult,
  push: EvaluationResult,
  maintain: EvaluationResult,
  admin: EvaluationResult,
  owners: EvaluationResult = admin,
): Expected {
  return { pull, triage, push, maintain, admin, [OWNERS_KEY]: owners };
}

const LEVEL_TABLE: readonly LevelRow[] = [
  { action: 'GitPull', repo: 'api', expected: levels(A, A, A, A, A) },
  { action: 'GitPush', repo: 'api', ref: FEATURE, expected: levels(I, I, A, A, A) },
  { action: 'GitPush', repo: 'api', ref: MAIN, expected: levels(I, I, X, X, A) },
  // A GitPush request without references must not be caught by the branch deny: the Null clause.
  { action: 'GitPush', repo: 'api', expected: levels(I, I, A, A, A) },
  { action: 'MergePullRequestBySquash', repo: 'api', ref: MAIN, expected: levels(I, I, X, X, A) },
  { action: 'MergePullRequestBySquash', repo: 'api', ref: FEATURE, expected: levels(I, I, A, A, A) },
  { action: 'DeleteRepository', repo: 'api', expected: levels(I, I, I, I, A) },
  { action: 'UpdateDefaultBranch', repo: 'api', expected: levels(I, I, I, I, A) },
  // Org owners are admin on every repository, teams only on theirs.
  { action: 'GitPull', repo: 'other', expected: levels(I, I, I, I, I, A) },
  { action: 'DeleteRepository', repo: 'other', expected: levels(I, I, I, I, I, A) },
];

interface Check {
  readonly group: string;
  readonly action: string;
  readonly ref?: string;
  readonly expected: EvaluationResult;
}

interface Scenario {
  readonly name: string;
  readonly access: GithubAccess;
  /** All on repository `api`. */
  readonly checks: readonly Check[];
}

function org(teams: readonly TeamAccess[], main: ProtectedBranch): GithubAccess {
  return {
    org: 'acme',
    owners: ['octocat'],
    teams,
    repos: [{ name: 'api', protectedBranches: [main] }],
  };
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'required reviews with admins included: admins and owners are stopped too',
    access: org(
      [team('t-push', { api: 'push' }), team('t-admin', { api: 'admin' })],
      rule('main', { requiredReviews: true, requiredApprovals: 1, enforceAdmins: true }),
    ),
    checks: [
      { group: 't-admin', action: 'GitPush', ref: MAIN, expected: X },
      { group: 't-admin', action: 'MergePullRequestBySquash', ref: MAIN, expected: X },
      { group: 't-admin', action: 'GitPush', ref: FEATURE, expected: A },
      { group: 't-admin', action: 'DeleteRepository', expected: A },
      { group: OWNERS_KEY, action: 'GitPush', ref: MAIN, expected: X },
      { group: 't-push', action: 'GitPush', ref: MAIN, expected: X },
    ],
  },
  {
    name: 'push restrictions naming team-a: team-a and its child team may push, team-b may not',
    access: org(
      [
        team('team-a', { api: 'push' }),
        team('team-a-child', {}, 'team-a'),
        team('team-b', { api: 'push' }),
        team('t-maintain', { api: 'maintain' }),
      ],
      rule('main', { restrictions: { users: [], teams: ['team-a'] } }),
    ),
    checks: [
      { group: 'team-a', action: 'GitPush', ref: MAIN, expected: A },
      { group: 'team-a', action: 'MergePullRequestBySquash', ref: MAIN, expected: A },
      { group: 'team-a-child', action: 'GitPull', expected: A },
      { group: 'team-a-child', action: 'GitPush', ref: MAIN, expected: A },
      { group: 'team-b', action: 'GitPush', ref: MAIN, expected: X },
      { group: 'team-b', action: 'MergePullRequestBySquash', ref: MAIN, expected: X },
      { group: 'team-b', action: 'GitPush', ref: FEATURE, expected: A },
      { group: 't-maintain', action: 'GitPush', ref: MAIN, expected: X },
      { group: OWNERS_KEY, action: 'GitPush', ref: MAIN, expected: A },
    ],
  },
  {
    name: 'push restrictions naming only the child team: the parent is stopped',
    access: org(
      [team('team-a', { api: 'push' }), team('team-a-child', {}, 'team-a')],
      rule('main', { restrictions: { users: [], teams: ['team-a-child'] } }),
    ),
    checks: [
      { group: 'team-a', action: 'GitPush', ref: MAIN, expected: X },
      { group: 'team-a-child', action: 'GitPush', ref: MAIN, expected: A },
    ],
  },
  {
    name: 'locked branch: read-only for everyone but admins',
    access: org(
      [
        team('t-push', { api: 'push' }),
        team('t-maintain', { api: 'maintain' }),
        team('t-admin', { api: 'admin' }),
      ],
      rule('main', { lockBranch: true }),
    ),
    checks: [
      { group: 't-push', action: 'GitPush', ref: MAIN, expected: X },
      { group: 't-maintain', action: 'GitPush', ref: MAIN, expected: X },
      { group: 't-maintain', action: 'MergePullRequestBySquash', ref: MAIN, expected: X },
      { group: 't-admin', action: 'GitPush', ref: MAIN, expected: A },
      { group: 't-push', action: 'GitPush', ref: FEATURE, expected: A },
    ],
  },
  {
    name: 'deletion not allowed: pushes and merges go through, branch deletion does not',
    access: org([team('t-push', { api: 'push' }), team('t-admin', { api: 'admin' })], rule('main')),
    checks: [
      { group: 't-push', action: 'DeleteBranch', ref: MAIN, expected: X },
      { group: 't-push', action: 'GitPush', ref: MAIN, expected: A },
      { group: 't-push', action: 'MergePullRequestBySquash', ref: MAIN, expected: A },
      { group: 't-push', action: 'DeleteBranch', ref: FEATURE, expected: A },
      { group: 't-admin', action: 'DeleteBranch', ref: MAIN, expected: A },
      { group: OWNERS_KEY, action: 'DeleteBranch', ref: MAIN, expected: A },
    ],
  },
  {
    name: 'protection that stops nobody: deletions allowed, no reviews',
    access: org([team('t-push', { api: 'push' })], rule('main', { allowDeletions: true })),
    checks: [
      { group: 't-push', action: 'DeleteBranch', ref: MAIN, expected: A },
      { group: 't-push', action: 'GitPush', ref: MAIN, expected: A },
    ],
  },
];

function describeCheck(c: { readonly action: string; readonly ref?: string }): string {
  return c.ref === undefined ? c.action : `${c.action} ${c.ref}`;
}

describe.each<AccessMode>(['arn', 'tag'])('access by %s: what AWS decides', (mode) => {
  const levelIam = buildDesiredIam(LEVEL_ORG, {}, settings(mode));

  it('every generated policy passes the validator and the size limits', () => {
    for (const access of [LEVEL_ORG, ...SCENARIOS.map((s) => s.access)]) build(access, mode);
  });

  it('builds every group in that mode (tags on repositories only for tag-based access)', () => {
    for (const group of levelIam.groups) expect(group.mode, group.name).toBe(mode);
    if (mode === 'arn') expect(levelIam.repoTags).toEqual({});
    else expect(Object.keys(levelIam.repoTags).sort()).toEqual(['api', 'other']);
  });

  it.each(LEVEL_TABLE.map((row) => ({ ...row, label: `${describeCheck(row)} on ${row.repo}` })))(
    'per level: $label',
    async (row) => {
      const keys = [...ACCESS_LEVELS, OWNERS_KEY] as const;
      const got: Record<string, EvaluationResult> = {};
      for (const key of keys) {
        got[key] = await decide(
          levelIam,
          key === OWNERS_KEY ? key : `t-${key}`,
          row.action,
          row.repo,
          row.ref,
        );
      }
      expect(got).toEqual(row.expected);
    },
  );

  it.each(SCENARIOS)('$name', async ({ access, checks }) => {
    const desired = build(access, mode);
    const got: string[] = [];
    const want: string[] = [];
    for (const c of checks) {
      const label = `${c.group} ${describeCheck(c)}`;
      got.push(`${label}: ${await decide(desired, c.group, c.action, 'api', c.ref)}`);
      want.push(`${label}: ${c.expected}`);
    }
    expect(got).toEqual(want);
  });
});

describe('the evaluator', () => {
  it('notices a missing Null clause or a missing deny (the tables above are not vacuous)', async () => {
    const docs = groupOf(build(LEVEL_ORG, 'arn'), 't-push').policies.map((p) => p.document);
    expect(docs.some((d) => d.Statement.some((s) => s.Effect === 'Deny'))).toBe(true);
    const withoutNull = docs.map((d) => ({
      ...d,
      Statement: d.Statement.map((s) => {
        if (s.Condition === undefined) return s;
        const { Null: _null, ...rest } = s.Condition;
        return { ...s, Condition: rest };
      }),
    }));
    expect(await simulate(withoutNull, 'GitPush', 'api', {})).toBe(X);
    const withoutDeny = docs.map((d) => ({
      ...d,
      Statement: d.Statement.filter((s) => s.Effect === 'Allow'),
    }));
    expect(await simulate(withoutDeny, 'GitPush', 'api', { 'codecommit:References': [MAIN] })).toBe(A);
  });
});

/** One team with push on 500 repositories, every other one with `main` protected by required reviews. */
function bigOrg(nameOf: (n: number) => string): {
  access: GithubAccess;
  protectedRepo: string;
  openRepo: string;
} {
  const names = Array.from({ length: 500 }, (_, i) => nameOf(i + 1));
  return {
    access: {
      org: 'acme',
      owners: ['octocat'],
      teams: [team('services', Object.fromEntries(names.map((n) => [n, 'push' as const])))],
      repos: [
        ...names.map((name, i) => ({
          name,
          protectedBranches:
            i % 2 === 0 ? [rule('main', { requiredReviews: true, requiredApprovals: 1 })] : [],
        })),
        { name: 'elsewhere', protectedBranches: [] },
      ],
    },
    protectedRepo: names[0] ?? '',
    openRepo: names[1] ?? '',
  };
}

describe('a team with 500 repositories', () => {
  it.each([
    // 500 short names by ARN need 9 managed policies: within IAM's 10, so auto keeps ARNs.
    { names: 'service-0001', nameOf: (n: number) => `service-${String(n).padStart(4, '0')}`, mode: 'arn' },
    // Longer names do not fit in 10 policies: auto switches the team to tag-based access.
    {
      names: 'payments-platform-service-0001',
      nameOf: (n: number) => `payments-platform-service-${String(n).padStart(4, '0')}`,
      mode: 'tag',
    },
  ] as const)('named like $names: auto picks $mode, stays within IAM limits and evaluates', async (c) => {
    const { access, protectedRepo, openRepo } = bigOrg(c.nameOf);
    const desired = build(access, 'auto');
    const services = groupOf(desired, 'services');
    expect(services.mode).toBe(c.mode);
    expect(Object.keys(services.repos)).toHaveLength(500);
    if (c.mode === 'tag') {
      expect(services.modeReason).toMatch(/need \d+ managed policies by ARN \(limit 10\)/);
      expect(services.policies).toHaveLength(1);
      expect(desired.repoTags[protectedRepo]).toMatchObject({ 'gh2cc:team:services': 'push' });
      expect(desired.repoTags.elsewhere ?? {}).not.toHaveProperty('gh2cc:team:services');
    }

    const got = {
      pullProtected: await decide(desired, 'services', 'GitPull', protectedRepo),
      pushProtectedMain: await decide(desired, 'services', 'GitPush', protectedRepo, MAIN),
      pushProtectedFeature: await decide(desired, 'services', 'GitPush', protectedRepo, FEATURE),
      pushOpenMain: await decide(desired, 'services', 'GitPush', openRepo, MAIN),
      mergeProtectedMain: await decide(desired, 'services', 'MergePullRequestBySquash', protectedRepo, MAIN),
      pullElsewhere: await decide(desired, 'services', 'GitPull', 'elsewhere'),
      pushElsewhere: await decide(desired, 'services', 'GitPush', 'elsewhere', FEATURE),
      ownersPushProtectedMain: await decide(desired, OWNERS_KEY, 'GitPush', protectedRepo, MAIN),
    };
    expect(got).toEqual({
      pullProtected: A,
      pushProtectedMain: X,
      pushProtectedFeature: A,
      pushOpenMain: A,
      mergeProtectedMain: X,
      pullElsewhere: I,
      pushElsewhere: I,
      ownersPushProtectedMain: A,
    });
  });

  it('by ARN when forced, a team that cannot fit is a problem the plan reports', () => {
    const { access } = bigOrg((n) => `payments-platform-service-${String(n).padStart(4, '0')}`);
    const desired = buildDesiredIam(access, {}, settings('arn'));
    expect(groupOf(desired, 'services').mode).toBe('arn');
    expect(desired.problems).toContainEqual(
      expect.stringMatching(/^team services: 500 repositories by ARN need more than 10 managed policies/),
    );
  });
});
