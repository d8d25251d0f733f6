import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { filterFromConfig } from '../config/filter-from-config.ts';
import type { ReconcileAction } from '../core/reconcile-plan.ts';
import { filterRepos, type SourceRepo } from '../core/repo-filter.ts';
import { getSourceRepo } from '../github/get-source-repo.ts';
import { Gh2ccError } from '../util/errors.ts';
import type { RepoChange } from '../core/webhook-routing.ts';
import type { RepoState } from '../state/repo-state.ts';
import { applyReconcileAction } from './apply-reconcile-action.ts';
import { enqueueSync } from './enqueue-sync.ts';
import { retryingJob } from './job-options.ts';
import type { JobContext } from './job-context.ts';
import type { SyncJobData } from './queues.ts';

/**
 * The reconcile step one reported change amounts to, given what gh2cc knows of the repository: under its
 * current name (`known`), or under an earlier name with the same GitHub id (`earlier`: a rename whose own
 * delivery has not been followed yet — deliveries can arrive in any order).
 */
export function actionFor(
  change: RepoChange,
  known: RepoState | undefined,
  earlier: RepoState | undefined,
): ReconcileAction | undefined {
  if (change.action === 'gone') {
    return known === undefined || known.state === 'stopped'
      ? undefined
      : { kind: 'gone', repo: change.repo, why: change.why };
  }
  const { source } = change;
  if (known === undefined && earlier !== undefined) {
    return earlier.state === 'stopped'
      ? { kind: 'new', source }
      : { kind: 'renamed', from: earlier.repo, source };
  }
  if (known === undefined) return { kind: 'new', source };
  if (known.state === 'stopped') return { kind: 'resumed', source };
  // Archive flags, description, default branch: the state is refreshed and the sync re-ensures the repository.
  return { kind: source.archived ? 'archived' : 'unarchived', source };
}

/**
 * Follows one `repository` webhook: created, renamed, archived/unarchived, edited, deleted or transferred,
 * with the same steps the org reconcile takes when it finds the change (and which it would take later if
 * this delivery were lost). The delivery only says which repository changed: what it is now is read from
 * GitHub, so deliveries followed out of order (an `archived` before the `renamed` that preceded it) still
 * end in the right state.
 */
export async function applyRepoChange(
  ctx: JobContext,
  syncQueue: Queue<SyncJobData>,
  reported: RepoChange,
  log: Logger,
): Promise<ReconcileAction['kind'] | 'none'> {
  let change = reported;
  if (change.action !== 'gone') {
    const { owner, name, fullName } = change.source;
    let current: SourceRepo;
    try {
      current = await getSourceRepo(ctx.github, owner, name);
    } catch (err) {
      if (err instanceof Gh2ccError && err.code === 'not-found') {
        // Renamed or deleted since: that later change has its own delivery (and the reconcile is the net).
        log.info({ repo: fullName, change: change.action }, 'repository changed again since; nothing to do');
        return 'none';
      }
      throw err;
    }
    const excluded = filterRepos([current], filterFromConfig(ctx.config)).skipped.length > 0;
    change = excluded
      ? {
          action: 'gone',
          repo: change.action === 'renamed' ? change.from : current.fullName,
          why: 'excluded by the filters',
        }
      : { ...change, source: current };
  }
  const name = change.action === 'gone' ? change.repo : change.source.fullName;
  const known = await ctx.state.get(name);
  let earlier: RepoState | undefined;
  if (known === undefined && change.action !== 'gone') {
    const { source } = change;
    earlier = change.action === 'renamed' ? await ctx.state.get(change.from) : undefined;
    if (earlier === undefined && source.id !== undefined)
      earlier = await ctx.state.findByGithubId(source.id, name);
  }
  const action = actionFor(change, known, earlier);
  if (action === undefined) {
    log.info({ repo: name, change: change.action }, 'repository change needs nothing');
    return 'none';
  }
  const jobOptions = retryingJob(ctx.config);
  await applyReconcileAction(ctx, action, {
    targets: async () =>
      new Map(
        (await ctx.state.all())
          .filter((st) => st.state !== 'stopped')
          .map((st) => [st.target, st.repo] as const),
      ),
    sync: async (owner, repo) => {
      await enqueueSync(syncQueue, ctx.state, { owner, repo, reason: 'webhook' }, jobOptions);
    },
    now: new Date(),
    log,
  });
  log.info({ repo: name, change: change.action, action: action.kind }, 'repository change followed');
  return action.kind;
}
