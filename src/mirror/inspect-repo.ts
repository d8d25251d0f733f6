import type { SourceRepo } from '../core/repo-filter.ts';
import type { Divergence } from '../core/ref-plan.ts';
import { fetchSource } from './fetch-source.ts';
import { planSync } from './plan-sync.ts';
import { openRepoSession } from './repo-session.ts';
import type { SyncDeps } from './sync-deps.ts';

export interface Inspection {
  /** Refs CodeCommit changed outside gh2cc (moved, or only there). */
  readonly divergent: readonly Divergence[];
  /** Ref updates a sync would push (CodeCommit is behind GitHub). */
  readonly behind: number;
  readonly heads: { readonly github?: string; readonly codecommit?: string };
  /** CodeCommit has at least one branch (a default branch can be set). */
  readonly codecommitHasBranches: boolean;
}

/**
 * The drift check: plan, never push — the same planning step a sync runs, so drift and sync can never
 * disagree about what differs. CodeCommit is compared with GitHub as of the last fetch (the cache entry):
 * one ls-remote per repository, no fetch; what changed on GitHub since is the reconcile's and the webhooks'
 * business. Without a cache entry (another host synced it) GitHub is fetched first.
 */
export async function inspectRepo(
  source: SourceRepo,
  target: string,
  deps: SyncDeps,
  /** The full metadata (clone URL), asked of GitHub only when there is no cache entry to compare with. */
  load: () => Promise<SourceRepo> = () => Promise.resolve(source),
): Promise<Inspection> {
  const s = await openRepoSession(source, target, deps);
  try {
    const { local, pushed } = (await s.store.exists())
      ? await s.localAndRecord()
      : await fetchSource({ ...s, source: await load() });
    const plan = await planSync(s, local, pushed, { targetIsNew: false });
    const head = `refs/heads/${source.defaultBranch}`;
    return {
      divergent: plan.refs.divergent,
      behind: plan.refs.actions.length,
      heads: {
        ...(local.has(head) ? { github: local.get(head) } : {}),
        ...(plan.current.has(head) ? { codecommit: plan.current.get(head) } : {}),
      },
      codecommitHasBranches: [...plan.current.keys()].some((r) => r.startsWith('refs/heads/')),
    };
  } finally {
    await s.release().catch(() => undefined);
  }
}
