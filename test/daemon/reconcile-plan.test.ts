import { describe, expect, it } from 'vitest';
import {
  planReconcile,
  settingsKey,
  settledPushedAt,
  type KnownRepo,
} from '../../src/core/reconcile-plan.ts';
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

describe('settledPushedAt: two pushes within one second of pushed_at', () => {
  it('records a pushed_at only once a sync started well after it', () => {
    const at = (iso: string) => new Date(iso);
    expect(settledPushedAt('2026-11-01T10:00:00Z', at('2026-11-01T10:00:00.800Z'))).toBeUndefined();
    expect(settledPushedAt('2026-11-01T10:00:00Z', at('2026-11-01T10:00:04.900Z'))).toBeUndefined();
    expect(settledPushedAt('2026-11-01T10:00:00Z', at('2026-11-01T10:00:05Z'))).toBe('2026-11-01T10:00:00Z');
    expect(settledPushedAt(null, at('2026-11-01T10:00:05Z'))).toBeUndefined();
  });

  it('so a push in the same second as the synced one still gets a sync from the reconcile', () => {
    // The sync started 0.3 s after the first push and recorded nothing; a second push in that second leaves
    // pushed_at as it was, and the reconcile syncs because nothing was recorded as synced.
    const synced = settledPushedAt(PUSHED, new Date(Date.parse(PUSHED) + 300));
    // What the repository's state keeps: the new value when the sync recorded one, else the previous push's.
    const known = mirrored('api', { syncedPushedAt: synced ?? '2026-10-31T00:00:00Z' });
    expect(plan(onGithub('api'), known)).toEqual(['sync']);
  });
});
