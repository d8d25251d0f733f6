import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { ReconcileAction } from '../core/reconcile-plan.ts';
import type { RepoChange } from '../core/webhook-routing.ts';
import type { RepoState } from '../state/repo-state.ts';
import { applyReconcileAction } from './apply-reconcile-action.ts';
import { enqueueSync } from './enqueue-sync.ts';
import { retryingJob } from './job-options.ts';
import type { JobContext } from './job-context.ts';
import type { SyncJobData } from './queues.ts';

/** The reconcile step one reported change amounts to, given what gh2cc knows of the repository. */
export function actionFor(
  change: RepoChange,
  known: RepoState | undefined,
  previous: RepoState | undefined,
): ReconcileAction | undefined {
  if (change.action === 'gone') {
    return known === undefined || known.state === 'stopped'
      ? undefined
      : { kind: 'gone', repo: change.repo, why: change.why };
  }
  const { source } = change;
  if (change.action === 'renamed' && known === undefined && previous !== undefined) {
    return previous.state === 'stopped'
      ? { kind: 'new', source }
      : { kind: 'renamed', from: change.from, source };
  }
  if (known === undefined) return { kind: 'new', source };
  if (known.state === 'stopped') return { kind: 'resumed', source };
  // Archive flags, description, default branch: the state is refreshed and the sync re-ensures the repository.
  return { kind: source.archived ? 'archived' : 'unarchived', source };
}

/**
 * Follows one `repository` webhook: created, renamed, archived/unarchived, edited, deleted or transferred,
 * with the same steps the org reconcile takes when it finds the change (and which it would take later if
 * this delivery were lost).
 */
export async function applyRepoChange(
  ctx: JobContext,
  syncQueue: Queue<SyncJobData>,
  change: RepoChange,
  log: Logger,
): Promise<ReconcileAction['kind'] | 'none'> {
  const name = change.action === 'gone' ? change.repo : change.source.fullName;
  const known = await ctx.state.get(name);
  const previous = change.action === 'renamed' ? await ctx.state.get(change.from) : undefined;
  const action = actionFor(change, known, previous);
  if (action === undefined) {
    log.info({ repo: name, change: change.action }, 'repository change needs nothing');
    return 'none';
  }
  const jobOptions = retryingJob(ctx.config);
  await applyReconcileAction(ctx, action, {
    targets: async () =>
      new Map(
        (await ctx.state.all()).filter((s) => s.state !== 'stopped').map((s) => [s.target, s.repo] as const),
      ),
    sync: (owner, repo) => enqueueSync(syncQueue, ctx.state, { owner, repo, reason: 'webhook' }, jobOptions),
    now: new Date(),
    log,
  });
  log.info({ repo: name, change: change.action, action: action.kind }, 'repository change followed');
  return action.kind;
}
