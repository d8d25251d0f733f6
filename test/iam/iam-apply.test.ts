import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CodeCommitClient,
  CreateRepositoryCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-codecommit';
import {
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetGroupCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListGroupsCommand,
  ListPolicyVersionsCommand,
  CreatePolicyVersionCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OwnerMetadataInput } from '../../src/sandbox/github/owner-metadata.ts';
import { writeOwnerFile } from '../../src/sandbox/github/owner-store.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { applyIamPlan } from '../../src/iam/apply-iam-plan.ts';
import { createIamDeps } from '../../src/iam/create-iam-deps.ts';
import { loadUserMap } from '../../src/iam/load-user-map.ts';
import { planIam, type IamRun } from '../../src/iam/plan-iam.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { gh2cc } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const motoUrl = inject('motoUrl');
/** Each test file gets its own org, so its IAM path (/gh2cc/<org>/) in the shared moto is its own. */
const ORG = 'iam-apply-org';
const PATH = `/gh2cc/${ORG}/`;
const ACCOUNT = '123456789012';

function meta(devsLevelOnWeb: 'push' | 'maintain', devsMembers: string[]): OwnerMetadataInput {
  return {
    type: 'Organization',
    members: [
      { login: 'boss', role: 'admin' },
      ...['alice', 'bob', 'carol', 'dave'].map((login) => ({ login })),
    ],
    teams: [
      {
        slug: 'devs',
        members: devsMembers.map((login) => ({ login })),
        repos: { api: 'push', web: devsLevelOnWeb },
      },
      { slug: 'oncall', parent: 'devs', members: [{ login: 'carol' }], repos: { api: 'admin' } },
      { slug: 'readers', members: [{ login: 'dave' }, { login: 'bob' }], repos: { docs: 'pull' } },
    ],
    repos: { api: { branch_protection: { main: { required_approving_review_count: 1 } } } },
  };
}

describe('gh2cc iam apply (sandbox GitHub, moto IAM)', () => {
  const log = createLogger({ level: 'silent' });
  let sandbox: RunningSandbox;
  let env: Record<string, string>;
  let iam: IAMClient;
  let work: string;

  beforeAll(async () => {
    work = await tempDir('gh2cc-iam-apply-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log });
    await seedOrg(sandbox.githubDir, ORG, [
      { name: 'api', commits: 2 },
      { name: 'web', commits: 1 },
      { name: 'docs', commits: 1 },
    ]);
    await writeOwnerFile(sandbox.githubDir, ORG, meta('push', ['alice', 'bob']));
    const userMap = join(work, 'users.yaml');
    await writeFile(
      userMap,
      [
        'users:',
        '  alice: { iamUser: alice }',
        '  bob: { iamUser: bob }',
        `  carol: { roleArn: "arn:aws:iam::${ACCOUNT}:role/carol-role" }`,
        '  boss: { iamUser: boss }',
        '',
      ].join('\n'),
    );
    env = {
      ...sandbox.info.env,
      GH2CC_ORG: ORG,
      GH2CC_IAM_USER_MAP: userMap,
      AWS_ENDPOINT_URL_IAM: motoUrl,
      AWS_ENDPOINT_URL_STS: motoUrl,
    };
    // In-process plans use the SDK's default chain, which reads the process environment (as gh2cc does).
    process.env['AWS_ACCESS_KEY_ID'] = sandbox.info.codecommit.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = sandbox.info.codecommit.secretAccessKey;
    iam = new IAMClient({
      region: 'us-east-1',
      endpoint: motoUrl,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    });
    for (const u of ['alice', 'bob', 'boss']) await iam.send(new CreateUserCommand({ UserName: u }));
    // Another org's gh2cc group in the same account: never this org's to change.
    await iam.send(
      new CreateGroupCommand({ GroupName: 'gh2cc-iam-other-org-devs', Path: '/gh2cc/iam-other-org/' }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'carol-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
  }, 60_000);

  afterAll(async () => {
    iam?.destroy();
    await sandbox?.close();
  });

  async function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const p = gh2cc(['iam', ...args, '--log-file', join(work, 'iam.log')], env, work);
    const code = await p.exited;
    return { code, out: p.stdout(), err: p.stderr() };
  }

  async function planJson(): Promise<{
    changes: { op: string }[];
    unmapped: { login: string }[];
    problems: string[];
  }> {
    const r = await run(['plan', '--json']);
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out) as never;
  }

  /** The same plan and apply as the CLI, in this process (a CLI start costs seconds on a loaded machine). */
  async function inProcess(mode?: 'arn' | 'tag'): Promise<IamRun> {
    const config = loadConfig({ env: { ...env, ...(mode === undefined ? {} : { GH2CC_IAM_MODE: mode }) } });
    const deps = await createIamDeps(config, log);
    try {
      return await planIam(deps, ORG, await loadUserMap(env['GH2CC_IAM_USER_MAP'] ?? ''));
    } finally {
      deps.iam.destroy();
      deps.codecommit.destroy();
    }
  }

  async function applyInProcess(mode?: 'arn' | 'tag'): Promise<void> {
    const run = await inProcess(mode);
    const deps = await createIamDeps(loadConfig({ env }), log);
    try {
      await applyIamPlan(deps.iam, deps.codecommit, run.plan, run.applyContext);
    } finally {
      deps.iam.destroy();
      deps.codecommit.destroy();
    }
  }

  async function groupsInIam(): Promise<Record<string, { users: string[]; policies: string[] }>> {
    // moto ignores PathPrefix for groups.
    const groups = ((await iam.send(new ListGroupsCommand({ PathPrefix: PATH }))).Groups ?? []).filter(
      (g) => g.Path === PATH,
    );
    const out: Record<string, { users: string[]; policies: string[] }> = {};
    for (const g of groups) {
      const name = g.GroupName ?? '';
      const users = ((await iam.send(new GetGroupCommand({ GroupName: name }))).Users ?? []).map(
        (u) => u.UserName ?? '',
      );
      const policies = (
        (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: name }))).AttachedPolicies ?? []
      ).map((p) => p.PolicyName ?? '');
      out[name] = { users: users.sort(), policies: policies.sort() };
    }
    return out;
  }

  async function policyText(name: string): Promise<string> {
    const arn = `arn:aws:iam::${ACCOUNT}:policy${PATH}${name}`;
    const p = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    const v = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: p.Policy?.DefaultVersionId }),
    );
    return decodeURIComponent(v.PolicyVersion?.Document ?? '');
  }

  it('creates the groups, policies and memberships; lists the unmapped; a second apply changes nothing', async () => {
    const first = await run(['apply']);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/Applied \d+ change\(s\)\./);
    expect(first.out).toContain('dave (gh2cc-iam-apply-org-readers)');

    expect(await groupsInIam()).toEqual({
      'gh2cc-iam-apply-org-devs': { users: ['alice', 'bob'], policies: ['gh2cc-iam-apply-org-devs-1'] },
      'gh2cc-iam-apply-org-oncall': { users: [], policies: ['gh2cc-iam-apply-org-oncall-1'] },
      'gh2cc-iam-apply-org-owners@': { users: ['boss'], policies: ['gh2cc-iam-apply-org-owners@-1'] },
      'gh2cc-iam-apply-org-readers': { users: ['bob'], policies: ['gh2cc-iam-apply-org-readers-1'] },
    });
    // carol is mapped to a role: roles cannot join groups, so her team's policies are attached to it.
    const roleAttached = (
      (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'carol-role' }))).AttachedPolicies ?? []
    ).map((p) => p.PolicyName);
    expect(roleAttached).toEqual(['gh2cc-iam-apply-org-oncall-1']);

    const devs = JSON.parse(await policyText('gh2cc-iam-apply-org-devs-1')) as {
      Statement: {
        Effect: string;
        Resource: string[];
        Condition?: Record<string, Record<string, unknown>>;
      }[];
    };
    const arn = (r: string): string => `arn:aws:codecommit:${sandbox.info.codecommit.region}:${ACCOUNT}:${r}`;
    expect(devs.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Resource)).toContain(
      arn('web'),
    );
    const deny = devs.Statement.find((s) => s.Effect === 'Deny');
    expect(deny?.Resource).toEqual([arn('api')]);
    expect(deny?.Condition?.['StringEqualsIfExists']).toEqual({
      'codecommit:References': ['refs/heads/main'],
    });
    expect(deny?.Condition?.['Null']).toEqual({ 'codecommit:References': 'false' });

    const other = await iam.send(new GetGroupCommand({ GroupName: 'gh2cc-iam-other-org-devs' }));
    expect(other.Group?.Path).toBe('/gh2cc/iam-other-org/');
    const again = await planJson();
    expect(again.changes).toEqual([]);
    expect(again.unmapped.map((u) => u.login)).toEqual(['dave']);
    const second = await run(['apply']);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toContain('No changes: IAM matches GitHub.');
  }, 120_000);

  it('converges after a team changes level and members on GitHub', async () => {
    await writeOwnerFile(sandbox.githubDir, ORG, meta('maintain', ['alice']));
    const { plan } = await inProcess();
    expect(plan.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ op: 'updatePolicy', policy: 'gh2cc-iam-apply-org-devs-1' }),
        { op: 'removeUserFromGroup', group: 'gh2cc-iam-apply-org-devs', user: 'bob' },
      ]),
    );
    await applyInProcess();
    const groups = await groupsInIam();
    expect(groups['gh2cc-iam-apply-org-devs']?.users).toEqual(['alice']);
    const devs = await policyText('gh2cc-iam-apply-org-devs-1');
    expect(devs).toContain('codecommit:UpdateRepositoryDescription');
    expect((await inProcess()).plan.changes).toEqual([]);
  }, 120_000);

  it('puts back a gh2cc policy someone edited by hand, within IAM’s five versions', async () => {
    const arn = `arn:aws:iam::${ACCOUNT}:policy${PATH}gh2cc-iam-apply-org-readers-1`;
    const open = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'codecommit:*', Resource: '*' }],
    };
    for (let i = 0; i < 4; i += 1) {
      const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
      if (versions.length >= 5) break;
      await iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: arn,
          PolicyDocument: JSON.stringify(open),
          SetAsDefault: true,
        }),
      );
    }
    const { plan } = await inProcess();
    expect(plan.changes).toEqual([
      expect.objectContaining({ op: 'updatePolicy', policy: 'gh2cc-iam-apply-org-readers-1', before: open }),
    ]);
    await applyInProcess();
    expect(await policyText('gh2cc-iam-apply-org-readers-1')).not.toContain('codecommit:*');
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
    expect(versions.length).toBeLessThanOrEqual(5);
  }, 120_000);

  it('tag-based access tags the repositories, and switching back to ARNs removes the tags', async () => {
    const cc = new CodeCommitClient({
      region: sandbox.info.codecommit.region,
      endpoint: sandbox.info.codecommit.endpoint,
      credentials: {
        accessKeyId: sandbox.info.codecommit.accessKeyId,
        secretAccessKey: sandbox.info.codecommit.secretAccessKey,
      },
    });
    for (const name of ['api', 'web', 'docs'])
      await cc.send(new CreateRepositoryCommand({ repositoryName: name }));
    const tagsOf = async (name: string): Promise<Record<string, string>> =>
      (
        await cc.send(
          new ListTagsForResourceCommand({
            resourceArn: `arn:aws:codecommit:${sandbox.info.codecommit.region}:${ACCOUNT}:${name}`,
          }),
        )
      ).tags ?? {};
    try {
      await applyInProcess('tag');
      const api = await tagsOf('api');
      expect(api).toMatchObject({
        'gh2cc:team:devs': 'push',
        'gh2cc:team:oncall': 'admin',
        'gh2cc:team:_owners': 'admin',
      });
      expect(Object.keys(api).some((k) => k === 'gh2cc:protect:devs')).toBe(true);
      expect(await tagsOf('docs')).toMatchObject({ 'gh2cc:team:readers': 'pull' });
      await applyInProcess('arn');
      expect(
        Object.keys(await tagsOf('api')).filter(
          (k) => k.startsWith('gh2cc:team:') || k.startsWith('gh2cc:protect:'),
        ),
      ).toEqual([]);
      expect((await inProcess()).plan.changes).toEqual([]);
    } finally {
      cc.destroy();
    }
  }, 120_000);
});
