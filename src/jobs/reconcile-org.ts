import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { followRename, tagMirrorStopped } from '../codecommit/repository-lifecycle.ts';
import { filterFromConfig } from '../config/filter-from-config.ts';
import { ownerOf } from '../config/owner-of.ts';
import { mapName } from '../core/name-mapping.ts';
import { planReconcile, type ReconcileAction } from '../core/reconcile-plan.ts';
import { filterRepos } from '../core/repo-filter.ts';
import { listSourceRepos } from '../github/list-source-repos.ts';
import { initialState } from '../state/repo-state.ts';
import { errorMessage } from '../util/errors.ts';
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
  const all = await listSourceRepos(ctx.github, owner);
  const { kept } = filterRepos(all, filterFromConfig(ctx.config));
  const states = await ctx.state.all();
  const known = states.map((s) => ({
    repo: s.repo,
    ...(s.githubId === undefined ? {} : { githubId: s.githubId }),
    stopped: s.state === 'stopped',
    archived: s.archived === true,
    ...(s.syncedPushedAt === undefined ? {} : { syncedPushedAt: s.syncedPushedAt }),
    ...(s.lastSuccessAt === undefined ? {} : { lastSuccessAt: s.lastSuccessAt }),
  }));
  const now = new Date();
  const actions = planReconcile(all, kept, known, {
    now: now.getTime(),
    fullSyncAfterMs: FULL_SYNC_AFTER_MS,
  });
  const targets = new Map(states.filter((s) => s.state !== 'stopped').map((s) => [s.target, s.repo]));
  const jobOptions = retryingJob(ctx.config);
  const failures: string[] = [];
  const counts = { new: 0, renamed: 0, archived: 0, unarchived: 0, resumed: 0, sync: 0, gone: 0 };
  const sync = (owner: string, repo: string): Promise<void> =>
    enqueueSync(syncQueue, ctx.state, { owner, repo, reason }, jobOptions);
  for (const action of actions) {
    const repo = 'source' in action ? action.source.fullName : action.repo;
    try {
      // Each write starts from the latest state: a sync may have finished since the snapshot above.
      switch (action.kind) {
        case 'new': {
          const { source } = action;
          const mapped = mapName(source.owner, source.name, ctx.config.migrate.naming);
          const holder = targets.get(mapped.target);
          const fresh = {
            ...initialState(source.fullName, mapped.target, source.id),
            archived: source.archived,
          };
          if (mapped.error !== undefined || (holder !== undefined && holder !== source.fullName)) {
            const why =
              mapped.error ??
              `name collision: ${holder ?? ''} already mirrors to "${mapped.target}"; add migrate.naming.renames`;
            await ctx.state.put({
              ...fresh,
              state: 'failing',
              lastError: why,
              lastErrorCode: 'invalid-name',
            });
            log.warn({ repo, why }, 'new repository not mirrored');
            break;
          }
          targets.set(mapped.target, source.fullName);
          await ctx.state.put({ ...fresh, ensureRequested: true });
          await sync(source.owner, source.name);
          break;
        }
        case 'renamed': {
          const { source } = action;
          const prev = await ctx.state.get(action.from);
          if (prev === undefined) break;
          const wanted = mapName(source.owner, source.name, ctx.config.migrate.naming).target;
          const renamed = await followRename(ctx.codecommit, prev.target, wanted, source);
          if (renamed.note !== undefined) log.warn({ repo }, renamed.note);
          await ctx.state.rename(action.from, {
            ...prev,
            repo: source.fullName,
            target: renamed.name,
            ensureRequested: true,
          });
          log.info({ from: action.from, to: repo, target: renamed.name }, 'repository renamed on GitHub');
          await sync(source.owner, source.name);
          break;
        }
        case 'archived':
        case 'unarchived':
        case 'resumed': {
          const { source } = action;
          const prev = await ctx.state.get(repo);
          if (prev !== undefined) {
            const { stoppedReason: _r, ...rest } = prev;
            await ctx.state.put({
              ...(action.kind === 'resumed' ? { ...rest, state: 'pending' as const } : prev),
              archived: source.archived,
              ensureRequested: true,
            });
          }
          if (action.kind === 'resumed') log.info({ repo }, 'repository back on GitHub; mirroring resumes');
          await sync(source.owner, source.name);
          break;
        }
        case 'sync':
          await sync(action.source.owner, action.source.name);
          break;
        case 'gone': {
          const prev = await ctx.state.get(action.repo);
          if (prev === undefined || prev.state === 'stopped') break;
          await tagMirrorStopped(ctx.codecommit, prev.target, action.why, now);
          await ctx.state.put({ ...prev, state: 'stopped', stoppedReason: action.why });
          log.warn(
            { repo, target: prev.target, why: action.why },
            'mirroring stopped; CodeCommit repository kept',
          );
          break;
        }
      }
      counts[action.kind] += 1;
    } catch (err) {
      // One repository's trouble must not hold up the others; the job fails at the end and is retried.
      failures.push(`${repo}: ${errorMessage(err)}`);
      log.error({ err, repo }, 'reconcile step failed');
    }
  }
  if (failures.length > 0)
    throw new Error(`reconcile: ${failures.length} step(s) failed: ${failures.slice(0, 3).join('; ')}`);
  const summary = { ...counts, repos: kept.length };
  log.info(summary, 'reconcile done');
  return summary;
}
