import { incrementPoints, planPushSteps, type PushStep } from '../core/push-plan.ts';
import { expiredBackups } from '../core/backup-ref.ts';
import {
  planRefs,
  type Divergence,
  type DivergencePolicy,
  type RefAction,
  type RefPlan,
} from '../core/ref-plan.ts';
import type { MirrorStore } from '../git/mirror-store.ts';
import type { RepoSession } from './repo-session.ts';

export interface SyncPlan {
  /** CodeCommit's refs when planned. */
  readonly current: ReadonlyMap<string, string>;
  readonly refs: RefPlan;
  readonly steps: readonly PushStep[];
  /** Commits on GitHub's branches that CodeCommit does not have: how far behind it is. */
  readonly newCommits: number;
}

/** Branch creates/updates with the default branch first: its history then carries the others'. */
function branchOrder(actions: readonly RefAction[], defaultBranch: string): RefAction[] {
  const head = `refs/heads/${defaultBranch}`;
  return actions
    .filter((a) => a.kind !== 'delete' && a.ref.startsWith('refs/heads/'))
    .sort((a, b) => (a.ref === head ? -1 : b.ref === head ? 1 : 0));
}

/**
 * Intermediate commits for first pushes of long histories. One count first: when everything new is within
 * one increment (the common case) no per-branch walk is needed. Each branch is walked excluding what will
 * already be on CodeCommit when its turn comes (the branches pushed before it).
 */
async function incrementsFor(
  store: MirrorStore,
  branches: readonly RefAction[],
  pushedTips: readonly string[],
  every: number,
): Promise<{ increments: Map<string, string[]>; newCommits: number }> {
  const increments = new Map<string, string[]>();
  const tips = branches.flatMap((a) => (a.kind === 'delete' ? [] : [a.sha]));
  const newCommits = tips.length === 0 ? 0 : await store.countNewCommits(tips, pushedTips);
  if (newCommits <= every) return { increments, newCommits };
  const excluded = [...pushedTips];
  for (const action of branches) {
    if (action.kind === 'delete') continue;
    const points = incrementPoints(await store.firstParentCommits(action.sha, excluded), every);
    if (points.length > 0) increments.set(action.ref, points);
    excluded.push(action.sha);
  }
  return { increments, newCommits };
}

export function describeDivergence(d: readonly Divergence[]): string {
  const list = d
    .slice(0, 5)
    .map((x) => x.ref.replace(/^refs\/(heads|tags)\//, ''))
    .join(', ');
  return `${d.length} ref(s) differ between GitHub and CodeCommit${d.length > 0 ? ` (${list}${d.length > 5 ? ', …' : ''})` : ''}`;
}

/**
 * Step 3: what to push so CodeCommit matches the fetched refs, without losing a commit that exists only in
 * CodeCommit (divergence is reported and left alone), ordered into pushes CodeCommit accepts. Pure planning
 * over the cache and one ls-remote: drift detection runs this step without pushing.
 */
export async function planSync(
  s: RepoSession,
  local: ReadonlyMap<string, string>,
  pushed: ReadonlyMap<string, string>,
  options: {
    targetIsNew: boolean;
    /** CodeCommit's refs, already being listed (the caller started it alongside the fetch). */
    listing?: Promise<Map<string, string>>;
  },
): Promise<SyncPlan> {
  // A repository created a moment ago has no refs: no need to ask.
  const current = options.targetIsNew
    ? new Map<string, string>()
    : await (options.listing ?? s.codecommitRefs());
  // Which CodeCommit values exist in the cache (came from GitHub at some point): one lookup serves both the
  // fast-forward check and the increment walk below.
  const known = await s.store.knownObjects(current.values());
  // Every changed ref is checked, the mirror's own included: a move that is not a fast-forward (GitHub
  // force-pushed) keeps the replaced tip under a backup ref.
  const candidates = new Map<string, [string, string]>();
  for (const [ref, sha] of current) {
    const want = local.get(ref);
    if (want !== undefined && want !== sha) candidates.set(ref, [sha, want]);
  }
  const onDivergence: DivergencePolicy = s.deps.onDivergence?.(s.source.fullName) ?? 'alert';
  const refs = planRefs(
    local,
    current,
    { pushed, fastForward: await s.store.fastForwards(candidates, known) },
    { onDivergence },
  );
  const pushedTips = [...current.values()].filter((sha) => known.has(sha));
  const branches = branchOrder(refs.actions, s.source.defaultBranch);
  const { increments, newCommits } = await incrementsFor(
    s.store,
    branches,
    pushedTips,
    s.deps.incrementCommits,
  );
  const ordered = [
    ...branches,
    ...refs.actions.filter((a) => !a.ref.startsWith('refs/heads/') || a.kind === 'delete'),
  ];
  const now = new Date();
  const expire =
    s.deps.backupRetentionMs === undefined
      ? new Map<string, string>()
      : expiredBackups(current, now, s.deps.backupRetentionMs);
  const steps = planPushSteps(ordered, increments, s.deps.maxRefsPerPush, { now, expire });
  s.log.debug(
    { actions: refs.actions.length, steps: steps.length, upToDate: refs.upToDate, expire: expire.size },
    'push plan ready',
  );
  return { current, refs, steps, newCommits };
}
