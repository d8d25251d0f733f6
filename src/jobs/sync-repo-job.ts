import type { Logger } from 'pino';
import type { SourceRepo } from '../core/repo-filter.ts';
import type { RepoResult, SyncProgress } from '../core/repo-result.ts';
import { mapName } from '../core/name-mapping.ts';
import { getSourceRepo } from '../github/get-source-repo.ts';
import { syncDepsFor } from '../mirror/mirror-context.ts';
import { syncRepo } from '../mirror/sync-repo.ts';
import { applySyncResult, initialState, type RepoState } from '../state/repo-state.ts';
import type { JobContext } from './job-context.ts';
import { isPermanentFailure } from './permanent-failure.ts';
import type { SyncJobData } from './queues.ts';

export interface SyncJobRun {
  readonly log: Logger;
  /** 1 for the first try. */
  readonly attempt: number;
  readonly attempts: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SyncProgress) => void;
}

export type SyncJobOutcome =
  | { readonly kind: 'done'; readonly result: RepoResult; readonly final: boolean }
  | { readonly kind: 'skipped'; readonly reason: string };

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
  const source = await getSourceRepo(ctx.github, data.owner, data.repo);
  const prev =
    (await ctx.state.get(source.fullName)) ?? (await ctx.state.get(fullName)) ?? newState(ctx, source);
  if (prev.state === 'stopped')
    return { kind: 'skipped', reason: `mirroring stopped: ${prev.stoppedReason ?? 'by reconcile'}` };
  const startedAt = new Date();
  await ctx.state.put({ ...prev, state: 'syncing', lastSyncStartedAt: startedAt.toISOString() });
  const deps = syncDepsFor(ctx, {
    verify: ctx.config.migrate.verify,
    wikis: ctx.config.migrate.wikis,
    ...(run.signal === undefined ? {} : { signal: run.signal }),
    ...(run.onProgress === undefined ? {} : { onProgress: run.onProgress }),
  });
  const known = prev.ensuredAt !== undefined && data.ensure !== true;
  let result = await syncRepo(
    source,
    prev.target,
    { ...deps, log: run.log },
    { ensure: known ? 'skip' : 'always' },
  );
  if (known && result.status === 'failed' && result.errorCode === 'not-found') {
    run.log.warn('CodeCommit repository missing; ensuring it again');
    result = await syncRepo(source, prev.target, { ...deps, log: run.log }, { ensure: 'always' });
  }
  const ok = result.status !== 'failed' && result.status !== 'interrupted';
  const final = ok || isPermanentFailure(result) || run.attempt >= run.attempts;
  const now = new Date();
  const next = applySyncResult(
    { ...prev, archived: source.archived, lastSyncStartedAt: startedAt.toISOString() },
    result,
    {
      now,
      requestedAt: data.requestedAt,
      ...(source.pushedAt === null ? {} : { pushedAt: source.pushedAt }),
      final,
    },
  );
  await ctx.state.put(next);
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

function newState(ctx: JobContext, source: SourceRepo): RepoState {
  const mapped = mapName(source.owner, source.name, ctx.config.migrate.naming);
  return initialState(source.fullName, mapped.target, source.id);
}
