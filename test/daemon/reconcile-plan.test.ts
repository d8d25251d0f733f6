import { describe, expect, it } from 'vitest';
import { planReconcile, settingsKey, type KnownRepo } from '../../src/core/reconcile-plan.ts';
import type { SourceRepo } from '../../src/core/repo-filter.ts';

const PUSHED = '2026-11-01T00:00:00Z';

function onGithub(name: string, changes: Partial<SourceRepo> = {}): SourceRepo {
  const fullName = `acme/${name}`;
  const url = `https://github.com/${fullName}`;
  return {
    ...{ owner: 'acme', name, fullName, description: 'API', topics: [], archived: false, fork: false },
    ...{ visibility: 'private', defaultBranch: 'main', cloneUrl: `${url}.git`, htmlUrl: url },
    ...{ sizeKb: 10, pushedAt: PUSHED, hasWiki: false },
    ...changes,
  };
}

/** As the last sync left it: nothing to do while GitHub is unchanged. */
function mirrored(name: string, changes: Partial<KnownRepo> = {}): KnownRepo {
  const at = { syncedPushedAt: PUSHED, lastSuccessAt: new Date().toISOString() };
  return { repo: `acme/${name}`, stopped: false, archived: false, ...at, ...changes };
}

function plan(source: SourceRepo, known: KnownRepo): string[] {
  return planReconcile([source], [source], [known], { now: Date.now(), fullSyncAfterMs: 86_400_000 }).map(
    (a) => a.kind,
  );
}

describe('planReconcile: settings changed on GitHub with no webhook', () => {
  const known = mirrored('api', { ensuredSettings: settingsKey(onGithub('api', { topics: ['a', 'b'] })) });

  it('does nothing for a repository that has not changed (topics in any order)', () => {
    expect(plan(onGithub('api', { topics: ['b', 'a'] }), known)).toEqual([]);
  });

  it('asks for an ensure (edited) when the default branch, description, topics or visibility changed', () => {
    const same = { topics: ['a', 'b'] };
    expect(plan(onGithub('api', { ...same, defaultBranch: 'develop' }), known)).toEqual(['edited']);
    expect(plan(onGithub('api', { ...same, description: 'The API' }), known)).toEqual(['edited']);
    expect(plan(onGithub('api', { topics: ['a'] }), known)).toEqual(['edited']);
    expect(plan(onGithub('api', { ...same, visibility: 'internal' }), known)).toEqual(['edited']);
  });

  it('compares only what the last sync recorded, and lets an archive change take precedence', () => {
    expect(plan(onGithub('api', { defaultBranch: 'develop' }), mirrored('api'))).toEqual([]);
    expect(plan(onGithub('api', { archived: true, description: 'old' }), known)).toEqual(['archived']);
  });
});
