import { createHash } from 'node:crypto';
import type { SourceRepo } from './repo-filter.ts';

/**
 * What an ensure writes to CodeCommit from GitHub's settings besides the archive flag (default branch,
 * description, and the topics and visibility kept as tags), as a short digest: equal digests, nothing to
 * write again.
 */
export function settingsKey(source: SourceRepo): string {
  const settings = [source.defaultBranch, source.description, [...source.topics].sort(), source.visibility];
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 16);
}

/**
 * How long after GitHub's `pushed_at` a sync must start for the reconcile to take that value as covered:
 * `pushed_at` has whole seconds, so a second push within the same second leaves it unchanged; the margin also
 * absorbs a few seconds of difference between GitHub's clock and this host's.
 */
export const PUSHED_AT_SETTLE_MS = 5000;

/**
 * The `pushed_at` a successful sync that started at `startedAt` may record as synced: none when the push was
 * too recent to tell apart from a later one in the same second. The reconcile then syncs once more (a sync
 * with nothing to fetch costs one `git fetch`), so a push whose webhook was lost is never left behind.
 */
export function settledPushedAt(pushedAt: string | null, startedAt: Date): string | undefined {
  if (pushedAt === null) return undefined;
  return startedAt.getTime() - Date.parse(pushedAt) >= PUSHED_AT_SETTLE_MS ? pushedAt : undefined;
}

/** What reconcile knows of a repository it mirrors (from the per-repo state). */
export interface KnownRepo {
  readonly repo: string;
  readonly githubId?: number;
  readonly stopped: boolean;
  readonly archived: boolean;
  readonly syncedPushedAt?: string;
  readonly lastSuccessAt?: string;
  /** settingsKey of GitHub's settings as the last ensure wrote them (absent: not known yet). */
  readonly ensuredSettings?: string;
}

export type ReconcileAction =
  | { readonly kind: 'new'; readonly source: SourceRepo }
  | { readonly kind: 'renamed'; readonly from: string; readonly source: SourceRepo }
  | { readonly kind: 'archived' | 'unarchived'; readonly source: SourceRepo }
  /** The default branch, description, topics or visibility changed on GitHub: the next sync ensures. */
  | { readonly kind: 'edited'; readonly source: SourceRepo }
  /** A repository whose mirroring stopped is on GitHub (and within the filters) again. */
  | { readonly kind: 'resumed'; readonly source: SourceRepo }
  | { readonly kind: 'sync'; readonly source: SourceRepo }
  | { readonly kind: 'gone'; readonly repo: string; readonly why: string };

/**
 * Compares the owner's repositories on GitHub with what gh2cc mirrors: new ones, renames (same GitHub id,
 * new name), archive changes, settings changes (a missed `edited` webhook), repositories pushed since their
 * last successful sync (or not synced for `fullSyncAfterMs`, the safety net for anything a webhook and
 * pushed_at both missed), and mirrored ones that are gone (deleted, transferred away, or now excluded by the
 * filters). Unchanged repositories produce
 * nothing: a reconcile of an org at rest pushes nothing.
 */
export function planReconcile(
  all: readonly SourceRepo[],
  kept: readonly SourceRepo[],
  known: readonly KnownRepo[],
  options: { readonly now: number; readonly fullSyncAfterMs: number },
): ReconcileAction[] {
  const byName = new Map(known.map((k) => [k.repo.toLowerCase(), k]));
  const byId = new Map(known.filter((k) => k.githubId !== undefined).map((k) => [k.githubId, k]));
  const keptNames = new Set(kept.map((s) => s.fullName.toLowerCase()));
  const allNames = new Set(all.map((s) => s.fullName.toLowerCase()));
  const claimed = new Set<string>();
  const actions: ReconcileAction[] = [];
  for (const source of kept) {
    const key = source.fullName.toLowerCase();
    const k = byName.get(key);
    if (k === undefined && source.id !== undefined) {
      const prior = byId.get(source.id);
      if (prior !== undefined && !allNames.has(prior.repo.toLowerCase())) {
        claimed.add(prior.repo.toLowerCase());
        if (!prior.stopped) actions.push({ kind: 'renamed', from: prior.repo, source });
        continue;
      }
    }
    if (k === undefined) {
      actions.push({ kind: 'new', source });
      continue;
    }
    claimed.add(key);
    if (k.stopped) {
      actions.push({ kind: 'resumed', source });
      continue;
    }
    if (source.archived !== k.archived) {
      actions.push({ kind: source.archived ? 'archived' : 'unarchived', source });
      continue;
    }
    if (k.ensuredSettings !== undefined && settingsKey(source) !== k.ensuredSettings) {
      actions.push({ kind: 'edited', source });
      continue;
    }
    const stale =
      k.lastSuccessAt === undefined || options.now - Date.parse(k.lastSuccessAt) > options.fullSyncAfterMs;
    if (stale || source.pushedAt === null || source.pushedAt !== k.syncedPushedAt)
      actions.push({ kind: 'sync', source });
  }
  for (const k of known) {
    const key = k.repo.toLowerCase();
    if (k.stopped || claimed.has(key) || keptNames.has(key)) continue;
    actions.push({
      kind: 'gone',
      repo: k.repo,
      why: allNames.has(key)
        ? 'excluded by the filters'
        : 'no longer on GitHub under this owner (deleted or transferred)',
    });
  }
  return actions;
}
