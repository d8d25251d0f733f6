import { buildNotification, type NotificationInput } from '../core/notification.ts';
import type { SettingDrift } from '../core/drift.ts';
import type { RepoState } from '../state/repo-state.ts';
import { stateEvents, type StateEvent } from '../state/state-events.ts';
import type { JobContext } from './job-context.ts';

function input(org: string, after: RepoState, e: StateEvent): NotificationInput {
  const repository = after.repo;
  switch (e.kind) {
    case 'drift-found':
      return {
        eventType: 'drift-found',
        org,
        repository,
        summary: `${repository}: ${e.added.length} CodeCommit ref(s) changed outside gh2cc (${e.added.slice(0, 3).join(', ')}${e.added.length > 3 ? ', …' : ''}); left untouched`,
        details: { target: after.target, divergentRefs: e.refs, added: e.added },
      };
    case 'drift-reminder':
      return {
        eventType: 'drift-found',
        org,
        repository,
        summary: `${repository}: ${e.refs.length} CodeCommit ref(s) still changed outside gh2cc since ${e.since} (${e.refs.slice(0, 3).join(', ')}${e.refs.length > 3 ? ', …' : ''})`,
        details: { target: after.target, divergentRefs: e.refs, reminder: true, since: e.since },
      };
    case 'drift-resolved':
      return {
        eventType: 'drift-resolved',
        org,
        repository,
        summary: `${repository}: CodeCommit matches GitHub again`,
        details: { target: after.target, divergentRefs: e.refs },
      };
    case 'sync-failing':
      return {
        eventType: 'sync-failing',
        org,
        repository,
        summary: `${repository}: sync failing after ${e.failures} attempt(s): ${e.error}`,
        details: { target: after.target, error: e.error, code: e.code ?? null, failures: e.failures },
      };
    case 'sync-recovered':
      return {
        eventType: 'sync-recovered',
        org,
        repository,
        summary: `${repository}: syncing again after ${e.failures} failure(s)`,
        details: { target: after.target, failures: e.failures },
      };
  }
}

/**
 * Tells the notifier what changed between two states of a repository (drift found or resolved, sync failing
 * or recovered) — on change only, so a cycle that finds the same drift again sends nothing. The FIFO
 * deduplication key is the change itself, so two workers recording the same transition send it once.
 */
export function notifyStateChange(
  ctx: Pick<JobContext, 'notifier' | 'config'>,
  before: RepoState | undefined,
  after: RepoState,
): void {
  const org = after.repo.split('/')[0] ?? '';
  for (const e of stateEvents(before, after)) {
    const key =
      e.kind === 'drift-found' || e.kind === 'drift-resolved'
        ? `${e.kind}:${[...e.refs].sort().join(',')}`
        : e.kind === 'drift-reminder'
          ? `${e.kind}:${after.driftNotifiedAt ?? ''}`
          : `${e.kind}:${after.lastSyncAt ?? ''}`;
    ctx.notifier.notify(buildNotification(input(org, after, e)), { dedupKey: key });
  }
}

/**
 * CodeCommit settings (default branch, description, gh2cc's tags) someone changed outside gh2cc, being put back
 * from GitHub. Keyed by the ensure they drifted from and the drift itself: a check that finds the same again
 * before the ensure has run says nothing more.
 */
export function notifySettingsDrift(
  ctx: Pick<JobContext, 'notifier'>,
  state: RepoState,
  names: readonly string[],
  drift: readonly SettingDrift[],
): void {
  ctx.notifier.notify(
    buildNotification({
      eventType: 'drift-found',
      org: state.repo.split('/')[0] ?? '',
      repository: state.repo,
      summary: `${state.repo}: CodeCommit settings changed outside gh2cc (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}); put back from GitHub`,
      details: {
        target: state.target,
        settings: drift.map((d) => ({
          setting: d.setting,
          ...(d.key === undefined ? {} : { key: d.key }),
          expected: d.expected,
          codecommit: d.codecommit,
        })),
      },
    }),
    { dedupKey: `settings-drift:${state.target}:${state.ensuredAt ?? ''}:${JSON.stringify(drift)}` },
  );
}

/**
 * A repository new on GitHub that gh2cc mirrors from now on (found by the reconcile, or first seen by a sync
 * that a push webhook asked for). Keyed by the GitHub repository, so both paths seeing it say it once on a FIFO
 * topic.
 */
export function notifyRepoCreated(
  ctx: Pick<JobContext, 'notifier'>,
  source: { readonly owner: string; readonly fullName: string; readonly id?: number | undefined },
  target: string,
): void {
  ctx.notifier.notify(
    buildNotification({
      eventType: 'repo-created',
      org: source.owner,
      repository: source.fullName,
      summary: `${source.fullName}: new on GitHub; mirroring it to CodeCommit as ${target}`,
      details: { target, githubId: source.id ?? null },
    }),
    { dedupKey: `repo-created:${source.fullName}:${source.id ?? ''}` },
  );
}

/**
 * A sync created the CodeCommit repository of a repository gh2cc had already ensured: it had been deleted
 * outside gh2cc (seen by a sync's push or by the drift check), and what only CodeCommit held is gone with it.
 * Told once per loss: the key is the ensure that the deleted repository came from.
 */
export function notifyRepositoryRecreated(
  ctx: Pick<JobContext, 'notifier'>,
  before: RepoState,
  refsPushed: number,
): void {
  const org = before.repo.split('/')[0] ?? '';
  ctx.notifier.notify(
    buildNotification({
      eventType: 'drift-found',
      severity: 'critical',
      org,
      repository: before.repo,
      summary: `${before.repo}: CodeCommit repository ${before.target} was deleted outside gh2cc; created again from GitHub (${refsPushed} ref(s) pushed)`,
      details: { target: before.target, missingRepository: true, refsPushed },
    }),
    { dedupKey: `repository-recreated:${before.target}:${before.ensuredAt ?? ''}` },
  );
}
