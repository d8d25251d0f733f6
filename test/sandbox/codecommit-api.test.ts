import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetRepositoriesCommand,
  CodeCommitClient,
  CodeCommitServiceException,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  GetBranchCommand,
  GetRepositoryCommand,
  GetRepositoryTriggersCommand,
  ListBranchesCommand,
  ListRepositoriesCommand,
  ListTagsForResourceCommand,
  PutRepositoryTriggersCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDefaultBranchCommand,
  UpdateRepositoryDescriptionCommand,
  UpdateRepositoryNameCommand,
  paginateListBranches,
  paginateListRepositories,
  type RepositoryTrigger,
  type SortByEnum,
} from '@aws-sdk/client-codecommit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCodeCommitApi,
  type CodeCommitApiOptions,
} from '../../src/sandbox/codecommit/api/create-code-commit-api.ts';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const CREDENTIALS = {
  accessKeyId: 'AKIASANDBOXTEST00001',
  secretAccessKey: randomBytes(30).toString('base64'),
};

interface Sandbox {
  readonly endpoint: string;
  readonly dir: string;
  /** Moves the sandbox's clock away from real time. */
  skew(ms: number): void;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function startSandbox(
  dir: string,
  extra: Partial<Omit<CodeCommitApiOptions, 'dir' | 'now'>> = {},
): Promise<Sandbox> {
  let skewMs = 0;
  const handler = createCodeCommitApi({
    dir,
    region: REGION,
    accountId: ACCOUNT,
    credentials: CREDENTIALS,
    log: pino({ level: 'silent' }),
    now: () => new Date(Date.now() + skewMs),
    ...extra,
  });
  const server = createServer((req, res) => {
    handler(req, res).then(
      (handled) => {
        if (!handled) res.writeHead(404).end();
      },
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dir,
    skew: (ms) => {
      skewMs = ms;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv },
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The AWS CLI with nothing from the developer's own AWS setup: only these keys, no config files. */
function aws(endpoint: string, args: readonly string[], creds = CREDENTIALS): Promise<Run> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  });
  return run(
    'aws',
    ['--endpoint-url', endpoint, '--region', REGION, 'codecommit', ...args, '--output', 'json'],
    {
      env,
    },
  );
}

function sdk(
  endpoint: string,
  extra: { secretAccessKey?: string; maxAttempts?: number } = {},
): CodeCommitClient {
  return new CodeCommitClient({
    endpoint,
    region: REGION,
    credentials: {
      accessKeyId: CREDENTIALS.accessKeyId,
      secretAccessKey: extra.secretAccessKey ?? CREDENTIALS.secretAccessKey,
    },
    ...(extra.maxAttempts === undefined ? {} : { maxAttempts: extra.maxAttempts }),
  });
}

/** The service error a promise rejects with (name and message as the SDK parsed them). */
async function failure(promise: Promise<unknown>): Promise<CodeCommitServiceException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CodeCommitServiceException) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function git(cwd: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await run('git', args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Sandbox Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Sandbox Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
      ...extraEnv,
    },
  });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** A work repository with one commit on `main`. */
async function workRepo(): Promise<{ dir: string; head: string }> {
  const dir = await tempDir('gh2cc-work-');
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['commit', '-q', '--allow-empty', '-m', 'first']);
  return { dir, head: await git(dir, ['rev-parse', 'HEAD']) };
}

let sandbox: Sandbox;
let cc: CodeCommitClient;

beforeAll(async () => {
  sandbox = await startSandbox(await tempDir('gh2cc-cc-'), {
    listRepositoriesPageSize: 2,
    listBranchesPageSize: 2,
  });
  cc = sdk(sandbox.endpoint);
});

afterAll(async () => {
  cc.destroy();
  await sandbox.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('CodeCommit sandbox API through the AWS CLI', () => {
  it('creates, reads, lists, tags, untags and deletes a repository', async () => {
    // Enough repositories that the CLI has to follow nextToken (page size 2) to list them all.
    for (const name of ['cli-list-a', 'cli-list-b']) {
      await cc.send(new CreateRepositoryCommand({ repositoryName: name }));
    }
    const before = Date.now() / 1000;
    const created = await aws(sandbox.endpoint, [
      'create-repository',
      '--repository-name',
      'demo',
      '--repository-description',
      'A <b>demo</b> repo',
      '--tags',
      'team=core',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const meta = (JSON.parse(created.stdout) as { repositoryMetadata: Record<string, unknown> })
      .repositoryMetadata;
    expect(meta).toMatchObject({
      repositoryName: 'demo',
      repositoryDescription: 'A <b>demo</b> repo',
      accountId: ACCOUNT,
      Arn: `arn:aws:codecommit:${REGION}:${ACCOUNT}:demo`,
      cloneUrlHttp: `https://git-codecommit.${REGION}.amazonaws.com/v1/repos/demo`,
      cloneUrlSsh: `ssh://git-codecommit.${REGION}.amazonaws.com/v1/repos/demo`,
    });
    expect(meta.repositoryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta.defaultBranch).toBeUndefined();
    // CLI v1 prints the epoch seconds it received; v2 would print ISO text.
    const createdAt =
      typeof meta.creationDate === 'number'
        ? meta.creationDate
        : Date.parse(String(meta.creationDate)) / 1000;
    expect(createdAt).toBeGreaterThanOrEqual(before - 1);
    expect(createdAt).toBeLessThanOrEqual(Date.now() / 1000 + 1);

    const got = await aws(sandbox.endpoint, ['get-repository', '--repository-name', 'demo']);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ repositoryMetadata: meta });

    const listed = await aws(sandbox.endpoint, ['list-repositories']);
    expect(listed.code, listed.stderr).toBe(0);
    const names = (
      JSON.parse(listed.stdout) as { repositories: Array<{ repositoryName: string }> }
    ).repositories.map((r) => r.repositoryName);
    expect(names).toEqual(expect.arrayContaining(['cli-list-a', 'cli-list-b', 'demo']));

    const arn = String(meta.Arn);
    const tagged = await aws(sandbox.endpoint, ['tag-resource', '--resource-arn', arn, '--tags', 'env=dev']);
    expect(tagged.code, tagged.stderr).toBe(0);
    const untagged = await aws(sandbox.endpoint, [
      'untag-resource',
      '--resource-arn',
      arn,
      '--tag-keys',
      'team',
    ]);
    expect(untagged.code, untagged.stderr).toBe(0);
    const tags = await aws(sandbox.endpoint, ['list-tags-for-resource', '--resource-arn', arn]);
    expect(tags.code, tags.stderr).toBe(0);
    expect(JSON.parse(tags.stdout)).toEqual({ tags: { env: 'dev' } });

    const deleted = await aws(sandbox.endpoint, ['delete-repository', '--repository-name', 'demo']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ repositoryId: meta.repositoryId });

    const gone = await aws(sandbox.endpoint, ['get-repository', '--repository-name', 'demo']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain(
      'An error occurred (RepositoryDoesNotExistException) when calling the GetRepository operation: demo does not exist',
    );
  });

  it('reports invalid names, duplicates and bad credentials as the service does', async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'cli-dup' }));
    const [badName, duplicate, wrongSecret, unknownKey] = await Promise.all([
      aws(sandbox.endpoint, ['create-repository', '--repository-name', 'bad/name']),
      aws(sandbox.endpoint, ['create-repository', '--repository-name', 'cli-dup']),
      aws(sandbox.endpoint, ['list-repositories'], { ...CREDENTIALS, secretAccessKey: 'not-the-secret' }),
      aws(sandbox.endpoint, ['list-repositories'], { ...CREDENTIALS, accessKeyId: 'AKIAUNKNOWNKEY000000' }),
    ]);
    expect(badName.code).not.toBe(0);
    expect(badName.stderr).toContain(
      'An error occurred (InvalidRepositoryNameException) when calling the CreateRepository operation: The repository name is not valid.',
    );
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toContain(
      'An error occurred (RepositoryNameExistsException) when calling the CreateRepository operation: Repository named cli-dup already exists',
    );
    expect(wrongSecret.code).not.toBe(0);
    expect(wrongSecret.stderr).toContain(
      'An error occurred (InvalidSignatureException) when calling the ListRepositories operation: The request signature we calculated does not match the signature you provided.',
    );
    expect(unknownKey.code).not.toBe(0);
    expect(unknownKey.stderr).toContain(
      'An error occurred (UnrecognizedClientException) when calling the ListRepositories operation: The security token included in the request is invalid.',
    );
  });
});

describe('CodeCommit sandbox API through SDK v3', () => {
  it('pages ListRepositories with continuation tokens, in either order and sort key', async () => {
    const names = ['page-0', 'page-1', 'page-2', 'page-3', 'page-4'];
    for (const name of names) await cc.send(new CreateRepositoryCommand({ repositoryName: name }));

    const pages: string[][] = [];
    for await (const page of paginateListRepositories({ client: cc }, {})) {
      pages.push((page.repositories ?? []).map((r) => r.repositoryName ?? ''));
    }
    expect(pages.every((p) => p.length <= 2)).toBe(true);
    const all = pages.flat();
    expect(all).toEqual([...all].sort());
    expect(all.filter((n) => n.startsWith('page-'))).toEqual(names);

    const descending: string[] = [];
    for await (const page of paginateListRepositories({ client: cc }, { order: 'descending' })) {
      descending.push(...(page.repositories ?? []).map((r) => r.repositoryName ?? ''));
    }
    expect(descending).toEqual([...all].reverse());

    // The most recently modified repository comes last when sorting by lastModifiedDate.
    await cc.send(
      new UpdateRepositoryDescriptionCommand({ repositoryName: 'page-1', repositoryDescription: 'x' }),
    );
    const byDate: string[] = [];
    for await (const page of paginateListRepositories({ client: cc }, { sortBy: 'lastModifiedDate' })) {
      byDate.push(...(page.repositories ?? []).map((r) => r.repositoryName ?? ''));
    }
    expect(byDate.at(-1)).toBe('page-1');
    expect(byDate.filter((n) => n.startsWith('page-'))).toEqual([
      'page-0',
      'page-2',
      'page-3',
      'page-4',
      'page-1',
    ]);

    const first = await cc.send(new ListRepositoriesCommand({}));
    expect(first.nextToken).toBeTruthy();
    expect(
      (
        await failure(
          cc.send(new ListRepositoriesCommand({ nextToken: first.nextToken, order: 'descending' })),
        )
      ).name,
    ).toBe('InvalidContinuationTokenException');
    expect((await failure(cc.send(new ListRepositoriesCommand({ nextToken: 'garbage' })))).name).toBe(
      'InvalidContinuationTokenException',
    );
    expect((await failure(cc.send(new ListRepositoriesCommand({ sortBy: 'size' as SortByEnum })))).name).toBe(
      'InvalidSortByException',
    );
  });

  it('validates repository names, descriptions and BatchGetRepositories limits', async () => {
    const cases: Array<[string, string]> = [
      ['', 'RepositoryNameRequiredException'],
      ['repo.git', 'InvalidRepositoryNameException'],
      ['a'.repeat(101), 'InvalidRepositoryNameException'],
      ['spaced name', 'InvalidRepositoryNameException'],
    ];
    for (const [repositoryName, expected] of cases) {
      expect((await failure(cc.send(new CreateRepositoryCommand({ repositoryName })))).name).toBe(expected);
    }
    const long = await failure(
      cc.send(
        new CreateRepositoryCommand({ repositoryName: 'long-desc', repositoryDescription: 'd'.repeat(1001) }),
      ),
    );
    expect(long.name).toBe('InvalidRepositoryDescriptionException');
    expect(long.$metadata.httpStatusCode).toBe(400);
    const ok = await cc.send(
      new CreateRepositoryCommand({
        repositoryName: 'a'.repeat(100),
        repositoryDescription: 'd'.repeat(1000),
      }),
    );
    expect(ok.repositoryMetadata?.repositoryName).toHaveLength(100);

    const batch = await cc.send(
      new BatchGetRepositoriesCommand({ repositoryNames: ['page-0', 'nope', 'page-3'] }),
    );
    expect(batch.repositories?.map((r) => r.repositoryName)).toEqual(['page-0', 'page-3']);
    expect(batch.repositories?.[0]?.creationDate).toBeInstanceOf(Date);
    expect(batch.repositoriesNotFound).toEqual(['nope']);
    expect(batch.errors).toEqual([
      {
        repositoryName: 'nope',
        errorCode: 'RepositoryDoesNotExistException',
        errorMessage: 'nope does not exist',
      },
    ]);
    const tooMany = Array.from({ length: 101 }, (_, i) => `r${i}`);
    expect((await failure(cc.send(new BatchGetRepositoriesCommand({ repositoryNames: tooMany })))).name).toBe(
      'MaximumRepositoryNamesExceededException',
    );
    expect(
      (await cc.send(new BatchGetRepositoriesCommand({ repositoryNames: tooMany.slice(0, 100) })))
        .repositoriesNotFound,
    ).toHaveLength(100);

    // A repository that is already gone deletes "successfully", without an id.
    const missing = await cc.send(new DeleteRepositoryCommand({ repositoryName: 'never-existed' }));
    expect(missing.repositoryId).toBeUndefined();
  });

  it('lets exactly one of several concurrent CreateRepository calls for a name succeed', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => cc.send(new CreateRepositoryCommand({ repositoryName: 'race' }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as Error).name).toBe('RepositoryNameExistsException');
    }
  });

  it('enforces the tag rules (50 per repository, key and value format, aws: prefix)', async () => {
    const fiftyOne = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`key-${i}`, `value ${i}`]));
    expect(
      (await failure(cc.send(new CreateRepositoryCommand({ repositoryName: 'tags-51', tags: fiftyOne }))))
        .name,
    ).toBe('TooManyTagsException');
    const fifty = Object.fromEntries(Object.entries(fiftyOne).slice(0, 50));
    const created = await cc.send(new CreateRepositoryCommand({ repositoryName: 'tags-50', tags: fifty }));
    const arn = created.repositoryMetadata?.Arn ?? '';
    expect((await cc.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual(fifty);
    expect(
      (await failure(cc.send(new TagResourceCommand({ resourceArn: arn, tags: { one: 'more' } })))).name,
    ).toBe('TooManyTagsException');
    // Overwriting an existing key does not count as a new tag.
    await cc.send(new TagResourceCommand({ resourceArn: arn, tags: { 'key-0': 'a +-=._:/@ b' } }));
    await cc.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['key-1', 'key-2', 'absent'] }));
    const tags = (await cc.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? {};
    expect(Object.keys(tags)).toHaveLength(48);
    expect(tags['key-0']).toBe('a +-=._:/@ b');

    const errors = await Promise.all([
      failure(cc.send(new TagResourceCommand({ resourceArn: arn, tags: { 'aws:owner': 'x' } }))),
      failure(cc.send(new TagResourceCommand({ resourceArn: arn, tags: { 'bad!key': 'x' } }))),
      failure(cc.send(new TagResourceCommand({ resourceArn: arn, tags: { k: 'v'.repeat(257) } }))),
      failure(cc.send(new TagResourceCommand({ resourceArn: arn, tags: { ['k'.repeat(129)]: 'v' } }))),
      failure(cc.send(new TagResourceCommand({ resourceArn: arn, tags: {} }))),
      failure(cc.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: [] }))),
      failure(cc.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' }))),
      failure(cc.send(new ListTagsForResourceCommand({ resourceArn: '' }))),
      failure(
        cc.send(
          new ListTagsForResourceCommand({ resourceArn: `arn:aws:codecommit:${REGION}:${ACCOUNT}:nope` }),
        ),
      ),
    ]);
    expect(errors.map((e) => e.name)).toEqual([
      'InvalidSystemTagUsageException',
      'InvalidTagsMapException',
      'InvalidTagsMapException',
      'InvalidTagsMapException',
      'TagsMapRequiredException',
      'TagKeysListRequiredException',
      'InvalidResourceArnException',
      'ResourceArnRequiredException',
      'RepositoryDoesNotExistException',
    ]);
  });

  it('stores repository triggers and validates them', async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'triggered' }));
    const empty = await cc.send(new GetRepositoryTriggersCommand({ repositoryName: 'triggered' }));
    expect(empty.triggers).toEqual([]);

    const triggers: RepositoryTrigger[] = [
      {
        name: 'to-sns',
        destinationArn: `arn:aws:sns:${REGION}:${ACCOUNT}:gh2cc-events`,
        customData: 'mirror',
        branches: [],
        events: ['all'],
      },
      {
        name: 'to-lambda',
        destinationArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:notify:live`,
        branches: ['main', 'release/1.0'],
        events: ['createReference', 'deleteReference'],
      },
    ];
    const put = await cc.send(new PutRepositoryTriggersCommand({ repositoryName: 'triggered', triggers }));
    expect(put.configurationId).toMatch(/^[0-9a-f-]{36}$/);
    const got = await cc.send(new GetRepositoryTriggersCommand({ repositoryName: 'triggered' }));
    expect(got.configurationId).toBe(put.configurationId);
    expect(got.triggers).toEqual(triggers);

    const base = triggers[1] as RepositoryTrigger;
    const attempt = (list: RepositoryTrigger[]): Promise<CodeCommitServiceException> =>
      failure(cc.send(new PutRepositoryTriggersCommand({ repositoryName: 'triggered', triggers: list })));
    const errors = await Promise.all([
      attempt(Array.from({ length: 11 }, (_, i) => ({ ...base, name: `t${i}` }))),
      attempt([{ ...base, events: ['all', 'createReference'] }]),
      attempt([{ ...base, events: ['pushed' as 'all'] }]),
      attempt([{ ...base, events: [] }]),
      attempt([{ ...base, destinationArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:elsewhere` }]),
      attempt([{ ...base, destinationArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:queue` }]),
      attempt([{ ...base, destinationArn: undefined }]),
      attempt([{ ...base, name: '' }]),
      attempt([{ ...base, branches: undefined }]),
      attempt([{ ...base, branches: ['bad..branch'] }]),
    ]);
    expect(errors.map((e) => e.name)).toEqual([
      'MaximumRepositoryTriggersExceededException',
      'InvalidRepositoryTriggerEventsException',
      'InvalidRepositoryTriggerEventsException',
      'RepositoryTriggerEventsListRequiredException',
      'InvalidRepositoryTriggerRegionException',
      'InvalidRepositoryTriggerDestinationArnException',
      'RepositoryTriggerDestinationArnRequiredException',
      'RepositoryTriggerNameRequiredException',
      'RepositoryTriggerBranchNameListRequiredException',
      'InvalidRepositoryTriggerBranchNameException',
    ]);

    // PutRepositoryTriggers replaces the whole list; an empty one removes them all.
    const cleared = await cc.send(
      new PutRepositoryTriggersCommand({ repositoryName: 'triggered', triggers: [] }),
    );
    const after = await cc.send(new GetRepositoryTriggersCommand({ repositoryName: 'triggered' }));
    expect(after).toMatchObject({ configurationId: cleared.configurationId, triggers: [] });
  });

  it('has no default branch until the first push, then keeps the first branch pushed', async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'pushed' }));
    const bare = join(sandbox.dir, 'repos', 'pushed.git');
    const empty = await cc.send(new GetRepositoryCommand({ repositoryName: 'pushed' }));
    expect(empty.repositoryMetadata).not.toHaveProperty('defaultBranch');
    expect((await cc.send(new ListBranchesCommand({ repositoryName: 'pushed' }))).branches).toEqual([]);
    expect(
      (await failure(cc.send(new GetBranchCommand({ repositoryName: 'pushed', branchName: 'main' })))).name,
    ).toBe('BranchDoesNotExistException');

    const work = await workRepo();
    await git(work.dir, ['push', '-q', bare, 'HEAD:refs/heads/main']);
    const meta = (await cc.send(new GetRepositoryCommand({ repositoryName: 'pushed' }))).repositoryMetadata;
    expect(meta?.defaultBranch).toBe('main');
    expect(
      (await cc.send(new GetBranchCommand({ repositoryName: 'pushed', branchName: 'main' }))).branch,
    ).toEqual({
      branchName: 'main',
      commitId: work.head,
    });

    // Later branches, even ones sorting first, do not take over.
    const more = ['alpha', 'feature/x', 'zeta', 'beta'];
    await git(work.dir, ['push', '-q', bare, ...more.map((b) => `HEAD:refs/heads/${b}`)]);
    const again = await cc.send(new GetRepositoryCommand({ repositoryName: 'pushed' }));
    expect(again.repositoryMetadata?.defaultBranch).toBe('main');

    const pages: string[][] = [];
    for await (const page of paginateListBranches({ client: cc }, { repositoryName: 'pushed' })) {
      pages.push(page.branches ?? []);
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(['alpha', 'beta', 'feature/x', 'main', 'zeta']);

    const refused = await Promise.all([
      failure(
        cc.send(new UpdateDefaultBranchCommand({ repositoryName: 'pushed', defaultBranchName: 'nope' })),
      ),
      failure(
        cc.send(new UpdateDefaultBranchCommand({ repositoryName: 'pushed', defaultBranchName: 'a..b' })),
      ),
      failure(
        cc.send(new UpdateDefaultBranchCommand({ repositoryName: 'absent', defaultBranchName: 'main' })),
      ),
    ]);
    expect(refused.map((e) => e.name)).toEqual([
      'BranchDoesNotExistException',
      'InvalidBranchNameException',
      'RepositoryDoesNotExistException',
    ]);

    await cc.send(
      new UpdateDefaultBranchCommand({ repositoryName: 'pushed', defaultBranchName: 'feature/x' }),
    );
    const updated = await cc.send(new GetRepositoryCommand({ repositoryName: 'pushed' }));
    expect(updated.repositoryMetadata?.defaultBranch).toBe('feature/x');
    // git sees the same default: a clone would check out feature/x.
    const remoteHead = await git(work.dir, ['ls-remote', '--symref', bare, 'HEAD']);
    expect(remoteHead).toContain('ref: refs/heads/feature/x\tHEAD');
  });

  it('picks the earliest pushed branch when several appear before anyone asks', async () => {
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'first-pushed' }));
    const bare = join(sandbox.dir, 'repos', 'first-pushed.git');
    const work = await workRepo();
    // receive-pack stamps the reflog with the committer date, so the first push can be dated earlier.
    await git(work.dir, ['push', '-q', bare, 'HEAD:refs/heads/trunk'], {
      GIT_COMMITTER_DATE: '@1700000000 +0000',
    });
    await git(work.dir, ['push', '-q', bare, 'HEAD:refs/heads/main', 'HEAD:refs/heads/alpha']);
    const meta = (await cc.send(new GetRepositoryCommand({ repositoryName: 'first-pushed' })))
      .repositoryMetadata;
    expect(meta?.defaultBranch).toBe('trunk');
  });

  it('renames a repository with its git directory and updates its description', async () => {
    const created = await cc.send(
      new CreateRepositoryCommand({ repositoryName: 'old-name', repositoryDescription: 'before' }),
    );
    await cc.send(new CreateRepositoryCommand({ repositoryName: 'taken' }));
    expect(
      (await failure(cc.send(new UpdateRepositoryNameCommand({ oldName: 'old-name', newName: 'taken' }))))
        .name,
    ).toBe('RepositoryNameExistsException');
    expect(
      (await failure(cc.send(new UpdateRepositoryNameCommand({ oldName: 'ghost', newName: 'other' }))))
        .message,
    ).toBe('ghost does not exist');

    await cc.send(new UpdateRepositoryNameCommand({ oldName: 'old-name', newName: 'new-name' }));
    const renamed = (await cc.send(new GetRepositoryCommand({ repositoryName: 'new-name' })))
      .repositoryMetadata;
    expect(renamed).toMatchObject({
      repositoryId: created.repositoryMetadata?.repositoryId,
      repositoryDescription: 'before',
      Arn: `arn:aws:codecommit:${REGION}:${ACCOUNT}:new-name`,
    });
    expect((await failure(cc.send(new GetRepositoryCommand({ repositoryName: 'old-name' })))).name).toBe(
      'RepositoryDoesNotExistException',
    );
    // The git side finds repositories by directory, so the directory must move with the name.
    expect((await stat(join(sandbox.dir, 'repos', 'new-name.git'))).isDirectory()).toBe(true);
    await expect(stat(join(sandbox.dir, 'repos', 'old-name.git'))).rejects.toThrow();

    await cc.send(
      new UpdateRepositoryDescriptionCommand({ repositoryName: 'new-name', repositoryDescription: 'after' }),
    );
    const described = await cc.send(new GetRepositoryCommand({ repositoryName: 'new-name' }));
    expect(described.repositoryMetadata?.repositoryDescription).toBe('after');
    expect(
      (
        await failure(
          cc.send(
            new UpdateRepositoryDescriptionCommand({
              repositoryName: 'new-name',
              repositoryDescription: 'x'.repeat(1001),
            }),
          ),
        )
      ).name,
    ).toBe('InvalidRepositoryDescriptionException');
  });

  it('refuses expired signatures, and the SDK recovers by correcting its clock from the Date header', async () => {
    sandbox.skew(20 * 60 * 1000);
    try {
      const once = sdk(sandbox.endpoint, { maxAttempts: 1 });
      const expired = await failure(once.send(new ListRepositoriesCommand({})));
      once.destroy();
      expect(expired.name).toBe('InvalidSignatureException');
      expect(expired.message).toMatch(
        /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
      );
      expect(expired.$metadata.httpStatusCode).toBe(400);

      const retrying = sdk(sandbox.endpoint);
      const listed = await retrying.send(new ListRepositoriesCommand({}));
      retrying.destroy();
      expect(listed.repositories?.length).toBeGreaterThan(0);
    } finally {
      sandbox.skew(0);
    }
    const wrong = sdk(sandbox.endpoint, { secretAccessKey: 'wrong' });
    expect((await failure(wrong.send(new ListRepositoriesCommand({})))).name).toBe(
      'InvalidSignatureException',
    );
    wrong.destroy();
  });

  it('speaks the JSON 1.1 protocol for errors it cannot reach through a well-behaved client', async () => {
    const unsigned = await fetch(`${sandbox.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'CodeCommit_20150413.ListRepositories',
      },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(unsigned.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(unsigned.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await unsigned.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
    // Not CodeCommit API traffic: left for the git handler (here: 404 from the test server).
    expect((await fetch(`${sandbox.endpoint}/v1/repos/demo/info/refs`)).status).toBe(404);
    expect((await fetch(`${sandbox.endpoint}/`, { method: 'POST', body: '{}' })).status).toBe(404);

    // Requests signed by the SDK after their body or target was altered.
    const tampered = (
      change: (req: { body: unknown; headers: Record<string, string> }) => void,
    ): CodeCommitClient => {
      const client = sdk(sandbox.endpoint, { maxAttempts: 1 });
      client.middlewareStack.add(
        (next) => (args) => {
          change(args.request as { body: unknown; headers: Record<string, string> });
          return next(args);
        },
        { step: 'build', priority: 'high' },
      );
      return client;
    };
    const badJson = tampered((req) => {
      req.body = '{"repositoryName": ';
    });
    const unknownOp = tampered((req) => {
      req.headers['x-amz-target'] = 'CodeCommit_20150413.FrobnicateRepository';
    });
    const notImplemented = tampered((req) => {
      req.headers['x-amz-target'] = 'CodeCommit_20150413.CreateBranch';
    });
    const [serialization, unknown, unimplemented] = await Promise.all([
      failure(badJson.send(new GetRepositoryCommand({ repositoryName: 'x' }))),
      failure(unknownOp.send(new GetRepositoryCommand({ repositoryName: 'x' }))),
      failure(notImplemented.send(new GetRepositoryCommand({ repositoryName: 'x' }))),
    ]);
    for (const client of [badJson, unknownOp, notImplemented]) client.destroy();
    expect(serialization.name).toBe('SerializationException');
    expect(unknown.name).toBe('UnknownOperationException');
    expect(unimplemented.name).toBe('NotImplementedException');
    expect(unimplemented.$metadata.httpStatusCode).toBe(501);
    expect(serialization.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('enforces the repository quota and keeps its state across restarts', async () => {
    const dir = await tempDir('gh2cc-cc-restart-');
    const first = await startSandbox(dir, { repositoryLimit: 2 });
    const client = sdk(first.endpoint);
    const a = await client.send(
      new CreateRepositoryCommand({ repositoryName: 'keep-a', tags: { team: 'core' } }),
    );
    await client.send(new CreateRepositoryCommand({ repositoryName: 'keep-b' }));
    expect((await failure(client.send(new CreateRepositoryCommand({ repositoryName: 'keep-c' })))).name).toBe(
      'RepositoryLimitExceededException',
    );
    await client.send(new DeleteRepositoryCommand({ repositoryName: 'keep-b' }));
    client.destroy();
    await first.close();

    const second = await startSandbox(dir, { repositoryLimit: 2 });
    const again = sdk(second.endpoint);
    const listed = await again.send(new ListRepositoriesCommand({}));
    expect(listed.repositories).toEqual([
      { repositoryName: 'keep-a', repositoryId: a.repositoryMetadata?.repositoryId },
    ]);
    const tags = await again.send(new ListTagsForResourceCommand({ resourceArn: a.repositoryMetadata?.Arn }));
    expect(tags.tags).toEqual({ team: 'core' });
    await again.send(new CreateRepositoryCommand({ repositoryName: 'keep-c' }));
    again.destroy();
    await second.close();
  });
});
