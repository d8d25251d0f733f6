import {
  CodeCommitClient,
  CreateRepositoryCommand,
  GetRepositoryCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
} from '@aws-sdk/client-codecommit';
import { settingsDrift } from '../../src/core/drift.ts';
import { describe, expect, inject, it } from 'vitest';
import { ensureRepository, ownership } from '../../src/codecommit/ensure-repository.ts';
import type { SourceRepo } from '../../src/core/repo-filter.ts';
import { Gh2ccError } from '../../src/util/errors.ts';
import { gitWithHelper, makeRepo } from '../helpers/git.ts';
import { join } from 'node:path';

const cc = inject('sandbox').codecommit;
const client = new CodeCommitClient({ endpoint: cc.endpoint, region: cc.region, credentials: cc });

function source(name: string, extra: Partial<SourceRepo> = {}): SourceRepo {
  return {
    owner: 'acme',
    name,
    fullName: `acme/${name}`,
    description: 'A service',
    topics: ['go', 'backend'],
    archived: false,
    fork: false,
    visibility: 'private',
    defaultBranch: 'main',
    cloneUrl: `https://github.example/acme/${name}.git`,
    htmlUrl: `https://github.example/acme/${name}`,
    sizeKb: 1,
    pushedAt: null,
    hasWiki: false,
    ...extra,
  };
}

describe('ensureRepository against the CodeCommit sandbox', () => {
  it('creates with description, topic and provenance tags, and the archived flag; a long description is cut and noted', async () => {
    const repo = source('ensure-a', { description: 'x'.repeat(1200), archived: true });
    const result = await ensureRepository(client, 'ensure-a', repo, { kmsKeyId: 'alias/migration' });
    expect(result.created).toBe(true);
    expect(result.notes.join()).toContain('description cut from 1200 to 1000');
    const meta = (await client.send(new GetRepositoryCommand({ repositoryName: 'ensure-a' })))
      .repositoryMetadata;
    expect(meta?.repositoryDescription).toHaveLength(1000);
    expect(meta?.kmsKeyId).toBe('alias/migration');
    const tags = (await client.send(new ListTagsForResourceCommand({ resourceArn: meta?.Arn ?? '' }))).tags;
    expect(tags).toMatchObject({
      'gh2cc:managed-by': 'gh2cc',
      'gh2cc:source': 'https://github.example/acme/ensure-a',
      'gh2cc:archived': 'true',
      'github-topic:go': '',
      'github-topic:backend': '',
    });
    // Again: adopted as its own, nothing created.
    expect((await ensureRepository(client, 'ensure-a', repo)).created).toBe(false);
    expect(await ownership(client, 'ensure-a', repo)).toBe('ours');
  });

  it('follows GitHub topics both ways: a topic removed on GitHub loses its tag (so gh2cc drift finds none)', async () => {
    const name = 'ensure-topics';
    await ensureRepository(client, name, source(name, { topics: ['go', 'backend', 'old'] }));
    const now = source(name, { topics: ['go', 'new'] });
    expect((await ensureRepository(client, name, now)).created).toBe(false);
    const meta = (await client.send(new GetRepositoryCommand({ repositoryName: name }))).repositoryMetadata;
    const tags =
      (await client.send(new ListTagsForResourceCommand({ resourceArn: meta?.Arn ?? '' }))).tags ?? {};
    expect(
      Object.keys(tags)
        .filter((k) => k.startsWith('github-topic:'))
        .sort(),
    ).toEqual(['github-topic:go', 'github-topic:new']);
    expect(
      settingsDrift(now, {
        defaultBranch: meta?.defaultBranch,
        description: meta?.repositoryDescription ?? '',
        tags,
        hasBranches: false,
      }),
    ).toEqual([]);
    // Tags that are not gh2cc's topics are left alone.
    await client.send(new TagResourceCommand({ resourceArn: meta?.Arn ?? '', tags: { team: 'payments' } }));
    await ensureRepository(client, name, source(name, { topics: [] }));
    const after =
      (await client.send(new ListTagsForResourceCommand({ resourceArn: meta?.Arn ?? '' }))).tags ?? {};
    expect(Object.keys(after).filter((k) => k.startsWith('github-topic:'))).toEqual([]);
    expect(after['team']).toBe('payments');
  });

  it('adopts an empty foreign repository but refuses one with content', async () => {
    await client.send(new CreateRepositoryCommand({ repositoryName: 'ensure-empty' }));
    expect(await ownership(client, 'ensure-empty', source('ensure-empty'))).toBe('adoptable');
    expect((await ensureRepository(client, 'ensure-empty', source('ensure-empty'))).created).toBe(false);
    expect(await ownership(client, 'ensure-empty', source('ensure-empty'))).toBe('ours');

    await client.send(new CreateRepositoryCommand({ repositoryName: 'ensure-busy' }));
    const src = await makeRepo(1);
    const helper = `!node ${join(process.cwd(), 'bin/gh2cc.js')} git-credential`;
    const push = await gitWithHelper(src, helper, ['push', `${cc.gitUrl}/v1/repos/ensure-busy`, 'main'], {
      AWS_ACCESS_KEY_ID: cc.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cc.secretAccessKey,
      AWS_REGION: cc.region,
    });
    expect(push.code, push.stderr).toBe(0);
    expect(await ownership(client, 'ensure-busy', source('ensure-busy'))).toBe('foreign');
    const err = await ensureRepository(client, 'ensure-busy', source('ensure-busy')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Gh2ccError);
    expect((err as Gh2ccError).code).toBe('conflict');
    expect((err as Gh2ccError).fix).toContain('renames');
  });

  it('reports bad credentials as a permanent auth failure with a fix', async () => {
    const bad = new CodeCommitClient({
      endpoint: cc.endpoint,
      region: cc.region,
      credentials: { ...cc, secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    const err = await ensureRepository(bad, 'ensure-x', source('ensure-x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Gh2ccError);
    expect((err as Gh2ccError).code).toBe('auth');
    expect((err as Gh2ccError).retryable).toBe(false);
  });
});
