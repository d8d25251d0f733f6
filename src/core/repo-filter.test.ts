import { describe, expect, it } from 'vitest';
import { filterRepos, type SourceRepo } from './repo-filter.ts';

function repo(name: string, extra: Partial<SourceRepo> = {}): SourceRepo {
  return {
    owner: 'acme',
    name,
    fullName: `acme/${name}`,
    description: '',
    topics: [],
    archived: false,
    fork: false,
    visibility: 'private',
    defaultBranch: 'main',
    cloneUrl: `https://github.com/acme/${name}.git`,
    htmlUrl: `https://github.com/acme/${name}`,
    sizeKb: 10,
    pushedAt: '2024-06-01T00:00:00Z',
    hasWiki: false,
    ...extra,
  };
}

describe('filterRepos', () => {
  const repos = [
    repo('api', { topics: ['backend'] }),
    repo('web', { visibility: 'public' }),
    repo('old', { archived: true, pushedAt: '2019-01-01T00:00:00Z' }),
    repo('fork-of-x', { fork: true }),
    repo('nothing', { sizeKb: 0, pushedAt: null }),
    repo('api-docs'),
  ];

  it('applies include/exclude globs', () => {
    const r = filterRepos(repos, { include: ['api*'], exclude: ['*-docs'] });
    expect(r.kept.map((x) => x.name)).toEqual(['api']);
    expect(r.skipped.find((s) => s.repo.name === 'api-docs')?.reason).toBe('matched by --exclude');
  });

  it('filters by topic, visibility, archived, forks, empty and pushed-since, with reasons', () => {
    expect(filterRepos(repos, { topics: ['backend'] }).kept.map((x) => x.name)).toEqual(['api']);
    expect(filterRepos(repos, { visibility: ['public'] }).kept.map((x) => x.name)).toEqual(['web']);
    const r = filterRepos(repos, {
      skipArchived: true,
      skipForks: true,
      skipEmpty: true,
      pushedSince: '2020-01-01',
    });
    expect(r.kept.map((x) => x.name)).toEqual(['api', 'web', 'api-docs']);
    expect(r.skipped.map((s) => s.reason)).toEqual(['archived', 'a fork', 'empty']);
  });
});
