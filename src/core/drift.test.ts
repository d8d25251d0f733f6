import { describe, expect, it } from 'vitest';
import { classifyRefDrift, isDrift, settingsDrift } from './drift.ts';
import type { SourceRepo } from './repo-filter.ts';
import { repoTags } from './repo-tags.ts';

const m = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));

const source: SourceRepo = {
  owner: 'o',
  name: 'r',
  fullName: 'o/r',
  description: 'the repo',
  topics: ['infra'],
  archived: false,
  fork: false,
  visibility: 'private',
  defaultBranch: 'main',
  cloneUrl: 'https://github.com/o/r.git',
  htmlUrl: 'https://github.com/o/r',
  sizeKb: 1,
  pushedAt: null,
  hasWiki: false,
};

describe('drift classification', () => {
  it("tells someone else's change from a sync still to come, using the record of gh2cc's pushes", () => {
    const github = m({ 'refs/heads/main': 'b', 'refs/heads/new': 'n', 'refs/heads/gone-in-cc': 'g' });
    const codecommit = m({
      'refs/heads/main': 'a',
      'refs/heads/rogue': 'x',
      'refs/heads/deleted-on-gh': 'd',
    });
    const record = m({
      'refs/heads/main': 'a',
      'refs/heads/gone-in-cc': 'g',
      'refs/heads/deleted-on-gh': 'd',
    });
    const drift = classifyRefDrift(github, codecommit, record);
    expect(drift.map((d) => [d.ref, d.kind])).toEqual([
      ['refs/heads/deleted-on-gh', 'behind'],
      ['refs/heads/gone-in-cc', 'missing-in-codecommit'],
      ['refs/heads/main', 'behind'],
      ['refs/heads/new', 'behind'],
      ['refs/heads/rogue', 'only-in-codecommit'],
    ]);
    expect(classifyRefDrift(m({ 'refs/heads/main': 'b' }), m({ 'refs/heads/main': 'x' }), record)).toEqual([
      { ref: 'refs/heads/main', kind: 'moved', github: 'b', codecommit: 'x' },
    ]);
    // Without a record nothing can be told apart: every difference counts.
    expect(classifyRefDrift(github, codecommit, undefined).every((d) => d.kind === 'differs')).toBe(true);
    expect(isDrift('behind')).toBe(false);
    expect(isDrift('differs')).toBe(true);
  });

  it('reports default branch, description and gh2cc tag drift, and nothing when they match', () => {
    const { tags } = repoTags(source);
    const same = { defaultBranch: 'main', description: 'the repo', tags, hasBranches: true };
    expect(settingsDrift(source, same)).toEqual([]);
    const drifted = settingsDrift(source, {
      defaultBranch: 'dev',
      description: 'edited in the console',
      tags: { ...tags, 'gh2cc:archived': 'true', 'github-topic:old': '' },
      hasBranches: true,
    });
    expect(drifted.map((d) => d.key ?? d.setting)).toEqual([
      'default-branch',
      'description',
      'gh2cc:archived',
      'github-topic:old',
    ]);
    // An empty CodeCommit repository has no default branch to compare.
    expect(settingsDrift(source, { ...same, defaultBranch: undefined, hasBranches: false })).toEqual([]);
  });
});
