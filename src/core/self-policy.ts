import {
  policyDocument,
  type ConditionBlock,
  type PolicyDocument,
  type PolicyStatement,
} from './iam-policy.ts';
import { TOPIC_TAG_PREFIX } from './repo-tags.ts';

/**
 * The least-privilege IAM policy for gh2cc's own identity, generated from one table of the AWS calls the code
 * makes. `test/iam/self-policy.test.ts` keeps the table honest: every AWS SDK command in src/ and workers/
 * must be in it, every migrate/daemon SDK row must still be made somewhere, and a real migration against the
 * sandbox must only make calls the generated policy allows.
 */

/** `migrate`, `verify`, `demo`; the daemon and its workers; `gh2cc iam plan` and `apply`. */
export const SELF_POLICY_MODES = ['migrate', 'daemon', 'iam'] as const;
export type SelfPolicyMode = (typeof SELF_POLICY_MODES)[number];

export interface SelfPolicyContext {
  /** Default: from the region (`aws-cn` for cn-*, `aws-us-gov` for us-gov-*, else `aws`). */
  readonly partition?: string;
  readonly region: string;
  readonly accountId: string;
  /** CodeCommit repository name prefix (`migrate.naming.prefix`); '' or unset = every repository. */
  readonly repoPrefix?: string;
  /** ARN of `codecommit.kmsKeyId` (a key ARN: IAM does not match key operations on an alias). */
  readonly kmsKeyArn?: string;
  /** `notify.snsTopicArn`. */
  readonly snsTopicArn?: string;
  /** `aws.assumeRoleArn`. */
  readonly assumeRoleArn?: string;
  /** Path of the groups and policies `gh2cc iam apply` manages, e.g. `/gh2cc/`. */
  readonly iamPath: string;
}

/**
 * What an action is allowed on:
 * - `repository`: repositories under the prefix;
 * - `repository-own-tags`: the same, for tag writes of gh2cc's own keys (`gh2cc:*`) only;
 * - `repository-topic-tags`: the same, for removing GitHub topic tags (`github-topic:*`) only;
 * - `iam-group`, `iam-policy`: groups and policies under the IAM path;
 * - `iam-group-attach`, `iam-role-attach`: attaching to or detaching from any group under the path / any role,
 *   only policies under the path; `iam-user-detach`: detaching them from any user (before deleting one);
 * - `iam-role`, `iam-user`: reading any role or user (mapped users and roles live anywhere);
 * - `account-wide`: `*`, for actions without resource-level permissions;
 * - `kms-key`, `sns-topic`, `assume-role`: the one key, topic or role from the configuration;
 * - `none`: AWS allows the call to every identity (sts:GetCallerIdentity); listed so the table is complete.
 */
export type SelfPolicyResource =
  | 'repository'
  | 'repository-own-tags'
  | 'repository-topic-tags'
  | 'iam-group'
  | 'iam-group-attach'
  | 'iam-policy'
  | 'iam-role-attach'
  | 'iam-user-detach'
  | 'iam-role'
  | 'iam-user'
  | 'account-wide'
  | 'kms-key'
  | 'sns-topic'
  | 'assume-role'
  | 'none';

/**
 * How the call is made: an AWS SDK command sent from src/; git over HTTPS (`git-upload-pack` is GitPull,
 * `git-receive-pack` GitPush); the SDK's credential provider (STS for `aws.assumeRoleArn`); or CodeCommit calling
 * KMS with gh2cc's permissions when it encrypts or decrypts a repository.
 */
export type SelfPolicyVia = 'sdk' | 'git' | 'credentials' | 'codecommit';

export interface SelfPolicyCall {
  readonly service: 'codecommit' | 'iam' | 'kms' | 'sns' | 'sts';
  /** The SDK command name without `Command`, the git service, or the KMS operation. */
  readonly call: string;
  readonly via: SelfPolicyVia;
  /** The IAM action the call needs. */
  readonly action: string;
  readonly resource: SelfPolicyResource;
  readonly modes: readonly SelfPolicyMode[];
  /** Where the code makes it, and why. */
  readonly why: string;
  /** Granted ahead of the code that will make it (the test checks it is not made yet, then that it is). */
  readonly planned?: boolean;
}

/** The IAM API calls `gh2cc iam apply` makes; its tests check the code against this list. */
export const IAM_APPLY_CALLS = [
  'AddUserToGroup',
  'AttachGroupPolicy',
  'AttachRolePolicy',
  'CreateGroup',
  'CreatePolicy',
  'CreatePolicyVersion',
  'DeleteGroup',
  'DeletePolicy',
  'DeletePolicyVersion',
  'DetachGroupPolicy',
  'DetachRolePolicy',
  'DetachUserPolicy',
  'GetGroup',
  'GetPolicyVersion',
  'GetRole',
  'GetUser',
  'ListAttachedGroupPolicies',
  'ListEntitiesForPolicy',
  'ListGroups',
  'ListPolicies',
  'ListPolicyTags',
  'ListPolicyVersions',
  'RemoveUserFromGroup',
  'TagPolicy',
] as const;
export type IamApplyCall = (typeof IAM_APPLY_CALLS)[number];

/** The resource each IAM call is authorized on (IAM's service authorization reference). */
const IAM_CALL_RESOURCE: Readonly<Record<IamApplyCall, SelfPolicyResource>> = {
  AddUserToGroup: 'iam-group',
  AttachGroupPolicy: 'iam-group-attach',
  AttachRolePolicy: 'iam-role-attach',
  CreateGroup: 'iam-group',
  CreatePolicy: 'iam-policy',
  CreatePolicyVersion: 'iam-policy',
  DeleteGroup: 'iam-group',
  DeletePolicy: 'iam-policy',
  DeletePolicyVersion: 'iam-policy',
  DetachGroupPolicy: 'iam-group-attach',
  DetachRolePolicy: 'iam-role-attach',
  DetachUserPolicy: 'iam-user-detach',
  GetGroup: 'iam-group',
  GetPolicyVersion: 'iam-policy',
  GetRole: 'iam-role',
  GetUser: 'iam-user',
  ListAttachedGroupPolicies: 'iam-group',
  ListEntitiesForPolicy: 'iam-policy',
  ListGroups: 'account-wide',
  ListPolicies: 'account-wide',
  ListPolicyTags: 'iam-policy',
  ListPolicyVersions: 'iam-policy',
  RemoveUserFromGroup: 'iam-group',
  TagPolicy: 'iam-policy',
};

/** Why iam apply makes a call, where the resource alone does not say. */
const IAM_CALL_WHY: Partial<Readonly<Record<IamApplyCall, string>>> = {
  DetachUserPolicy: 'deleting a gh2cc policy first detaches it from every entity, users included',
  GetRole: 'checks that a mapped role exists',
  GetUser: 'checks that a mapped user exists',
  ListEntitiesForPolicy: 'who has a gh2cc policy attached (roles; everything before a delete)',
  TagPolicy: 'CreatePolicy with ownership tags needs iam:TagPolicy as well',
};

const SYNC: readonly SelfPolicyMode[] = ['migrate', 'daemon'];

/**
 * KMS operations CodeCommit performs on a repository's key when it creates the repository and when data is
 * pushed or pulled. With the AWS managed key (`aws/codecommit`) nothing needs allowing; with a customer managed
 * key the caller must be allowed them (CodeCommit User Guide, "AWS Key Management Service and encryption for
 * AWS CodeCommit repositories"). kms:ReEncrypt* is left out: it serves UpdateRepositoryEncryptionKey, which
 * gh2cc never calls.
 */
const KMS_ACTIONS = [
  'Decrypt',
  'DescribeKey',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
];

export const SELF_POLICY_CALLS: readonly SelfPolicyCall[] = [
  ...(
    [
      [
        'BatchGetRepositories',
        'repository',
        SYNC,
        'which planned repositories exist, 100 per call (plan-migration)',
      ],
      ['CreateRepository', 'repository', SYNC, 'ensure step: a repository that does not exist yet'],
      ['GetRepository', 'repository', SYNC, 'ownership and default-branch checks; rename and stop tagging'],
      [
        'GetRepositoryTriggers',
        'repository',
        SYNC,
        "notify.codecommitTriggers: the repository's other triggers are kept when gh2cc puts its own",
      ],
      [
        'ListBranches',
        'repository',
        SYNC,
        'an existing repository without gh2cc tags may be adopted if empty',
      ],
      [
        'ListTagsForResource',
        'repository',
        ['migrate', 'daemon', 'iam'],
        'provenance tags decide whether a repository is ours; iam apply reads team tags',
      ],
      [
        'PutRepositoryTriggers',
        'repository',
        SYNC,
        'notify.codecommitTriggers: the gh2cc-drift trigger reports direct pushes to the SNS topic',
      ],
      ['TagResource', 'repository', SYNC, 'provenance tags; renamed sources; stopped mirrors'],
      ['TagResource', 'repository-own-tags', ['iam'], 'iam apply writes team tags (gh2cc:*) only'],
      ['UntagResource', 'repository-own-tags', ['iam'], 'iam apply removes team tags (gh2cc:*) only'],
      [
        'UntagResource',
        'repository-topic-tags',
        SYNC,
        'a topic removed on GitHub loses its github-topic: tag (no other tag is removed)',
      ],
      [
        'UpdateDefaultBranch',
        'repository',
        SYNC,
        "verify step: CodeCommit's default branch follows GitHub's",
      ],
      ['UpdateRepositoryDescription', 'repository', SYNC, "an adopted repository gets GitHub's description"],
      ['UpdateRepositoryName', 'repository', ['daemon'], 'reconcile follows a GitHub rename'],
    ] as const
  ).map(([call, resource, modes, why]): SelfPolicyCall => ({
    service: 'codecommit',
    call,
    via: 'sdk',
    action: `codecommit:${call}`,
    resource,
    modes,
    why,
  })),
  {
    service: 'codecommit',
    call: 'git-upload-pack',
    via: 'git',
    action: 'codecommit:GitPull',
    resource: 'repository',
    modes: SYNC,
    why: 'ls-remote before a push, verify, deep verify (clone back)',
  },
  {
    service: 'codecommit',
    call: 'git-receive-pack',
    via: 'git',
    action: 'codecommit:GitPush',
    resource: 'repository',
    modes: SYNC,
    why: 'the mirror push (GitPush also covers deleting branches and tags over git)',
  },
  ...KMS_ACTIONS.map((op): SelfPolicyCall => ({
    service: 'kms',
    call: op,
    via: 'codecommit',
    action: `kms:${op}`,
    resource: 'kms-key',
    modes: SYNC,
    why: 'codecommit.kmsKeyId: CodeCommit uses the key for CreateRepository, git push and git pull',
  })),
  {
    service: 'sns',
    call: 'Publish',
    via: 'sdk',
    action: 'sns:Publish',
    resource: 'sns-topic',
    modes: ['daemon'],
    why: 'notify.snsTopicArn: the daemon reports failures and drift',
  },
  {
    service: 'sts',
    call: 'AssumeRole',
    via: 'credentials',
    action: 'sts:AssumeRole',
    resource: 'assume-role',
    modes: SELF_POLICY_MODES,
    why: 'aws.assumeRoleArn: the base identity exchanges its credentials for the role',
  },
  {
    service: 'sts',
    call: 'GetCallerIdentity',
    via: 'sdk',
    action: 'sts:GetCallerIdentity',
    resource: 'none',
    modes: ['iam'],
    why: 'iam apply reads its account id; AWS answers it for every identity, no permission needed',
  },
  ...IAM_APPLY_CALLS.map((call): SelfPolicyCall => ({
    service: 'iam',
    call,
    via: 'sdk',
    action: `iam:${call}`,
    resource: IAM_CALL_RESOURCE[call],
    modes: ['iam'],
    why: IAM_CALL_WHY[call] ?? 'iam apply: groups, policies, memberships and attachments under the IAM path',
  })),
];

/** Tag keys gh2cc owns on repositories; iam apply writes no other. */
const OWN_TAG_KEYS = 'gh2cc:*';

/** Statement order and names; one statement per resource kind. */
const STATEMENT_SIDS: Readonly<Record<Exclude<SelfPolicyResource, 'none'>, string>> = {
  repository: 'CodeCommitRepositories',
  'repository-own-tags': 'CodeCommitOwnTags',
  'repository-topic-tags': 'CodeCommitTopicTags',
  'iam-group': 'IamGroupsUnderPath',
  'iam-group-attach': 'IamAttachOwnPoliciesToGroups',
  'iam-policy': 'IamPoliciesUnderPath',
  'iam-role-attach': 'IamAttachOwnPoliciesToRoles',
  'iam-user-detach': 'IamDetachOwnPoliciesFromUsers',
  'iam-role': 'IamReadRoles',
  'iam-user': 'IamReadUsers',
  'account-wide': 'ListWithoutResourceLevelPermissions',
  'kms-key': 'KmsRepositoryKey',
  'sns-topic': 'SnsNotifyTopic',
  'assume-role': 'StsAssumeTargetRole',
};

/** What is wrong with the context, one sentence per problem naming the field; empty when it is usable. */
export function selfPolicyProblems(ctx: SelfPolicyContext): string[] {
  const problems: string[] = [];
  if (!/^\d{12}$/.test(ctx.accountId)) problems.push(`accountId: expected 12 digits, got "${ctx.accountId}"`);
  if (!/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(ctx.region))
    problems.push(`region: expected an AWS region such as us-east-1, got "${ctx.region}"`);
  if (ctx.partition !== undefined && !/^aws(-[a-z-]+)?$/.test(ctx.partition))
    problems.push(`partition: expected aws, aws-cn or aws-us-gov, got "${ctx.partition}"`);
  if (!/^\/([\w+=,.@-]+\/)*$/.test(ctx.iamPath))
    problems.push(
      `iamPath: expected a path that starts and ends with /, such as /gh2cc/, got "${ctx.iamPath}"`,
    );
  if (!/^[\w.-]*$/.test(ctx.repoPrefix ?? ''))
    problems.push(`repoPrefix: CodeCommit names allow letters, digits, . _ - only, got "${ctx.repoPrefix}"`);
  const arns: readonly [string, string | undefined, RegExp, string][] = [
    [
      'kmsKeyArn',
      ctx.kmsKeyArn,
      /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/,
      'a KMS key ARN (…:key/ID)',
    ],
    ['snsTopicArn', ctx.snsTopicArn, /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]+$/, 'an SNS topic ARN'],
    ['assumeRoleArn', ctx.assumeRoleArn, /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN'],
  ];
  for (const [field, value, pattern, what] of arns) {
    if (value !== undefined && !pattern.test(value))
      problems.push(`${field}: expected ${what}, got "${value}"`);
  }
  return problems;
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

interface Target {
  readonly resource: string;
  readonly condition?: ConditionBlock;
}

/** The Resource (and Condition) of each kind's statement; undefined when the context leaves it out. */
function targetOf(kind: SelfPolicyResource, ctx: SelfPolicyContext): Target | undefined {
  const p = ctx.partition ?? partitionOf(ctx.region);
  const iam = `arn:${p}:iam::${ctx.accountId}`;
  const repos = `arn:${p}:codecommit:${ctx.region}:${ctx.accountId}:${ctx.repoPrefix ?? ''}*`;
  const ownPolicies = { ArnLike: { 'iam:PolicyARN': `${iam}:policy${ctx.iamPath}*` } };
  switch (kind) {
    case 'repository':
      return { resource: repos };
    case 'repository-own-tags':
      return { resource: repos, condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': OWN_TAG_KEYS } } };
    case 'repository-topic-tags':
      return {
        resource: repos,
        condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': `${TOPIC_TAG_PREFIX}*` } },
      };
    case 'iam-group':
      return { resource: `${iam}:group${ctx.iamPath}*` };
    case 'iam-group-attach':
      return { resource: `${iam}:group${ctx.iamPath}*`, condition: ownPolicies };
    case 'iam-policy':
      return { resource: `${iam}:policy${ctx.iamPath}*` };
    case 'iam-role-attach':
      return { resource: `${iam}:role/*`, condition: ownPolicies };
    case 'iam-user-detach':
      return { resource: `${iam}:user/*`, condition: ownPolicies };
    case 'iam-role':
      return { resource: `${iam}:role/*` };
    case 'iam-user':
      return { resource: `${iam}:user/*` };
    case 'account-wide':
      return { resource: '*' };
    case 'kms-key':
      return ctx.kmsKeyArn === undefined ? undefined : { resource: ctx.kmsKeyArn };
    case 'sns-topic':
      return ctx.snsTopicArn === undefined ? undefined : { resource: ctx.snsTopicArn };
    case 'assume-role':
      return ctx.assumeRoleArn === undefined ? undefined : { resource: ctx.assumeRoleArn };
    case 'none':
      return undefined;
  }
}

/**
 * The identity policy gh2cc needs in `mode`: one statement per resource kind, in a fixed order, actions sorted,
 * so the same input always gives the same document. KMS, SNS and STS statements appear only when the context
 * names the key, topic or role. Throws when the context is unusable (see {@link selfPolicyProblems}).
 */
export function selfPolicy(mode: SelfPolicyMode, ctx: SelfPolicyContext): PolicyDocument {
  const problems = selfPolicyProblems(ctx);
  if (problems.length > 0) throw new Error(`cannot build the ${mode} policy: ${problems.join('; ')}`);
  const statements: PolicyStatement[] = [];
  for (const kind of Object.keys(STATEMENT_SIDS) as (keyof typeof STATEMENT_SIDS)[]) {
    const target = targetOf(kind, ctx);
    if (target === undefined) continue;
    const actions = [
      ...new Set(
        SELF_POLICY_CALLS.filter((c) => c.resource === kind && c.modes.includes(mode)).map((c) => c.action),
      ),
    ].sort();
    if (actions.length === 0) continue;
    statements.push({
      Sid: STATEMENT_SIDS[kind],
      Effect: 'Allow',
      Action: actions,
      Resource: target.resource,
      ...(target.condition === undefined ? {} : { Condition: target.condition }),
    });
  }
  return policyDocument(statements);
}
