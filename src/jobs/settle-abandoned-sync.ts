import type { RepoState } from '../state/repo-state.ts';
import { sanitize } from '../util/secrets.ts';
import type { JobContext } from './job-context.ts';
import { notifyStateChange } from './notify-state-change.ts';

/**
 * A sync job that failed without recording its result leaves its repository `syncing` for good: the status
 * would show a sync that nobody runs. That happens when BullMQ gives up on a job whose workers died under it
 * (`job stalled more than allowable limit`, failed by the next worker without running it), or when the job
 * threw past its own recording (Redis gone at its final write). Records the failure with its reason like any
 * failed sync (`failing` and an SNS notification once final), unless a later sync started after `failedAt`:
 * that one records its own result. Returns the state written, if any.
 */
export async function settleAbandonedSync(
  ctx: Pick<JobContext, 'state' | 'notifier' | 'config' | 'log'>,
  repo: string,
  reason: string,
  options: { readonly final: boolean; readonly failedAt?: number },
): Promise<RepoState | undefined> {
  const failedAt = options.failedAt ?? Date.now();
  const settled = await ctx.state.update(repo, (latest) => {
    if (latest.state !== 'syncing') return undefined;
    const started = Date.parse(latest.lastSyncStartedAt ?? '');
    if (Number.isFinite(started) && started > failedAt) return undefined;
    return {
      ...latest,
      // Like any failed sync: `behind` while BullMQ will retry it, `failing` once it has given up.
      state: options.final ? 'failing' : 'behind',
      lastSyncAt: new Date(failedAt).toISOString(),
      lastResult: 'failed',
      lastError: sanitize(`sync abandoned: ${reason}`),
      lastErrorCode: 'abandoned',
      consecutiveFailures: latest.consecutiveFailures + 1,
    };
  });
  if (settled === undefined) return undefined;
  ctx.log.warn({ repo, reason: sanitize(reason) }, 'a sync job failed without recording its result');
  notifyStateChange(ctx, settled.before, settled.after);
  return settled.after;
}
