import { join } from 'node:path';
import { CodeCommitClient, CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { codecommitGitCredential } from '../../src/codecommit/git-password.ts';
import { runGit } from '../../src/git/git-runner.ts';
import type { PushLogEntry } from '../../src/sandbox/codecommit-git.ts';
import { gitWithHelper, lsRemote, makeRepo } from '../helpers/git.ts';
import { readPushLog } from '../helpers/push-log.ts';

const sandbox = inject('sandbox');
const sandboxDir = inject('sandboxDir');
const cc = sandbox.codecommit;
const repoRoot = process.cwd();
const awsEnv = {
  AWS_ACCESS_KEY_ID: cc.accessKeyId,
  AWS_SECRET_ACCESS_KEY: cc.secretAccessKey,
  AWS_REGION: cc.region,
  AWS_DEFAULT_REGION: cc.region,
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
};
// Any variable the helpers need must reach them through git's environment, as it would for a user.
const awsCliHelper = '!aws codecommit credential-helper --ignore-host-check $@';
const gh2ccHelper = `!node ${join(repoRoot, 'bin/gh2cc.js')} git-credential`;

function staticHelper(username: string, password: string): string {
  return `!f() { echo username=${username}; echo password=${password}; }; f`;
}

async function createRepo(name: string): Promise<string> {
  const client = new CodeCommitClient({
    endpoint: cc.endpoint,
    region: cc.region,
    credentials: { accessKeyId: cc.accessKeyId, secretAccessKey: cc.secretAccessKey },
  });
  await client.send(new CreateRepositoryCommand({ repositoryName: name }));
  return `${cc.gitUrl}/v1/repos/${name}`;
}

function pushLog(): Promise<PushLogEntry[]> {
  return readPushLog(join(sandboxDir, 'codecommit', 'push-log.jsonl'));
}

describe('sandbox CodeCommit git endpoint', () => {
  let source: string;
  beforeAll(async () => {
    source = await makeRepo(3, (s, tips) => {
      s.ref('refs/heads/dev', tips[1] ?? 1);
      s.annotatedTag('v1', tips[0] ?? 1, 'first');
    });
  });

  it('accepts the password the AWS CLI credential helper computes, and pushes every ref', async () => {
    const url = await createRepo('aws-cli-helper');
    const push = await gitWithHelper(source, awsCliHelper, ['push', '--mirror', url], awsEnv);
    expect(push.stderr).not.toMatch(/error: 403/);
    expect(push.code).toBe(0);
    const local = await lsRemote(source, source);
    const remote = await lsRemote(source, url, awsCliHelper, awsEnv);
    expect(remote.get('refs/heads/main')).toBe(local.get('refs/heads/main'));
    expect(remote.get('refs/heads/dev')).toBe(local.get('refs/heads/dev'));
    expect(remote.get('refs/tags/v1')).toBe(local.get('refs/tags/v1'));
    const entry = (await pushLog()).find((e) => e.repo === 'aws-cli-helper');
    expect(entry?.accepted).toBe(true);
    expect(entry?.refs.map((r) => r.ref).sort()).toEqual([
      'refs/heads/dev',
      'refs/heads/main',
      'refs/tags/v1',
    ]);
  });

  it('accepts the output of `gh2cc git-credential get`', async () => {
    const url = await createRepo('gh2cc-helper');
    const push = await gitWithHelper(source, gh2ccHelper, ['push', url, 'main'], awsEnv);
    expect(push.stderr).not.toMatch(/error: 403/);
    expect(push.code).toBe(0);
  });

  it('rejects a wrong or expired password with 403 and no credentials with 401', async () => {
    const url = await createRepo('auth-checks');
    const host = new URL(cc.gitUrl).host;
    const wrong = await gitWithHelper(
      source,
      staticHelper(cc.accessKeyId, `20990101T000000Z${'0'.repeat(64)}`),
      ['push', url, 'main'],
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('error: 403');

    const expired = codecommitGitCredential({
      ...cc,
      host,
      path: '/v1/repos/auth-checks',
      now: new Date(Date.now() - 16 * 60 * 1000),
    });
    const old = await gitWithHelper(source, staticHelper(expired.username, expired.password), [
      'push',
      url,
      'main',
    ]);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain('error: 403');

    const otherRepo = codecommitGitCredential({ ...cc, host, path: '/v1/repos/some-other-repo' });
    const misused = await gitWithHelper(source, staticHelper(otherRepo.username, otherRepo.password), [
      'push',
      url,
      'main',
    ]);
    expect(misused.stderr).toContain('error: 403');

    const fresh = codecommitGitCredential({ ...cc, host, path: '/v1/repos/auth-checks' });
    const ok = await gitWithHelper(source, staticHelper(fresh.username, fresh.password), [
      'push',
      url,
      'main',
    ]);
    expect(ok.code).toBe(0);

    const anonymous = await fetch(`${url}/info/refs?service=git-upload-pack`);
    expect(anonymous.status).toBe(401);
  });

  it('refuses a push of 4,001 ref updates with CodeCommit’s error, and takes 4,000', async () => {
    const many = await makeRepo(2, (s, tips) => {
      for (let i = 0; i < 4001; i += 1) s.ref(`refs/tags/t${i}`, tips[i % 2] ?? 1);
    });
    const url = await createRepo('too-many-refs');
    const refused = await gitWithHelper(
      many,
      gh2ccHelper,
      ['push', url, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'],
      awsEnv,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Too many reference update commands');
    expect((await lsRemote(many, many)).size).toBe(4002);
    const refusedEntry = (await pushLog()).find((e) => e.repo === 'too-many-refs');
    expect(refusedEntry?.accepted).toBe(false);

    await runGit(many, ['update-ref', '-d', 'refs/tags/t4000']);
    await runGit(many, ['update-ref', '-d', 'refs/tags/t3999']);
    const accepted = await gitWithHelper(
      many,
      gh2ccHelper,
      ['push', url, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'],
      awsEnv,
    );
    expect(accepted.code).toBe(0);
    const entries = (await pushLog()).filter((e) => e.repo === 'too-many-refs' && e.accepted);
    expect(entries[0]?.refs.length).toBe(4000);
    expect((await lsRemote(many, url, gh2ccHelper, awsEnv)).size).toBe(4000);
  });

  it('enforces CodeCommit branch-name quotas and has no atomic push; gh2cc backup names pass', async () => {
    const url = await createRepo('branch-names');
    const push = (...args: string[]) => gitWithHelper(source, gh2ccHelper, ['push', ...args], awsEnv);
    const hex = 'a'.repeat(40);
    const tooLong = `x/${'y'.repeat(255)}`;
    for (const name of [hex, tooLong]) {
      const refused = await push(url, `refs/heads/main:refs/heads/${name}`);
      expect(refused.code, name).not.toBe(0);
      expect(refused.stderr).toContain('InvalidBranchNameException');
    }
    const atomic = await push('--atomic', url, 'refs/heads/main:refs/heads/main');
    expect(atomic.code).not.toBe(0);
    expect(atomic.stderr).toMatch(/does not support --atomic/);
    const backup = 'gh2cc-backup/20261126T221005Z-01234567/heads/main';
    const ok = await push(url, `refs/heads/main:refs/heads/main`, `refs/heads/main:refs/heads/${backup}`);
    expect(ok.code, ok.stderr).toBe(0);
    const refs = await lsRemote(source, url, gh2ccHelper, awsEnv);
    expect([...refs.keys()].sort()).toEqual([`refs/heads/${backup}`, 'refs/heads/main']);
  });
});
