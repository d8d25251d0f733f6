import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { SourceRepo } from '../core/repo-filter.ts';
import { getSourceRepo } from '../github/get-source-repo.ts';
import { inspectRepo } from '../mirror/inspect-repo.ts';
import { jobSyncDeps } from './job-sync-deps.ts';
import { errorMessage, Gh2ccError } from '../util/errors.ts';
import { repositoryExists } from '../codecommit/repository-lifecycle.ts';
import { enqueueSync } from './enqueue-sync.ts';
import { holdRepo } from './hold-repo.ts';
import type { JobContext } from './job-context.ts';
import { notifyStateChange } from './notify-state-change.ts';
import { markDriftNotice } from '../state/state-events.ts';
import { retryingJob } from './job-options.ts';
import type { DriftJobData, SyncJobData } from './queues.ts';

export interface DriftSummary {
  readonly checked: number;
  readonly diverged: number;
  readonly behind: number;
  /** CodeCommit repositories found deleted outside gh2cc: each gets a sync that creates it again. */
  readonly missing: number;
  readonly skipped: number;
}

/**
 * The scheduled drift check: every mirrored repository compared without pushing. A CodeCommit ref moved or
 * created outside gh2cc marks the repository `diverged` (naming the refs; they are left alone); a repository
 * that is merely behind GitHub gets a sync. A repository being synced right now is skipped (the sync checks
 * the same thing).
 */
export async function runDriftCheck(
  ctx: JobContext,
  syncQueue: Queue<SyncJobData>,
  data: DriftJobData,
  log: Logger,
  signal?: AbortSignal,
): Promise<DriftSummary> {
  const states = (await ctx.state.all()).filter(
    (s) =>
      s.state !== 'stopped' && s.ensuredAt !== undefined && (data.repo === undefined || s.repo === data.repo),
  );
  const deps = jobSyncDeps(ctx, {
    verify: 'refs',
    wikis: false,
    ...(signal === undefined ? {} : { signal }),
  });
  let diverged = 0;
  let behind = 0;
  let missing = 0;
  let skipped = 0;
  for (const prev of states) {
    // Shutting down: the next scheduled check covers the rest.
    if (signal?.aborted === true) break;
    const [owner = '', name = ''] = prev.repo.split('/');
    try {
      const held = await holdRepo(ctx, prev.repo, async () => {
        // What the last sync learnt is enough to compare with the cache: no GitHub call per repository.
        const known: SourceRepo = {
          owner,
          name,
          fullName: prev.repo,
          description: '',
          topics: [],
          archived: prev.archived === true,
          fork: false,
          visibility: 'private',
          defaultBranch: prev.defaultBranch ?? 'main',
          cloneUrl: '',
          htmlUrl: '',
          sizeKb: 0,
          pushedAt: null,
          hasWiki: false,
        };
        const found = await inspectRepo(
          known,
          prev.target,
          { ...deps, log: log.child({ repo: prev.repo }) },
          () => getSourceRepo(ctx.github, owner, name),
        );
        const divergentRefs = found.divergent.map((d) => d.ref);
        // Built on the latest state; one renamed or removed while it was checked is left where it went.
        const checked = await ctx.state.update(prev.repo, (current) =>
          markDriftNotice(
            current,
            {
              ...current,
              divergentRefs,
              drift: found.divergent.map((d) => ({
                ref: d.ref,
                github: d.source ?? null,
                codecommit: d.target,
              })),
              heads: found.heads,
              // A failing, archived or stopped repository stays so (the divergence is recorded all the same).
              state:
                current.state !== 'ok' && current.state !== 'diverged'
                  ? current.state
                  : divergentRefs.length > 0
                    ? 'diverged'
                    : 'ok',
            },
            new Date(),
            ctx.config.notify.driftReminder,
          ),
        );
        if (checked !== undefined) notifyStateChange(ctx, checked.before, checked.after);
        if (divergentRefs.length > 0) {
          diverged += 1;
          log.warn(
            { repo: prev.repo, refs: divergentRefs.slice(0, 20) },
            'drift: CodeCommit refs changed outside gh2cc',
          );
        }
        if (found.behind > 0) {
          behind += 1;
          await enqueueSync(
            syncQueue,
            ctx.state,
            { owner, repo: name, reason: 'schedule' },
            retryingJob(ctx.config),
          );
        }
      });
      if (!held.held) skipped += 1;
    } catch (err) {
      if (await isMissingTarget(ctx, prev.target, err)) {
        missing += 1;
        log.warn(
          { repo: prev.repo, target: prev.target },
          'drift: the CodeCommit repository was deleted outside gh2cc; a sync creates it again from GitHub',
        );
        // The sync (not this check) decides and records, under the repository's lock: the state is left
        // alone here, since a rename followed meanwhile may already have moved it (and its CodeCommit name).
        await enqueueSync(
          syncQueue,
          ctx.state,
          { owner, repo: name, reason: 'schedule', ensure: true },
          retryingJob(ctx.config),
        );
        continue;
      }
      skipped += 1;
      log.warn({ repo: prev.repo, reason: errorMessage(err) }, 'drift check of one repository failed');
    }
  }
  if (signal?.aborted === true) throw new Error('drift check interrupted by shutdown');
  const summary = { checked: states.length - skipped, diverged, behind, missing, skipped };
  log.info(summary, 'drift check done');
  return summary;
}

/**
 * Whether a failed inspection means the CodeCommit repository is gone: git said "not found", and CodeCommit's
 * API confirms it (a GitHub repository that vanished also reads "not found"; the reconcile handles that one).
 */
async function isMissingTarget(ctx: JobContext, target: string, err: unknown): Promise<boolean> {
  if (!(err instanceof Gh2ccError) || err.code !== 'not-found') return false;
  return !(await repositoryExists(ctx.codecommit, target).catch(() => true));
}
