import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeleteGroupCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  ListEntitiesForPolicyCommand,
  ListPolicyVersionsCommand,
  RemoveUserFromGroupCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { TagResourceCommand, UntagResourceCommand, type CodeCommitClient } from '@aws-sdk/client-codecommit';
import { POLICY_ORG_TAG, POLICY_OWNER_TAG } from '../core/iam-model.ts';
import { policyArnOf, type IamChange, type IamPlan } from '../core/iam-plan.ts';
import { POLICY_VERSIONS_MAX } from '../core/iam-policy.ts';
import { Gh2ccError } from '../util/errors.ts';
import { classifyIamError } from './classify-iam-error.ts';

export interface ApplyContext {
  readonly org: string;
  readonly path: string;
  readonly partition: string;
  readonly accountId: string;
  /** CodeCommit repository name to ARN. */
  readonly repoArn: (repo: string) => string;
  /** Called after each change is made, for progress and logs. */
  readonly onChange?: (change: IamChange, index: number, total: number) => void;
  /** Stops between two changes (never in the middle of one). */
  readonly signal?: AbortSignal;
}

export function describeChange(c: IamChange): string {
  switch (c.op) {
    case 'createGroup':
      return `create group ${c.group}`;
    case 'deleteGroup':
      return `delete group ${c.group}`;
    case 'createPolicy':
      return `create policy ${c.policy}`;
    case 'updatePolicy':
      return `update policy ${c.policy} (new default version)`;
    case 'deletePolicy':
      return `delete policy ${c.policy}`;
    case 'attachGroupPolicy':
      return `attach policy ${c.policy} to group ${c.group}`;
    case 'detachGroupPolicy':
      return `detach policy ${c.policy} from group ${c.group}`;
    case 'addUserToGroup':
      return `add user ${c.user} to group ${c.group}`;
    case 'removeUserFromGroup':
      return `remove user ${c.user} from group ${c.group}`;
    case 'attachRolePolicy':
      return `attach policy ${c.policy} to role ${c.role}`;
    case 'detachRolePolicy':
      return `detach policy ${c.policy} from role ${c.role}`;
    case 'tagRepository':
      return `tag repository ${c.repo}: ${Object.entries(c.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`;
    case 'untagRepository':
      return `untag repository ${c.repo}: ${c.keys.join(', ')}`;
  }
}

/**
 * Policies that carry deny statements are attached before the ones that only allow, so that a group never
 * holds a new grant without its branch protection, not even between two calls.
 */
function failClosedOrder(changes: readonly IamChange[]): IamChange[] {
  const denyFirst = (c: IamChange): number =>
    c.op === 'attachGroupPolicy' || c.op === 'attachRolePolicy'
      ? -Number(/-(\d+)$/.exec(c.policy)?.[1] ?? 0)
      : 0;
  return changes
    .map((c, i) => ({ c, i }))
    .sort((a, b) =>
      a.c.op === b.c.op && (a.c.op === 'attachGroupPolicy' || a.c.op === 'attachRolePolicy')
        ? denyFirst(a.c) - denyFirst(b.c) || a.i - b.i
        : a.i - b.i,
    )
    .map(({ c }) => c);
}

async function pruneVersions(iam: IAMClient, arn: string, keepRoomForOne: boolean): Promise<void> {
  const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
  const old = versions
    .filter((v) => v.IsDefaultVersion !== true)
    .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0));
  const excess = keepRoomForOne ? versions.length - (POLICY_VERSIONS_MAX - 1) : old.length;
  for (const v of old.slice(0, Math.max(0, excess)))
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v.VersionId }));
}

async function deletePolicy(iam: IAMClient, arn: string): Promise<void> {
  let marker: string | undefined;
  do {
    const r = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, Marker: marker }));
    for (const g of r.PolicyGroups ?? [])
      await iam.send(new DetachGroupPolicyCommand({ GroupName: g.GroupName, PolicyArn: arn }));
    for (const u of r.PolicyUsers ?? [])
      await iam.send(new DetachUserPolicyCommand({ UserName: u.UserName, PolicyArn: arn }));
    for (const role of r.PolicyRoles ?? [])
      await iam.send(new DetachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: arn }));
    marker = r.IsTruncated === true ? r.Marker : undefined;
  } while (marker !== undefined);
  await pruneVersions(iam, arn, false);
  await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
}

async function applyOne(iam: IAMClient, codecommit: CodeCommitClient, c: IamChange, ctx: ApplyContext) {
  const arn = (policy: string): string => policyArnOf(policy, ctx);
  switch (c.op) {
    case 'createPolicy':
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: c.policy,
          Path: ctx.path,
          PolicyDocument: JSON.stringify(c.document),
          Description: `gh2cc: CodeCommit access for GitHub org ${ctx.org}`,
          Tags: [
            { Key: POLICY_OWNER_TAG, Value: 'gh2cc' },
            { Key: POLICY_ORG_TAG, Value: ctx.org },
          ],
        }),
      );
      return;
    case 'updatePolicy':
      // IAM keeps five versions: drop the oldest non-default one first.
      await pruneVersions(iam, arn(c.policy), true);
      await iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: arn(c.policy),
          PolicyDocument: JSON.stringify(c.document),
          SetAsDefault: true,
        }),
      );
      return;
    case 'deletePolicy':
      await deletePolicy(iam, arn(c.policy));
      return;
    case 'createGroup':
      await iam.send(new CreateGroupCommand({ GroupName: c.group, Path: ctx.path }));
      return;
    case 'deleteGroup':
      await iam.send(new DeleteGroupCommand({ GroupName: c.group }));
      return;
    case 'attachGroupPolicy':
      await iam.send(new AttachGroupPolicyCommand({ GroupName: c.group, PolicyArn: arn(c.policy) }));
      return;
    case 'detachGroupPolicy':
      await iam.send(new DetachGroupPolicyCommand({ GroupName: c.group, PolicyArn: arn(c.policy) }));
      return;
    case 'addUserToGroup':
      await iam.send(new AddUserToGroupCommand({ GroupName: c.group, UserName: c.user }));
      return;
    case 'removeUserFromGroup':
      await iam.send(new RemoveUserFromGroupCommand({ GroupName: c.group, UserName: c.user }));
      return;
    case 'attachRolePolicy':
      await iam.send(new AttachRolePolicyCommand({ RoleName: c.role, PolicyArn: arn(c.policy) }));
      return;
    case 'detachRolePolicy':
      await iam.send(new DetachRolePolicyCommand({ RoleName: c.role, PolicyArn: arn(c.policy) }));
      return;
    case 'tagRepository':
      await codecommit.send(
        new TagResourceCommand({ resourceArn: ctx.repoArn(c.repo), tags: { ...c.tags } }),
      );
      return;
    case 'untagRepository':
      await codecommit.send(
        new UntagResourceCommand({ resourceArn: ctx.repoArn(c.repo), tagKeys: [...c.keys] }),
      );
      return;
  }
}

/**
 * Makes the plan's changes in order. Refuses a plan with problems (a limit it cannot meet, a name taken by
 * something gh2cc does not own). Idempotent by construction: the plan is the diff against what is there, so
 * applying again after success finds nothing to do; after a failure, a new plan picks up where it stopped.
 */
export async function applyIamPlan(
  iam: IAMClient,
  codecommit: CodeCommitClient,
  plan: IamPlan,
  ctx: ApplyContext,
): Promise<number> {
  if (plan.problems.length > 0) {
    throw new Gh2ccError(
      'conflict',
      `the IAM plan has ${plan.problems.length} problem(s): ${plan.problems.join('; ')}`,
      {
        retryable: false,
        fix: 'run `gh2cc iam plan` and fix what it lists',
      },
    );
  }
  const ordered = failClosedOrder(plan.changes);
  for (const [i, c] of ordered.entries()) {
    if (ctx.signal?.aborted === true)
      throw new Gh2ccError('interrupted', `stopped after ${i} of ${ordered.length} IAM changes`, {
        retryable: false,
        fix: 'run `gh2cc iam apply` again: it plans from what is there and makes the rest',
      });
    try {
      await applyOne(iam, codecommit, c, ctx);
    } catch (err) {
      throw classifyIamError(err, describeChange(c));
    }
    ctx.onChange?.(c, i + 1, ordered.length);
  }
  return ordered.length;
}
