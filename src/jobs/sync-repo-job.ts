import type { Logger } from 'pino';
import type { SourceRepo } from '../core/repo-filter.ts';
import type { RepoResult, SyncProgress } from '../core/repo-result.ts';
import { mapName } from '../core/name-mapping.ts';
import { settingsKey, settledPushedAt } from '../core/reconcile-plan.ts';
import { getSourceRepo } from '../github/get-source-repo.ts';
import { applyReconcileAction } from './apply-reconcile-action.ts';
import { jobSyncDeps } from './job-sync-deps.ts';
import { syncRepo } from '../mirror/sync-repo.ts';
import { applySyncResult, initialState, type RepoState } from '../state/repo-state.ts';
import type { JobContext } from './job-context.ts';
import { notifyRepoCreated, notifyRepositoryRecreated, notifyStateChange } from './notify-state-change.ts';
import { notifySyncEvents } from './notify-sync-events.ts';
import { markDriftNotice } from '../state/state-events.ts';
import { Gh2ccError } from '../util/errors.ts';
import { isPermanentFailure } from './permanent-failure.ts';
import type { SyncJobData } from './queues.ts';

export interface SyncJobRun {
  readonly log: Logger;
  /** 1 for the first try. */
  readonly attempt: number;
  readonly attempts: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SyncProgress) => void;
  /** The BullMQ job and this run of it: recorded with `syncing` (see RepoState.syncingBy). */
  readonly syncingBy?: { readonly job: string; readonly run: string };
}

export type SyncJobOutcome =
  | { readonly kind: 'done'; readonly result: RepoResult; readonly final: boolean }
  | { readonly kind: 'skipped'; readonly reason: string }
  /** Stopped by a shutdown before it finished: nothing recorded, the job goes back to the queue. */
  | { readonly kind: 'interrupted' };

/**
 * The daemon's sync of one repository: reads its current metadata from GitHub, runs the sync core (skipping
 * the ensure step for a repository gh2cc already mirrors, falling back to it when CodeCommit has no such
 * repository), and records the outcome in the per-repo state. The caller holds the repository's lock.
 */
export async function runSyncJob(
  ctx: JobContext,
  data: SyncJobData,
  run: SyncJobRun,
): Promise<SyncJobOutcome> {
  const fullName = `${data.owner}/${data.repo}`;
  // Before GitHub is read: a repository change followed after this instant (an archive, say) may not be in
  // what this sync reads, so its ensure stays owed (below). Requests before it are served by this sync.
  const startedAt = new Date();
  let source: SourceRepo;
  try {
    source = await getSourceRepo(ctx.github, data.owner, data.repo);
  } catch (err) {
    // GitHub said no for good (gone, or the token may not read it): say so in the state, then stop retrying.
    // Only a state that is still there is marked: a reconcile may have moved it to a new name meanwhile.
    if (err instanceof Gh2ccError && !err.retryable) {
      const marked = await ctx.state.update(fullName, (known) =>
        known.state === 'stopped'
          ? undefined
          : {
              ...known,
              state: 'failing',
              lastError: err.message,
              lastErrorCode: err.code,
              consecutiveFailures: known.consecutiveFailures + 1,
            },
      );
      if (marked !== undefined) notifyStateChange(ctx, marked.before, marked.after);
    }
    throw err;
  }
  let stopped: string | undefined;
  const start = (current: RepoState): RepoState | undefined => {
    if (current.state === 'stopped') {
      stopped = current.stoppedReason ?? 'by reconcile';
      return undefined;
    }
    stopped = undefined;
    const { syncingBy: _earlier, ...rest } = current;
    return {
      ...rest,
      state: 'syncing',
      lastSyncStartedAt: startedAt.toISOString(),
      ...(run.syncingBy === undefined ? {} : { syncingBy: run.syncingBy }),
    };
  };
  let starting = await ctx.state.update(source.fullName, start);
  // No reconcile or repository webhook has seen it: this sync (a push webhook's) is the first to mirror it.
  let firstSeen = false;
  if (starting === undefined && stopped === undefined) {
    // Not known by this name: perhaps by its id under an old one (a rename not followed yet).
    await followRenameFirst(ctx, source, run.log);
    const initial = newState(ctx, source);
    starting = await ctx.state.update(source.fullName, start, initial);
    firstSeen = starting?.before === initial;
  }
  if (starting === undefined)
    return { kind: 'skipped', reason: `mirroring stopped: ${stopped ?? 'by reconcile'}` };
  const prev = starting.before;
  const deps = {
    ...jobSyncDeps(ctx, {
      verify: ctx.config.migrate.verify,
      wikis: ctx.config.migrate.wikis,
      ...(run.signal === undefined ? {} : { signal: run.signal }),
      ...(run.onProgress === undefined ? {} : { onProgress: run.onProgress }),
    }),
    log: run.log,
  };
  const known = prev.ensuredAt !== undefined && prev.ensureRequested !== true && data.ensure !== true;
  let result = await syncRepo(source, prev.target, deps, {
    ensure: known ? 'skip' : 'always',
    ...(known
      ? {
          verifyBy: 'push-report' as const,
          ...(prev.defaultBranch === undefined ? {} : { knownDefaultBranch: prev.defaultBranch }),
        }
      : {}),
  });
  if (known && result.status === 'failed' && result.errorCode === 'not-found') {
    run.log.warn('CodeCommit repository missing; ensuring it again');
    result = await syncRepo(source, prev.target, deps, { ensure: 'always' });
  }
  if (result.status === 'interrupted') {
    // Back to what it was, unless someone else changed it meanwhile: a reconcile stopping it, say, or another
    // run that took the job (or the next job) over after this one lost its lock. A state left `syncing` by a
    // run that died is not brought back: the mirror is behind until the job runs again.
    await ctx.state.update(source.fullName, (latest) => {
      if (latest.state !== 'syncing' || !sameRun(latest.syncingBy, run.syncingBy)) return undefined;
      const { syncingBy: _mine, ...rest } = latest;
      return { ...rest, state: prev.state === 'syncing' ? 'behind' : prev.state };
    });
    return { kind: 'interrupted' };
  }
  const ok = result.status !== 'failed';
  const final = ok || isPermanentFailure(result) || run.attempt >= run.attempts;
  const now = new Date();
  // A push within seconds of this sync's start may have a twin this sync did not see: not recorded as synced.
  const pushedAt = settledPushedAt(source.pushedAt, startedAt);
  // The reconcile may have changed the state meanwhile (stopped, archived): the result builds on the latest,
  // and a state renamed away meanwhile is left where it went.
  const recorded = await ctx.state.update(source.fullName, (latest) => {
    const { syncingBy: _done, ...settled } = latest;
    const next = applySyncResult(
      {
        ...settled,
        archived: source.archived,
        description: source.description,
        // Only a verified sync set (or confirmed) CodeCommit's default branch.
        ...(result.verified ? { defaultBranch: source.defaultBranch } : {}),
        ...(result.ensured === true ? { ensuredSettings: settingsKey(source) } : {}),
        lastSyncStartedAt: startedAt.toISOString(),
      },
      result,
      {
        now,
        requestedAt: data.requestedAt,
        ...(pushedAt === undefined ? {} : { pushedAt }),
        final,
      },
    );
    // An ensure asked for while this sync ran (a repository change followed meanwhile) is still owed: this
    // sync read GitHub before that change, so the next one must ensure again.
    const owed =
      latest.ensureRequested === true &&
      latest.ensureRequestedAt !== undefined &&
      latest.ensureRequestedAt >= startedAt.toISOString();
    return markDriftNotice(
      prev,
      owed ? { ...next, ensureRequested: true } : next,
      now,
      ctx.config.notify.driftReminder,
    );
  });
  if (recorded === undefined) {
    run.log.warn('the repository was renamed or removed while it synced; its result is not recorded');
    return { kind: 'done', result, final };
  }
  const stored = recorded.after;
  // Compared with the state before this sync (not the `syncing` in between): what changed for people.
  notifyStateChange(ctx, prev, stored);
  notifySyncEvents(ctx, source, result);
  if (prev.ensuredAt !== undefined && result.created) notifyRepositoryRecreated(ctx, prev, result.refsPushed);
  if (firstSeen && result.created) notifyRepoCreated(ctx, source, prev.target);
  await ctx.state.pushHistory(source.fullName, {
    at: now.toISOString(),
    result: result.status,
    refsPushed: result.refsPushed,
    durationMs: result.durationMs,
    ...(result.errors.length === 0 ? {} : { error: result.errors.join('; ') }),
  });
  if (ok) await ctx.state.clearRequested(source.fullName, startedAt.getTime());
  return { kind: 'done', result, final };
}

/**
 * A repository gh2cc does not know by this name, but knows by its GitHub id under another: renamed on GitHub,
 * and this sync (a push webhook under the new name, say) came before the rename was followed. The rename is
 * followed here — the CodeCommit repository renamed, the state moved — rather than a second CodeCommit
 * repository made and filled under the new name while the old one is left behind.
 */
async function followRenameFirst(ctx: JobContext, source: SourceRepo, log: Logger): Promise<void> {
  if (source.id === undefined) return;
  const earlier = await ctx.state.findByGithubId(source.id, source.fullName);
  if (earlier === undefined || earlier.state === 'stopped') return;
  log.info({ from: earlier.repo }, 'renamed on GitHub and not yet followed: following the rename first');
  await applyReconcileAction(
    ctx,
    { kind: 'renamed', from: earlier.repo, source },
    {
      targets: () => Promise.resolve(new Map()),
      // This sync is the one the rename asks for.
      sync: () => Promise.resolve(),
      now: new Date(),
      log,
    },
  );
}

/** Whether a `syncing` was marked by this run (or by a run that recorded none: state from an older gh2cc). */
function sameRun(marked: RepoState['syncingBy'], mine: SyncJobRun['syncingBy']): boolean {
  return marked === undefined || mine === undefined || marked.run === mine.run;
}

function newState(ctx: JobContext, source: SourceRepo): RepoState {
  const mapped = mapName(source.owner, source.name, ctx.config.migrate.naming);
  return initialState(source.fullName, mapped.target, source.id);
}
