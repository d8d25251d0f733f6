import type { RepositoryMetadata } from '@aws-sdk/client-codecommit';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { repositoriesMetadata, repositoryMetadata, repositoryTags } from '../codecommit/ensure-repository.ts';
import { ownerOf } from '../config/owner-of.ts';
import { settingsDrift, type SettingDrift } from '../core/drift.ts';
import { settingsKey } from '../core/reconcile-plan.ts';
import type { SourceRepo } from '../core/repo-filter.ts';
import { listSourceRepos } from '../github/list-source-repos.ts';
import type { RepoState } from '../state/repo-state.ts';
import type { RetryPolicy } from '../util/retry.ts';
import { getSourceRepo } from '../github/get-source-repo.ts';
import { inspectRepo } from '../mirror/inspect-repo.ts';
import { jobSyncDeps } from './job-sync-deps.ts';
import { errorMessage, Gh2ccError } from '../util/errors.ts';
import { repositoryExists } from '../codecommit/repository-lifecycle.ts';
import { enqueueSync } from './enqueue-sync.ts';
import { holdRepo } from './hold-repo.ts';
import type { JobContext } from './job-context.ts';
import { notifySettingsDrift, notifyStateChange } from './notify-state-change.ts';
import { markDriftNotice } from '../state/state-events.ts';
import { retryingJob } from './job-options.ts';
import type { DriftJobData, SyncJobData } from './queues.ts';

export interface DriftSummary {
  readonly checked: number;
  readonly diverged: number;
  readonly behind: number;
  /** CodeCommit repositories found deleted outside gh2cc: each gets a sync that creates it again. */
  readonly missing: number;
  /** Repositories whose CodeCommit settings differed from GitHub's: each gets a sync that puts them back. */
  readonly settings: number;
  readonly skipped: number;
}

interface SettingsSources {
  /** GitHub's repositories by id and by full name. */
  readonly github: ReadonlyMap<number | string, SourceRepo>;
  readonly codecommit: ReadonlyMap<string, RepositoryMetadata>;
}

/**
 * GitHub's settings of every repository (the org listing, asked conditionally: unchanged pages cost no rate
 * limit) and CodeCommit's (100 repositories per call); undefined when either cannot be listed this time.
 */
async function settingsSources(
  ctx: JobContext,
  states: readonly RepoState[],
  log: Logger,
  signal?: AbortSignal,
): Promise<SettingsSources | undefined> {
  try {
    const [listed, codecommit] = await Promise.all([
      listSourceRepos(ctx.github, ownerOf(ctx.config), signal, ctx.listings),
      repositoriesMetadata(
        ctx.codecommit,
        states.map((s) => s.target),
        signal,
      ),
    ]);
    const github = new Map<number | string, SourceRepo>();
    for (const r of listed) {
      github.set(r.fullName, r);
      if (r.id !== undefined) github.set(r.id, r);
    }
    return { github, codecommit };
  } catch (err) {
    log.warn({ reason: errorMessage(err) }, 'drift check: settings not compared this time');
    return undefined;
  }
}

/** How CodeCommit's default branch, description and gh2cc's tags differ from what GitHub's settings give. */
async function settingsOf(
  ctx: JobContext,
  sources: SettingsSources | undefined,
  state: RepoState,
  hasBranches: boolean,
): Promise<{ source: SourceRepo; drift: SettingDrift[] } | undefined> {
  const source =
    (state.githubId === undefined ? undefined : sources?.github.get(state.githubId)) ??
    sources?.github.get(state.repo);
  const listed = sources?.codecommit.get(state.target);
  // A repository renamed on GitHub and not followed yet is the reconcile's; one missing in CodeCommit, the sync's.
  if (source === undefined || source.fullName !== state.repo || listed?.Arn === undefined) return undefined;
  const compare = async (meta: RepositoryMetadata) =>
    settingsDrift(source, {
      defaultBranch: meta.defaultBranch,
      description: meta.repositoryDescription ?? '',
      tags: await repositoryTags(ctx.codecommit, listed.Arn ?? ''),
      hasBranches,
    });
  const drift = await compare(listed);
  if (drift.length === 0) return { source, drift };
  // The listing was made when the check started, maybe minutes ago: asked again before anything is said.
  const fresh = await repositoryMetadata(ctx.codecommit, state.target);
  return fresh === undefined ? undefined : { source, drift: await compare(fresh) };
}

/**
 * The check holds each repository's lock while it looks: with a sync's retries (a minute of backoff) a CodeCommit
 * outage would keep the repository's own sync from running, and from being marked failing. One quick retry,
 * then the repository is skipped until the next check.
 */
const DRIFT_RETRY: RetryPolicy = { retries: 1, minTimeoutMs: 500, maxTimeoutMs: 1000 };

const settingName = (d: SettingDrift): string => (d.setting === 'tag' ? `tag ${d.key ?? ''}` : d.setting);

/**
 * Settings that differ: an ensure is owed, so the sync enqueued next puts them back from GitHub. When GitHub's
 * settings are those of the last ensure, someone changed them in CodeCommit: said once. (When GitHub moved,
 * it is the reconcile's `edited`, not drift.)
 */
async function askToPutBack(
  ctx: JobContext,
  prev: RepoState,
  settings: { source: SourceRepo; drift: SettingDrift[] },
  log: Logger,
): Promise<void> {
  const requested = await ctx.state.update(prev.repo, (current) => ({
    ...current,
    ensureRequested: true,
    ensureRequestedAt: new Date().toISOString(),
  }));
  const latest = requested?.before;
  if (latest === undefined) return;
  if (latest.ensuredSettings !== undefined && settingsKey(settings.source) !== latest.ensuredSettings) return;
  log.warn(
    { repo: prev.repo, settings: settings.drift.map(settingName) },
    'drift: CodeCommit settings changed outside gh2cc; putting them back from GitHub',
  );
  notifySettingsDrift(ctx, latest, settings.drift.map(settingName), settings.drift);
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
  const deps = {
    ...jobSyncDeps(ctx, {
      verify: 'refs',
      wikis: false,
      ...(signal === undefined ? {} : { signal }),
    }),
    retry: DRIFT_RETRY,
  };
  let diverged = 0;
  let behind = 0;
  let missing = 0;
  let settingsDrifted = 0;
  let skipped = 0;
  const sources = await settingsSources(ctx, states, log, signal);
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
        const settings = await settingsOf(ctx, sources, prev, found.codecommitHasBranches).catch(
          (err: unknown) => {
            log.warn({ repo: prev.repo, reason: errorMessage(err) }, 'drift check: settings not compared');
            return undefined;
          },
        );
        const putBack = settings !== undefined && settings.drift.length > 0;
        if (putBack) {
          settingsDrifted += 1;
          await askToPutBack(ctx, prev, settings, log);
        }
        if (found.behind > 0 || putBack) {
          if (found.behind > 0) behind += 1;
          await enqueueSync(
            syncQueue,
            ctx.state,
            { owner, repo: name, reason: 'schedule', ...(putBack ? { ensure: true } : {}) },
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
  const summary = {
    checked: states.length - skipped,
    diverged,
    behind,
    missing,
    settings: settingsDrifted,
    skipped,
  };
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
