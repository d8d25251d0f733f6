import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { filterFromConfig } from '../config/filter-from-config.ts';
import { ownerOf } from '../config/owner-of.ts';
import { planReconcile, type ReconcileAction } from '../core/reconcile-plan.ts';
import { filterRepos } from '../core/repo-filter.ts';
import { listSourceRepos } from '../github/list-source-repos.ts';
import { errorMessage } from '../util/errors.ts';
import { applyReconcileAction, type ActionScope } from './apply-reconcile-action.ts';
import { enqueueSync } from './enqueue-sync.ts';
import { retryingJob } from './job-options.ts';
import type { JobContext } from './job-context.ts';
import type { SyncJobData, SyncReason } from './queues.ts';

/** A repository not synced for this long is synced by the reconcile even if GitHub says nothing changed. */
const FULL_SYNC_AFTER_MS = 24 * 3600 * 1000;

export type ReconcileSummary = Readonly<Record<ReconcileAction['kind'], number>> & { readonly repos: number };

/**
 * The org reconcile: inventory → new, renamed, archived, deleted and transferred repositories, and repos
 * pushed since their last sync → sync jobs. It is what catches missed webhooks (GitHub sends no push event
 * for more than 3 tags at once, and does not redeliver). Nothing is ever deleted from CodeCommit: a
 * repository that is gone from GitHub stops being mirrored and is tagged.
 */
export async function reconcileOrg(
  ctx: JobContext,
  syncQueue: Queue<SyncJobData>,
  log: Logger,
  reason: SyncReason = 'schedule',
): Promise<ReconcileSummary> {
  const owner = ownerOf(ctx.config);
  // The states are read before GitHub is listed: a repository created (and synced by its webhook) while a
  // long listing runs is then not in this snapshot, rather than in it and missing from the listing — which
  // would read as deleted on GitHub and stop its mirroring.
  const states = await ctx.state.all();
  const all = await listSourceRepos(ctx.github, owner, undefined, ctx.listings);
  const { kept } = filterRepos(all, filterFromConfig(ctx.config));
  const known = states.map((s) => ({
    repo: s.repo,
    ...(s.githubId === undefined ? {} : { githubId: s.githubId }),
    stopped: s.state === 'stopped',
    archived: s.archived === true,
    ...(s.syncedPushedAt === undefined ? {} : { syncedPushedAt: s.syncedPushedAt }),
    ...(s.lastSuccessAt === undefined ? {} : { lastSuccessAt: s.lastSuccessAt }),
    ...(s.ensuredSettings === undefined ? {} : { ensuredSettings: s.ensuredSettings }),
  }));
  const now = new Date();
  const actions = planReconcile(all, kept, known, {
    now: now.getTime(),
    fullSyncAfterMs: FULL_SYNC_AFTER_MS,
  });
  const targets = new Map(states.filter((s) => s.state !== 'stopped').map((s) => [s.target, s.repo]));
  const jobOptions = retryingJob(ctx.config);
  const failures: string[] = [];
  const counts = { new: 0, renamed: 0, archived: 0, unarchived: 0, edited: 0, resumed: 0, sync: 0, gone: 0 };
  const scope: ActionScope = {
    targets: () => Promise.resolve(targets),
    sync: async (owner, repo) => {
      await enqueueSync(syncQueue, ctx.state, { owner, repo, reason }, jobOptions);
    },
    now,
    log,
  };
  for (const action of actions) {
    const repo = 'source' in action ? action.source.fullName : action.repo;
    try {
      await applyReconcileAction(ctx, action, scope);
      counts[action.kind] += 1;
    } catch (err) {
      // One repository's trouble must not hold up the others; the job fails at the end and is retried.
      failures.push(`${repo}: ${errorMessage(err)}`);
      log.error({ err, repo }, 'reconcile step failed');
    }
  }
  if (failures.length > 0)
    throw new Error(`reconcile: ${failures.length} step(s) failed: ${failures.slice(0, 3).join('; ')}`);
  const summary = { ...counts, repos: kept.length, pages: ctx.listings.last };
  log.info(summary, 'reconcile done');
  return summary;
}
