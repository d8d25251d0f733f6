import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  BatchGetRepositoriesCommand,
  CodeCommitClient,
  CreateRepositoryCommand,
  GetRepositoryCommand,
  ListRepositoriesCommand,
  TagResourceCommand,
  UpdateRepositoryNameCommand,
} from '@aws-sdk/client-codecommit';
import { describe, expect, inject, it } from 'vitest';
import { readRequestLog, requestLogPath } from '../../src/sandbox/request-log.ts';
import { gitWithHelper, makeRepo } from '../helpers/git.ts';

const sandbox = inject('sandbox');
const sandboxDir = inject('sandboxDir');
const cc = sandbox.codecommit;
const awsEnv = {
  AWS_ACCESS_KEY_ID: cc.accessKeyId,
  AWS_SECRET_ACCESS_KEY: cc.secretAccessKey,
  AWS_REGION: cc.region,
  AWS_DEFAULT_REGION: cc.region,
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const awsCliHelper = '!aws codecommit credential-helper --ignore-host-check $@';

function client(secretAccessKey = cc.secretAccessKey): CodeCommitClient {
  return new CodeCommitClient({
    endpoint: cc.endpoint,
    region: cc.region,
    credentials: { accessKeyId: cc.accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

describe('sandbox CodeCommit request log', () => {
  it('records each API operation with the repositories it named and how it ended', async () => {
    const id = randomUUID().slice(0, 8);
    const [a, b, gone] = [`log-a-${id}`, `log-b-${id}`, `log-gone-${id}`];
    const cc1 = client();
    const made = await cc1.send(new CreateRepositoryCommand({ repositoryName: a }));
    await cc1.send(new BatchGetRepositoriesCommand({ repositoryNames: [a, gone] }));
    await expect(cc1.send(new GetRepositoryCommand({ repositoryName: gone }))).rejects.toThrow();
    await cc1.send(
      new TagResourceCommand({ resourceArn: made.repositoryMetadata?.Arn ?? '', tags: { k: 'v' } }),
    );
    await cc1.send(new UpdateRepositoryNameCommand({ oldName: a, newName: b }));
    await cc1.send(new ListRepositoriesCommand({}));
    await expect(
      client('not-the-secret').send(new GetRepositoryCommand({ repositoryName: b })),
    ).rejects.toThrow();

    const log = await readRequestLog(requestLogPath(join(sandboxDir, 'codecommit')));
    const mine = log.filter((r) => r.repositories.some((n) => n.endsWith(id)));
    expect(mine.map((r) => [r.operation, r.repositories, r.status, r.error])).toEqual([
      ['CreateRepository', [a], 200, undefined],
      ['BatchGetRepositories', [a, gone], 200, undefined],
      ['GetRepository', [gone], 400, 'RepositoryDoesNotExistException'],
      ['TagResource', [a], 200, undefined],
      ['UpdateRepositoryName', [a, b], 200, undefined],
      ['GetRepository', [b], 400, 'InvalidSignatureException'],
    ]);
    expect(mine.every((r) => r.kind === 'api' && !Number.isNaN(Date.parse(r.time)))).toBe(true);
    // An account-wide call names no repository.
    expect(log.some((r) => r.operation === 'ListRepositories' && r.repositories.length === 0)).toBe(true);
  });

  it('records git over HTTPS as GitPull and GitPush, the IAM actions they need', async () => {
    const name = `log-git-${randomUUID().slice(0, 8)}`;
    await client().send(new CreateRepositoryCommand({ repositoryName: name }));
    const url = `${cc.gitUrl}/v1/repos/${name}`;
    const source = await makeRepo(2);
    const push = await gitWithHelper(source, awsCliHelper, ['push', url, 'main'], awsEnv);
    expect(push.code, push.stderr).toBe(0);
    const fetch = await gitWithHelper(source, awsCliHelper, ['ls-remote', url], awsEnv);
    expect(fetch.code, fetch.stderr).toBe(0);

    const log = await readRequestLog(requestLogPath(join(sandboxDir, 'codecommit')));
    const git = log.filter((r) => r.kind === 'git' && r.repositories[0] === name);
    const ops = new Set(git.map((r) => r.operation));
    expect([...ops].sort()).toEqual(['GitPull', 'GitPush']);
    expect(git.every((r) => r.status === 200)).toBe(true);
    // The push's discovery (info/refs?service=git-receive-pack) and the pack both count as GitPush.
    expect(git.filter((r) => r.operation === 'GitPush').length).toBeGreaterThanOrEqual(2);
  });
});
