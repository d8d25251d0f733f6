import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CodeCommitClient, CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import { CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeOwnerFile } from '../../src/sandbox/github/owner-store.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { expectSchemaValid } from '../helpers/output-schemas.ts';
import { gh2cc } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const motoUrl = inject('motoUrl');
/** Its own org, so its IAM path (/gh2cc/<org>/) and IAM names in the shared moto are its own. */
const ORG = 'iam-json-org';
const ACCOUNT = '123456789012';

interface IamPlanJson {
  groups: { key: string; mode: string; users: string[]; roles: string[] }[];
  repoTags: Record<string, Record<string, string>>;
  unmapped: { login: string }[];
  permissionSets: Record<string, string[]>;
  changes: { op: string }[];
}

describe('gh2cc iam plan --json (sandbox GitHub, moto IAM), validated by its schema', () => {
  let sandbox: RunningSandbox;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await tempDir('gh2cc-iam-json-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    await seedOrg(sandbox.githubDir, ORG, [
      { name: 'api', commits: 1 },
      { name: 'web', commits: 1 },
    ]);
    await writeOwnerFile(sandbox.githubDir, ORG, {
      type: 'Organization',
      members: [
        { login: 'ij-boss', role: 'admin' },
        ...['ij-alice', 'ij-carol', 'ij-dave', 'ij-erin'].map((login) => ({ login })),
      ],
      teams: [
        { slug: 'devs', members: [{ login: 'ij-alice' }, { login: 'ij-dave' }], repos: { api: 'push' } },
        { slug: 'oncall', parent: 'devs', members: [{ login: 'ij-carol' }], repos: { web: 'admin' } },
        { slug: 'readers', members: [{ login: 'ij-erin' }], repos: { web: 'pull' } },
      ],
      repos: { api: { branch_protection: { main: { required_approving_review_count: 1 } } } },
    });
    const userMap = join(work, 'users.yaml');
    await writeFile(
      userMap,
      [
        'users:',
        '  ij-alice: { iamUser: ij-alice }',
        '  ij-boss: { iamUser: ij-boss }',
        `  ij-carol: { roleArn: "arn:aws:iam::${ACCOUNT}:role/ij-carol-role" }`,
        '  ij-erin: { permissionSet: Readers }',
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
    const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
    const iam = new IAMClient({ region: 'us-east-1', endpoint: motoUrl, credentials });
    const codecommit = new CodeCommitClient({
      region: sandbox.info.env['AWS_REGION'] ?? 'us-east-1',
      endpoint: sandbox.info.env['AWS_ENDPOINT_URL_CODECOMMIT'],
      credentials: {
        accessKeyId: sandbox.info.codecommit.accessKeyId,
        secretAccessKey: sandbox.info.codecommit.secretAccessKey,
      },
    });
    try {
      for (const u of ['ij-alice', 'ij-boss']) await iam.send(new CreateUserCommand({ UserName: u }));
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'ij-carol-role',
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        }),
      );
      for (const name of ['api', 'web']) {
        await codecommit.send(new CreateRepositoryCommand({ repositoryName: name }));
      }
    } finally {
      iam.destroy();
      codecommit.destroy();
    }
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('prints only the plan, by repository ARN and by tag', async () => {
    const plan = async (mode: 'arn' | 'tag'): Promise<IamPlanJson> => {
      const p = gh2cc(
        ['iam', 'plan', '--json', '--mode', mode, '--log-file', join(work, `${mode}.log`)],
        env,
        work,
      );
      expect(await p.exited, p.stderr()).toBe(0);
      return expectSchemaValid('iam-plan', p.stdout()) as IamPlanJson;
    };
    const [byArn, byTag] = await Promise.all([plan('arn'), plan('tag')]);
    expect(byArn.groups.map((g) => g.key).sort()).toEqual(['_owners', 'devs', 'oncall', 'readers']);
    expect(byArn.groups.find((g) => g.key === 'oncall')?.roles).toEqual(['ij-carol-role']);
    expect(byArn.unmapped.map((u) => u.login)).toEqual(['ij-dave']);
    expect(Object.keys(byArn.permissionSets)).toEqual(['Readers']);
    expect(new Set(byArn.changes.map((c) => c.op))).toEqual(
      new Set(['createGroup', 'createPolicy', 'attachGroupPolicy', 'addUserToGroup', 'attachRolePolicy']),
    );
    expect(byTag.groups.every((g) => g.mode === 'tag')).toBe(true);
    expect(Object.keys(byTag.repoTags).sort()).toEqual(['api', 'web']);
    expect(byTag.changes.map((c) => c.op)).toContain('tagRepository');
  });
});
