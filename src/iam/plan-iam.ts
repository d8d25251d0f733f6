import type { CodeCommitClient } from '@aws-sdk/client-codecommit';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Logger } from 'pino';
import { filterFromConfig } from '../config/filter-from-config.ts';
import type { Config } from '../config/schema.ts';
import type { GithubAccess } from '../core/github-access.ts';
import { buildDesiredIam, POLICY_OWNER_TAG, type DesiredIam, type UserMapping } from '../core/iam-model.ts';
import { diffIam, type CurrentIam, type IamPlan } from '../core/iam-plan.ts';
import { mapName } from '../core/name-mapping.ts';
import { filterRepos } from '../core/repo-filter.ts';
import type { GithubClient } from '../github/create-github-client.ts';
import { listGithubAccess } from '../github/list-github-access.ts';
import { listSourceRepos } from '../github/list-source-repos.ts';
import { Gh2ccError } from '../util/errors.ts';
import type { ApplyContext } from './apply-iam-plan.ts';
import { readCurrentIam } from './read-current-iam.ts';

export interface IamDeps {
  readonly config: Config;
  readonly github: GithubClient;
  readonly iam: IAMClient;
  readonly codecommit: CodeCommitClient;
  readonly log: Logger;
  /** The account (and partition) of the IAM and CodeCommit resources. */
  readonly account: { readonly accountId: string; readonly partition: string };
  readonly signal?: AbortSignal;
}

export interface IamRun {
  readonly access: GithubAccess;
  readonly desired: DesiredIam;
  readonly current: CurrentIam;
  readonly plan: IamPlan;
  readonly applyContext: Omit<ApplyContext, 'onChange'>;
}

/** gh2cc's IAM path for one org: the configured path plus the org, so orgs in one account never meet. */
export function orgIamPath(config: Config, org: string): string {
  return `${config.iam.path}${org}/`;
}

/** Reads GitHub's access model and IAM's state, and works out the changes that make IAM match. */
export async function planIam(
  deps: IamDeps,
  org: string,
  userMap: Readonly<Record<string, UserMapping>>,
): Promise<IamRun> {
  const { config, log } = deps;
  const region = config.aws.region;
  if (region === undefined)
    throw new Gh2ccError(
      'config',
      'aws.region is required to name the CodeCommit repositories in IAM policies',
      {
        retryable: false,
        fix: 'set AWS_REGION or aws.region',
      },
    );
  const all = await listSourceRepos(deps.github, { org }, deps.signal);
  const { kept } = filterRepos(all, filterFromConfig(config));
  const targets = new Map(
    kept.map((r) => [r.name.toLowerCase(), mapName(r.owner, r.name, config.migrate.naming).target]),
  );
  log.info({ org, repositories: kept.length }, 'reading GitHub teams, members and branch protection');
  const access = await listGithubAccess(deps.github, org, {
    repos: kept.map((r) => r.name),
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
  });
  const { accountId, partition } = deps.account;
  const path = orgIamPath(config, org);
  const repoArn = (name: string): string => `arn:${partition}:codecommit:${region}:${accountId}:${name}`;
  const desired = buildDesiredIam(access, userMap, {
    partition,
    region,
    accountId,
    path,
    groupName: config.iam.groupName,
    mode: config.iam.mode,
    maxPoliciesPerGroup: config.iam.maxPoliciesPerGroup,
    targetName: (name) => targets.get(name.toLowerCase()),
  });
  const mapped = Object.values(userMap);
  const current = await readCurrentIam(deps.iam, deps.codecommit, {
    path,
    users: [...new Set(mapped.flatMap((m) => (m.iamUser === undefined ? [] : [m.iamUser])))],
    roles: [
      ...new Set(mapped.flatMap((m) => (m.roleArn === undefined ? [] : [m.roleArn.split('/').pop() ?? '']))),
    ],
    repos: new Map([...targets.values()].map((t) => [t, repoArn(t)])),
  });
  const plan = diffIam(desired, current, { partition, accountId, ownerTag: POLICY_OWNER_TAG });
  return { access, desired, current, plan, applyContext: { org, path, partition, accountId, repoArn } };
}
