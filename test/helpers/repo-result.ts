import type { RepoResult } from '../../src/core/repo-result.ts';

/** A repository migrated and verified (3 refs in one push), with `over` changed. */
export function migratedResult(repo: string, over: Partial<RepoResult> = {}): RepoResult {
  return {
    repo,
    target: repo.split('/')[1] ?? repo,
    status: 'migrated',
    created: true,
    refsPushed: 3,
    pushes: 1,
    bytes: 1024,
    durationMs: 1200,
    verified: true,
    warnings: [],
    errors: [],
    ...over,
  };
}
