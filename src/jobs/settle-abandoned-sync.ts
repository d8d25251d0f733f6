import type { RepoState } from '../state/repo-state.ts';
import { sanitize } from '../util/secrets.ts';
import type { JobContext } from './job-context.ts';
import { notifyStateChange } from './notify-state-change.ts';

export interface AbandonedSync {
  /** owner/name as the job was queued (the sync may have followed a rename to another name). */
  readonly repo: string;
  readonly jobId: string;
  /** Why BullMQ failed the job. */
  readonly reason: string;
  /** BullMQ will not try it again. */
  readonly final: boolean;
  readonly failedAt?: number;
}

/**
 * A sync job that failed without recording its result leaves its repository `syncing` for good: the status
 * would show a sync that nobody runs. That happens when BullMQ gives up on a job whose workers died under it
 * (`job stalled more than allowable limit`, failed by the next worker without running it), or when the job
 * threw past its own recording (Redis gone at its final write). Records the failure like any failed sync
 * (`behind` while BullMQ will retry, `failing` and an SNS notification once final, an entry in the history),
 * but only where that job marked the repository `syncing`: another job syncing it now records its own result.
 * Returns the state written, if any.
 */
export async function settleAbandonedSync(
  ctx: Pick<JobContext, 'state' | 'notifier' | 'config' | 'log'>,
  sync: AbandonedSync,
): Promise<RepoState | undefined> {
  const failedAt = sync.failedAt ?? Date.now();
  const error = sanitize(`sync abandoned: ${sync.reason}`);
  const abandonedHere = (s: RepoState): boolean => {
    if (s.state !== 'syncing') return false;
    if (s.syncingBy !== undefined) return s.syncingBy.job === sync.jobId;
    // Marked by an older gh2cc, which recorded no job: unless a sync started after the failure.
    const started = Date.parse(s.lastSyncStartedAt ?? '');
    return !(Number.isFinite(started) && started > failedAt);
  };
  // The sync marks GitHub's current name: after a rename it followed, that is not the name it was queued as.
  const named = await ctx.state.get(sync.repo);
  const repo =
    named !== undefined
      ? named.repo
      : (await ctx.state.all()).find((s) => s.syncingBy?.job === sync.jobId)?.repo;
  if (repo === undefined) return undefined;
  const settled = await ctx.state.update(repo, (latest) => {
    if (!abandonedHere(latest)) return undefined;
    const { syncingBy: _gone, ...rest } = latest;
    return {
      ...rest,
      state: sync.final ? 'failing' : 'behind',
      lastSyncAt: new Date(failedAt).toISOString(),
      lastResult: 'failed',
      lastError: error,
      lastErrorCode: 'abandoned',
      consecutiveFailures: latest.consecutiveFailures + 1,
    };
  });
  if (settled === undefined) return undefined;
  ctx.log.warn(
    { repo, jobId: sync.jobId, reason: sanitize(sync.reason) },
    'a sync job failed without recording its result',
  );
  notifyStateChange(ctx, settled.before, settled.after);
  const started = Date.parse(settled.before.lastSyncStartedAt ?? '');
  await ctx.state.pushHistory(repo, {
    at: new Date(failedAt).toISOString(),
    result: 'failed',
    refsPushed: 0,
    durationMs: Number.isFinite(started) ? Math.max(0, failedAt - started) : 0,
    error,
  });
  return settled.after;
}
