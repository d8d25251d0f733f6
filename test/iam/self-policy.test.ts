import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CreateRepositoryCommand, GetRepositoryCommand } from '@aws-sdk/client-codecommit';
import { CreatePolicyCommand, GetPolicyVersionCommand, IAMClient } from '@aws-sdk/client-iam';
import { validateIdentityPolicy } from '@cloud-copilot/iam-policy';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PolicyDocument } from '../../src/core/iam-policy.ts';
import {
  IAM_APPLY_CALLS,
  SELF_POLICY_CALLS,
  SELF_POLICY_MODES,
  selfPolicy,
  selfPolicyProblems,
  type SelfPolicyContext,
  type SelfPolicyMode,
} from '../../src/core/self-policy.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { readRequestLog, type CodeCommitRequestRecord } from '../../src/sandbox/request-log.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { codecommitClient, writeOwnerFile } from '../helpers/mirror-checks.ts';
import { gh2cc } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const ACCOUNT = '111122223333';
const FULL: SelfPolicyContext = {
  region: 'eu-west-1',
  accountId: ACCOUNT,
  repoPrefix: 'acme-',
  iamPath: '/gh2cc/',
  kmsKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  snsTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:gh2cc-events`,
  assumeRoleArn: `arn:aws:iam::${ACCOUNT}:role/gh2cc-mirror`,
};
const MINIMAL: SelfPolicyContext = { region: 'eu-west-1', accountId: ACCOUNT, iamPath: '/gh2cc/' };

type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** What AWS would decide for `action` on `resource` with `policy` as the principal's only identity policy. */
async function decide(
  policy: PolicyDocument,
  action: string,
  resource: string,
  accountId: string,
  context: Record<string, string | string[]> = {},
): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${accountId}:user/gh2cc`,
        action,
        resource: { resource, accountId },
        contextVariables: context,
      },
      identityPolicies: [{ name: 'gh2cc-self', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`${action} on ${resource}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
}

/** Every `.ts` file under `dir`, test files excluded. */
async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

interface SdkCall {
  readonly service: string;
  readonly call: string;
  readonly file: string;
}

/** `new XCommand(` where XCommand is imported (as a value) from an `@aws-sdk/client-*` package. */
async function sdkCallsInSource(): Promise<{ calls: SdkCall[]; credentialProviders: Set<string> }> {
  const calls: SdkCall[] = [];
  const credentialProviders = new Set<string>();
  const files = [
    ...(await sourceFiles(join(process.cwd(), 'src'))),
    ...(await sourceFiles(join(process.cwd(), 'workers'))),
  ];
  for (const file of files) {
    const rel = relative(process.cwd(), file);
    // The sandbox is the fake AWS, not a client of it.
    if (rel.startsWith(join('src', 'sandbox'))) continue;
    const text = await readFile(file, 'utf8');
    const serviceOf = new Map<string, string>();
    for (const m of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([\w-]+)'/g)) {
      if (m[1] !== undefined) continue;
      for (const spec of (m[2] ?? '').split(',')) {
        const name = spec.trim();
        if (name === '' || name.startsWith('type ')) continue;
        serviceOf.set(name.split(/\s+as\s+/).pop() ?? name, m[3] ?? '');
      }
    }
    for (const m of text.matchAll(/new (\w+)Command\(/g)) {
      const service = serviceOf.get(`${m[1]}Command`);
      if (service !== undefined) calls.push({ service, call: m[1] ?? '', file: rel });
    }
    for (const m of text.matchAll(/\b(fromTemporaryCredentials|fromWebToken|fromTokenFile)\(/g)) {
      credentialProviders.add(m[1] ?? '');
    }
  }
  return { calls, credentialProviders };
}

describe('gh2cc iam self-policy: the documents', () => {
  it.each(SELF_POLICY_MODES)(
    '%s: valid, within the managed-policy size, deterministic, actions sorted, Sids unique',
    (mode) => {
      for (const ctx of [FULL, MINIMAL]) {
        const doc = selfPolicy(mode, ctx);
        expect(validateIdentityPolicy(doc)).toEqual([]);
        expect(JSON.stringify(doc).length).toBeLessThanOrEqual(6144);
        expect(JSON.stringify(selfPolicy(mode, { ...ctx }))).toBe(JSON.stringify(doc));
        const sids = doc.Statement.map((s) => s.Sid);
        expect(new Set(sids).size).toBe(sids.length);
        for (const s of doc.Statement) {
          expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
          expect([...s.Action]).toEqual([...s.Action].sort());
          expect(s.Effect).toBe('Allow');
        }
      }
    },
  );

  it('names the key, topic and role only when configured; SNS only for the daemon; no IAM outside iam mode', () => {
    const actions = (mode: SelfPolicyMode, ctx: SelfPolicyContext): string[] =>
      selfPolicy(mode, ctx).Statement.flatMap((s) => [...s.Action]);
    for (const mode of SELF_POLICY_MODES) {
      expect(actions(mode, MINIMAL).some((a) => /^(kms|sns|sts):/.test(a))).toBe(false);
      expect(actions(mode, FULL)).toContain('sts:AssumeRole');
    }
    expect(actions('migrate', FULL)).toContain('kms:GenerateDataKey');
    expect(actions('daemon', FULL)).toContain('sns:Publish');
    expect(actions('migrate', FULL)).not.toContain('sns:Publish');
    expect(actions('iam', FULL).some((a) => a.startsWith('kms:'))).toBe(false);
    expect(actions('migrate', FULL).some((a) => a.startsWith('iam:'))).toBe(false);
    expect(actions('daemon', FULL).some((a) => a.startsWith('iam:'))).toBe(false);
    expect(actions('migrate', FULL)).not.toContain('codecommit:UpdateRepositoryName');
    expect(actions('daemon', FULL)).toContain('codecommit:UpdateRepositoryName');
    for (const mode of SELF_POLICY_MODES)
      expect(actions(mode, FULL)).not.toContain('codecommit:DeleteRepository');
  });

  it('uses the partition of the region and refuses a context it cannot express', () => {
    const cn = selfPolicy('migrate', { ...MINIMAL, region: 'cn-north-1' });
    expect(cn.Statement[0]?.Resource).toBe(`arn:aws-cn:codecommit:cn-north-1:${ACCOUNT}:*`);
    expect(selfPolicyProblems(FULL)).toEqual([]);
    const bad = selfPolicyProblems({
      ...FULL,
      accountId: '12',
      iamPath: 'gh2cc',
      repoPrefix: 'a b',
      kmsKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/gh2cc`,
    });
    expect(bad.map((p) => p.split(':')[0])).toEqual(['accountId', 'iamPath', 'repoPrefix', 'kmsKeyArn']);
    expect(() => selfPolicy('migrate', { ...FULL, iamPath: 'x' })).toThrow(/iamPath/);
  });
});

describe('gh2cc iam self-policy: the table is the code', () => {
  it('every AWS SDK command sent from src/ or workers/ is in the table, with its service', async () => {
    const { calls } = await sdkCallsInSource();
    expect(calls.length).toBeGreaterThan(0);
    const missing = calls.filter(
      (c) =>
        !SELF_POLICY_CALLS.some(
          (row) => row.via === 'sdk' && row.service === c.service && row.call === c.call,
        ),
    );
    expect(missing.map((c) => `${c.service}:${c.call} (${c.file})`)).toEqual([]);
  });

  it('every SDK call the table grants to migrate or daemon is still made somewhere (planned ones not yet)', async () => {
    const { calls } = await sdkCallsInSource();
    const made = new Set(calls.map((c) => `${c.service}:${c.call}`));
    const rows = SELF_POLICY_CALLS.filter(
      (r) => r.via === 'sdk' && r.modes.some((m) => m === 'migrate' || m === 'daemon'),
    );
    const stale = rows.filter((r) => r.planned !== true && !made.has(`${r.service}:${r.call}`));
    expect(stale.map((r) => `${r.service}:${r.call}`)).toEqual([]);
    // A planned row that the code now makes must lose its mark, so the check above covers it.
    const landed = rows.filter((r) => r.planned === true && made.has(`${r.service}:${r.call}`));
    expect(landed.map((r) => `${r.service}:${r.call}`)).toEqual([]);
  });

  it('sts:AssumeRole is in the table exactly when src/ assumes a role through the credential provider', async () => {
    const { credentialProviders } = await sdkCallsInSource();
    const hasRow = SELF_POLICY_CALLS.some((r) => r.via === 'credentials' && r.action === 'sts:AssumeRole');
    expect(hasRow).toBe(credentialProviders.has('fromTemporaryCredentials'));
    // Web identity would need sts:AssumeRoleWithWebIdentity, which the table does not grant.
    expect([...credentialProviders].filter((p) => p !== 'fromTemporaryCredentials')).toEqual([]);
  });

  it('IAM_APPLY_CALLS are exactly the iam: rows of the table, each an IAM API operation', () => {
    const iamRows = SELF_POLICY_CALLS.filter((r) => r.service === 'iam');
    expect(iamRows.map((r) => r.call).sort()).toEqual([...IAM_APPLY_CALLS].sort());
    for (const row of iamRows) expect(row.modes).toEqual(['iam']);
  });
});

describe('gh2cc iam self-policy: a real migration needs nothing more than the migrate policy', () => {
  const motoUrl = inject('motoUrl');
  let work: string;
  let sandbox: RunningSandbox;
  let records: CodeCommitRequestRecord[];
  let accountId: string;
  let region: string;

  beforeAll(async () => {
    work = await tempDir('gh2cc-self-policy-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    region = sandbox.info.codecommit.region;
    await seedOrg(sandbox.githubDir, 'acme', [
      { name: 'api', commits: 12, branches: 2, tags: 3 },
      { name: 'api.wiki', commits: 2 },
      { name: 'tools', commits: 3 },
      { name: 'blank', commits: 0 },
    ]);
    await writeOwnerFile(sandbox.githubDir, 'acme', { tools: { description: 'Build tools' } });
    // api's default branch on GitHub is not the one CodeCommit takes from the first push: gh2cc sets it.
    await runGit(join(sandbox.githubDir, 'acme', 'api.git'), ['symbolic-ref', 'HEAD', 'refs/heads/topic-0']);
    // An empty repository someone made by hand: gh2cc adopts it (tags, description) instead of creating one.
    const client = codecommitClient(sandbox.info);
    const made = await client.send(new CreateRepositoryCommand({ repositoryName: 'acme-tools' }));
    accountId = made.repositoryMetadata?.accountId ?? '';
    const before = (await readRequestLog(sandbox.requestLog)).length;

    const env = { ...sandbox.info.env, GH2CC_CACHE_DIR: join(work, 'cache') };
    for (const run of ['first', 'again']) {
      const p = gh2cc(
        [
          'migrate',
          '--org',
          'acme',
          '--prefix',
          'acme-',
          '--wikis',
          '--verify',
          'deep',
          '--report',
          join(work, `${run}.json`),
          '--log-file',
          join(work, `${run}.log`),
        ],
        env,
        work,
      );
      expect(await p.exited, p.stderr()).toBe(0);
    }
    records = (await readRequestLog(sandbox.requestLog)).slice(before);
    // The wiki went to its companion repository (throws if it did not).
    await client.send(new GetRepositoryCommand({ repositoryName: 'acme-api.wiki' }));
  }, 240_000);

  afterAll(async () => {
    await sandbox.close();
  });

  it('the run made the calls that matter (so the check below is not vacuous)', () => {
    const ops = new Set(records.map((r) => r.operation));
    for (const op of [
      'BatchGetRepositories',
      'CreateRepository',
      'GetRepository',
      'ListTagsForResource',
      'TagResource',
      'UpdateDefaultBranch',
      'UpdateRepositoryDescription',
      'GitPull',
      'GitPush',
    ]) {
      expect(ops, op).toContain(op);
    }
    expect(records.every((r) => r.status !== 401 && r.status !== 403)).toBe(true);
  });

  it('every CodeCommit request and git pull/push it made is Allowed by the migrate policy alone', async () => {
    const policy = selfPolicy('migrate', { region, accountId, repoPrefix: 'acme-', iamPath: '/gh2cc/' });
    const checks = new Map<string, { action: string; resource: string }>();
    for (const r of records) {
      const action = `codecommit:${r.operation}`;
      const resources =
        r.repositories.length === 0
          ? ['*']
          : r.repositories.map((name) => `arn:aws:codecommit:${region}:${accountId}:${name}`);
      for (const resource of resources) checks.set(`${action} ${resource}`, { action, resource });
    }
    expect(checks.size).toBeGreaterThan(10);
    const refused: string[] = [];
    for (const [key, c] of checks) {
      if ((await decide(policy, c.action, c.resource, accountId)) !== 'Allowed') refused.push(key);
    }
    expect(refused).toEqual([]);

    // Controls: what gh2cc never does, repositories outside the prefix, and a daemon-only action.
    const api = `arn:aws:codecommit:${region}:${accountId}:acme-api`;
    expect(await decide(policy, 'codecommit:DeleteRepository', api, accountId)).toBe('ImplicitlyDenied');
    expect(await decide(policy, 'codecommit:UpdateRepositoryName', api, accountId)).toBe('ImplicitlyDenied');
    expect(
      await decide(
        policy,
        'codecommit:GitPush',
        `arn:aws:codecommit:${region}:${accountId}:payroll`,
        accountId,
      ),
    ).toBe('ImplicitlyDenied');
    const daemon = selfPolicy('daemon', { region, accountId, repoPrefix: 'acme-', iamPath: '/gh2cc/' });
    expect(await decide(daemon, 'codecommit:UpdateRepositoryName', api, accountId)).toBe('Allowed');
  });

  it('IAM (moto) accepts every mode’s document as a managed policy, unchanged', async () => {
    const iam = new IAMClient({
      endpoint: motoUrl,
      region: 'us-east-1',
      credentials: {
        accessKeyId: 'AKIAMOTOSELFPOLICY01',
        secretAccessKey: 'moto-self-policy-secret-000000000000',
      },
    });
    const run = randomUUID().slice(0, 8);
    for (const mode of SELF_POLICY_MODES) {
      const doc = selfPolicy(mode, FULL);
      const created = await iam.send(
        new CreatePolicyCommand({
          PolicyName: `gh2cc-self-${mode}-${run}`,
          Path: '/gh2cc-test/',
          PolicyDocument: JSON.stringify(doc),
        }),
      );
      const version = await iam.send(
        new GetPolicyVersionCommand({
          PolicyArn: created.Policy?.Arn ?? '',
          VersionId: created.Policy?.DefaultVersionId ?? 'v1',
        }),
      );
      expect(JSON.parse(decodeURIComponent(version.PolicyVersion?.Document ?? ''))).toEqual(doc);
    }
  });
});

describe('gh2cc iam self-policy: iam mode allows what iam apply does, under its path only', () => {
  const policy = selfPolicy('iam', FULL);
  const iam = `arn:aws:iam::${ACCOUNT}`;
  const ownPolicy = `${iam}:policy/gh2cc/team-backend-push`;
  const resourceFor: Readonly<Record<string, string>> = {
    'iam-group': `${iam}:group/gh2cc/team-backend`,
    'iam-group-attach': `${iam}:group/gh2cc/team-backend`,
    'iam-policy': ownPolicy,
    'iam-role-attach': `${iam}:role/developers`,
    'iam-user-detach': `${iam}:user/alice`,
    'iam-role': `${iam}:role/developers`,
    'iam-user': `${iam}:user/alice`,
    'account-wide': '*',
  };

  it.each([...IAM_APPLY_CALLS])('iam:%s on its resource under /gh2cc/ is Allowed', async (call) => {
    const row = SELF_POLICY_CALLS.find((r) => r.service === 'iam' && r.call === call);
    const resource = row === undefined ? undefined : resourceFor[row.resource];
    expect(resource, `a test resource for ${row?.resource}`).toBeDefined();
    const context: Record<string, string> = /^(Attach|Detach)(Group|Role|User)Policy$/.test(call)
      ? { 'iam:PolicyARN': ownPolicy }
      : {};
    expect(await decide(policy, `iam:${call}`, resource ?? '', ACCOUNT, context)).toBe('Allowed');
  });

  it('migrate and daemon may remove GitHub topic tags under the prefix, and no other tag', async () => {
    for (const mode of ['migrate', 'daemon'] as const) {
      const own = selfPolicy(mode, {
        region: 'eu-west-1',
        accountId: ACCOUNT,
        repoPrefix: 'acme-',
        iamPath: '/gh2cc/',
      });
      const repo = `arn:aws:codecommit:eu-west-1:${ACCOUNT}:acme-api`;
      const untag = (keys: string[], on = repo) =>
        decide(own, 'codecommit:UntagResource', on, ACCOUNT, { 'aws:TagKeys': keys });
      expect(await untag(['github-topic:go'])).toBe('Allowed');
      expect(await untag(['github-topic:go', 'cost-center'])).toBe('ImplicitlyDenied');
      expect(await untag(['gh2cc:managed-by'])).toBe('ImplicitlyDenied');
      expect(await untag(['github-topic:go'], `arn:aws:codecommit:eu-west-1:${ACCOUNT}:payroll`)).toBe(
        'ImplicitlyDenied',
      );
    }
  });

  it('team tags on repositories under the prefix are Allowed; other tags are not', async () => {
    const repo = `arn:aws:codecommit:eu-west-1:${ACCOUNT}:acme-api`;
    expect(await decide(policy, 'codecommit:ListTagsForResource', repo, ACCOUNT)).toBe('Allowed');
    for (const action of ['codecommit:TagResource', 'codecommit:UntagResource']) {
      expect(await decide(policy, action, repo, ACCOUNT, { 'aws:TagKeys': ['gh2cc:team:backend'] })).toBe(
        'Allowed',
      );
      expect(await decide(policy, action, repo, ACCOUNT, { 'aws:TagKeys': ['cost-center'] })).toBe(
        'ImplicitlyDenied',
      );
    }
  });

  it('denies attaching policies that are not gh2cc’s, and groups or policies outside the path', async () => {
    const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
    for (const [call, target] of [
      ['AttachRolePolicy', `${iam}:role/developers`],
      ['AttachGroupPolicy', `${iam}:group/gh2cc/team-backend`],
      ['DetachUserPolicy', `${iam}:user/alice`],
    ] as const) {
      expect(await decide(policy, `iam:${call}`, target, ACCOUNT, { 'iam:PolicyARN': admin })).toBe(
        'ImplicitlyDenied',
      );
    }
    expect(await decide(policy, 'iam:CreateGroup', `${iam}:group/admins`, ACCOUNT)).toBe('ImplicitlyDenied');
    expect(await decide(policy, 'iam:AddUserToGroup', `${iam}:group/admins`, ACCOUNT)).toBe(
      'ImplicitlyDenied',
    );
    expect(await decide(policy, 'iam:CreatePolicyVersion', `${iam}:policy/other`, ACCOUNT)).toBe(
      'ImplicitlyDenied',
    );
    expect(await decide(policy, 'iam:DeleteUser', `${iam}:user/alice`, ACCOUNT)).toBe('ImplicitlyDenied');
    expect(await decide(policy, 'iam:CreateUser', `${iam}:user/gh2cc/x`, ACCOUNT)).toBe('ImplicitlyDenied');
    expect(
      await decide(
        policy,
        'codecommit:DeleteRepository',
        `arn:aws:codecommit:eu-west-1:${ACCOUNT}:acme-api`,
        ACCOUNT,
      ),
    ).toBe('ImplicitlyDenied');
  });
});
