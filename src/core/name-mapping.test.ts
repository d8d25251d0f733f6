import { describe, expect, it } from 'vitest';
import {
  findCollisions,
  githubOwnerNameProblem,
  githubRepoNameProblem,
  isValidCodeCommitName,
  mapName,
  sanitizeName,
  wikiTargetName,
} from './name-mapping.ts';

describe('name mapping', () => {
  it('keeps valid names and applies template, prefix and suffix', () => {
    expect(mapName('acme', 'api').target).toBe('api');
    expect(mapName('acme', 'api', { template: '{owner}-{name}' }).target).toBe('acme-api');
    expect(mapName('acme', 'api', { prefix: 'gh-', suffix: '-mirror' }).target).toBe('gh-api-mirror');
  });

  it('sanitises names CodeCommit rejects and says why', () => {
    const dotGit = mapName('acme', 'release-notes.git');
    expect(dotGit.target).toBe('release-notes-git');
    expect(dotGit.notes.join()).toContain('.git');
    expect(sanitizeName('café menu').name).toBe('caf--menu');
    const long = 'x'.repeat(120);
    const cut = sanitizeName(long).name;
    expect(cut).toHaveLength(100);
    expect(cut).not.toBe(sanitizeName(`${long}y`).name);
    expect(isValidCodeCommitName(cut)).toBe(true);
  });

  it('uses explicit renames and rejects invalid ones', () => {
    expect(mapName('acme', 'old', { renames: { old: 'new-name' } }).target).toBe('new-name');
    expect(mapName('acme', 'old', { renames: { old: 'bad/name' } }).error).toContain(
      'not a valid CodeCommit name',
    );
  });

  it('gives every target a distinct, valid wiki companion name, 96–100 characters included', () => {
    expect(wikiTargetName('docs')).toBe('docs.wiki');
    const seen = new Set<string>();
    for (let n = 90; n <= 100; n += 1) {
      for (const target of ['x'.repeat(n), `${'x'.repeat(n - 1)}y`]) {
        const wiki = wikiTargetName(target);
        expect(wiki.length).toBeLessThanOrEqual(100);
        expect(isValidCodeCommitName(wiki)).toBe(true);
        expect(wiki).not.toBe(target);
        expect(wiki.endsWith('.wiki')).toBe(true);
        expect(seen.has(wiki)).toBe(false);
        seen.add(wiki);
      }
    }
  });

  it('accepts only names GitHub could have given', () => {
    for (const ok of ['a', 'A.b_c-d', '.github', 'x'.repeat(100)])
      expect(githubRepoNameProblem(ok)).toBeUndefined();
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a b', 'x'.repeat(101), '-\n'])
      expect(githubRepoNameProblem(bad)).toBeDefined();
    for (const ok of ['acme', 'Acme-1', 'octo_emu']) expect(githubOwnerNameProblem(ok)).toBeUndefined();
    for (const bad of ['', '..', '-lead', 'a/b', 'a.b']) expect(githubOwnerNameProblem(bad)).toBeDefined();
  });

  it('finds two sources mapped to one name', () => {
    const mapped = [mapName('o', 'a.git'), mapName('o', 'a-git'), mapName('o', 'b')];
    expect(findCollisions(mapped)).toEqual([{ target: 'a-git', sources: ['a.git', 'a-git'] }]);
  });

  it('validates names like CodeCommit', () => {
    for (const ok of ['a', 'A.b_c-d', 'x'.repeat(100)]) expect(isValidCodeCommitName(ok)).toBe(true);
    for (const bad of ['', 'a/b', 'x'.repeat(101), 'repo.git', 'sp ace'])
      expect(isValidCodeCommitName(bad)).toBe(false);
  });
});
