import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SandboxInfo } from '../../src/sandbox/start-sandbox.ts';
import { gitWithHelper, lsRemote, makeRepo, tempDir } from '../helpers/git.ts';
import { eventually, gh2cc } from '../helpers/processes.ts';

describe('gh2cc sandbox (as a process)', () => {
  it('prints one JSON line; the AWS CLI and plain git work with its credentials; SIGTERM stops it cleanly', async () => {
    const dir = await tempDir('gh2cc-sbx-');
    const proc = gh2cc(['sandbox', '--dir', join(dir, 's'), '--seed', 'demo', '--latency', '20'], {}, dir);
    await eventually(() => proc.stdout().includes('\n'), 60_000, 'the JSON line');
    const lines = proc.stdout().trim().split('\n');
    expect(lines).toHaveLength(1);
    const info = JSON.parse(lines[0] ?? '') as SandboxInfo;
    expect(Object.keys(info).sort()).toEqual(['codecommit', 'env', 'github']);
    expect(Object.keys(info.codecommit).sort()).toEqual([
      'accessKeyId',
      'endpoint',
      'gitUrl',
      'region',
      'secretAccessKey',
    ]);
    expect(info.env).toMatchObject({
      GH2CC_ORG: 'demo-org',
      AWS_ENDPOINT_URL_CODECOMMIT: info.codecommit.endpoint,
    });

    const cc = info.codecommit;
    const awsEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: cc.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cc.secretAccessKey,
      AWS_DEFAULT_REGION: cc.region,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const aws = (...args: string[]): { code: number | null; out: string; err: string } => {
      const r = spawnSync('aws', ['--endpoint-url', cc.endpoint, '--output', 'json', 'codecommit', ...args], {
        env: awsEnv,
        encoding: 'utf8',
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const created = aws(
      'create-repository',
      '--repository-name',
      'cli-made',
      '--repository-description',
      'made by aws',
    );
    expect(created.code, created.err).toBe(0);
    expect(aws('create-repository', '--repository-name', 'cli-made').err).toContain(
      'RepositoryNameExistsException',
    );
    expect(aws('create-repository', '--repository-name', 'bad/name').err).toContain(
      'InvalidRepositoryNameException',
    );
    expect(JSON.parse(aws('list-repositories').out)).toMatchObject({
      repositories: [{ repositoryName: 'cli-made' }],
    });

    // Plain git with the AWS CLI's own credential helper, then the GitHub side with the token.
    const src = await makeRepo(2);
    const helper = '!aws codecommit credential-helper --ignore-host-check $@';
    const push = await gitWithHelper(src, helper, ['push', `${cc.gitUrl}/v1/repos/cli-made`, 'main'], {
      AWS_ACCESS_KEY_ID: cc.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cc.secretAccessKey,
      AWS_DEFAULT_REGION: cc.region,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    });
    expect(push.code, push.stderr).toBe(0);
    const tokenHelper = `!f() { echo username=x-access-token; echo password=${info.github.token}; }; f`;
    const refs = await lsRemote(
      dir,
      `${info.github.apiUrl.replace('/api/v3', '')}/demo-org/pull-requests.git`,
      tokenHelper,
    );
    expect(refs.has('refs/pull/1/head')).toBe(true);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});
