import type { Logger } from 'pino';
import { followRename, tagMirrorStopped } from '../codecommit/repository-lifecycle.ts';
import { mapName } from '../core/name-mapping.ts';
import { buildNotification, type NotificationInput } from '../core/notification.ts';
import type { ReconcileAction } from '../core/reconcile-plan.ts';
import { initialState } from '../state/repo-state.ts';
import type { JobContext } from './job-context.ts';
import { notifyRepoCreated } from './notify-state-change.ts';

export interface ActionScope {
  /** CodeCommit names already mirrored to (target → GitHub repo), for collision checks of new repositories. */
  targets(): Promise<Map<string, string>>;
  sync(owner: string, repo: string): Promise<void>;
  readonly now: Date;
  readonly log: Logger;
}

/**
 * Carries out one change to the set of mirrored repositories — new, renamed, archived, unarchived, resumed,
 * pushed, gone — for the org reconcile and for `repository` webhooks alike. Each write starts from the
 * latest state (a sync may have finished since the caller looked). Nothing is deleted from CodeCommit: a
 * repository that is gone stops being mirrored and is tagged.
 */
function tell(ctx: Pick<JobContext, 'notifier'>, input: NotificationInput, dedupKey: string): void {
  ctx.notifier.notify(buildNotification(input), { dedupKey });
}

export async function applyReconcileAction(
  ctx: JobContext,
  action: ReconcileAction,
  scope: ActionScope,
): Promise<void> {
  const repo = 'source' in action ? action.source.fullName : action.repo;
  switch (action.kind) {
    case 'new': {
      const { source } = action;
      const mapped = mapName(source.owner, source.name, ctx.config.migrate.naming);
      const targets = await scope.targets();
      const holder = targets.get(mapped.target);
      const fresh = {
        ...initialState(source.fullName, mapped.target, source.id),
        archived: source.archived,
      };
      if (mapped.error !== undefined || (holder !== undefined && holder !== source.fullName)) {
        const why =
          mapped.error ??
          `name collision: ${holder ?? ''} already mirrors to "${mapped.target}"; add migrate.naming.renames`;
        const failing = { state: 'failing' as const, lastError: why, lastErrorCode: 'invalid-name' as const };
        const created = { ...fresh, ...failing };
        const marked = await ctx.state.update(
          source.fullName,
          (current) => ({ ...current, ...failing }),
          created,
        );
        scope.log.warn({ repo, why }, 'new repository not mirrored');
        // Told once, when it becomes failing (a state created just now starts from `created` itself): no sync
        // will run to say it, and each reconcile finds it again.
        if (marked !== undefined && (marked.before === created || marked.before.state !== 'failing'))
          tell(
            ctx,
            {
              eventType: 'sync-failing',
              org: source.owner,
              repository: source.fullName,
              summary: `${source.fullName}: new on GitHub but not mirrored: ${why}`,
              details: { target: mapped.target, error: why, code: 'invalid-name', failures: 0 },
            },
            `not-mirrored:${source.fullName}:${why}`,
          );
        break;
      }
      targets.set(mapped.target, source.fullName);
      // A sync (its webhook) may have recorded the repository since the reconcile read the states: kept.
      const owed = { ensureRequested: true, ensureRequestedAt: scope.now.toISOString() };
      await ctx.state.update(source.fullName, (current) => ({ ...current, ...owed }), { ...fresh, ...owed });
      notifyRepoCreated(ctx, source, mapped.target);
      await scope.sync(source.owner, source.name);
      break;
    }
    case 'renamed': {
      const { source } = action;
      const prev = await ctx.state.get(action.from);
      if (prev === undefined) break;
      const wanted = mapName(source.owner, source.name, ctx.config.migrate.naming).target;
      const renamed = await followRename(ctx.codecommit, prev.target, wanted, source);
      if (renamed.note !== undefined) scope.log.warn({ repo }, renamed.note);
      // On the state as it is now, not as read before the CodeCommit call: a sync may have recorded its
      // result meanwhile.
      const moved = await ctx.state.rename(action.from, (latest) => ({
        ...latest,
        repo: source.fullName,
        target: renamed.name,
        ensureRequested: true,
        ensureRequestedAt: scope.now.toISOString(),
      }));
      if (moved === undefined) break;
      scope.log.info({ from: action.from, to: repo, target: renamed.name }, 'repository renamed on GitHub');
      tell(
        ctx,
        {
          eventType: 'repo-renamed',
          org: source.owner,
          repository: source.fullName,
          summary: `${action.from} renamed to ${source.fullName} on GitHub; CodeCommit repository now ${renamed.name}`,
          details: { from: action.from, target: renamed.name, previousTarget: prev.target },
        },
        `repo-renamed:${action.from}->${source.fullName}`,
      );
      await scope.sync(source.owner, source.name);
      break;
    }
    case 'archived':
    case 'unarchived':
    case 'edited':
    case 'resumed': {
      const { source } = action;
      const updated = await ctx.state.update(repo, (current) => {
        const { stoppedReason: _r, ...rest } = current;
        return {
          ...(action.kind === 'resumed' ? { ...rest, state: 'pending' as const } : current),
          archived: source.archived,
          ensureRequested: true,
          ensureRequestedAt: scope.now.toISOString(),
        };
      });
      const prev = updated?.before;
      if (action.kind === 'resumed') scope.log.info({ repo }, 'repository back on GitHub; mirroring resumes');
      if (action.kind === 'archived') {
        tell(
          ctx,
          {
            eventType: 'repo-archived',
            org: source.owner,
            repository: repo,
            summary: `${repo}: archived on GitHub; the CodeCommit repository is tagged and kept`,
            details: { target: prev?.target ?? null },
          },
          `repo-archived:${repo}`,
        );
      }
      await scope.sync(source.owner, source.name);
      break;
    }
    case 'sync':
      await scope.sync(action.source.owner, action.source.name);
      break;
    case 'gone': {
      const prev = await ctx.state.get(action.repo);
      if (prev === undefined || prev.state === 'stopped') break;
      await tagMirrorStopped(ctx.codecommit, prev.target, action.why, scope.now);
      await ctx.state.update(action.repo, (current) => ({
        ...current,
        state: 'stopped',
        stoppedReason: action.why,
      }));
      tell(
        ctx,
        {
          eventType: 'repo-deleted',
          org: action.repo.split('/')[0] ?? '',
          repository: action.repo,
          summary: `${action.repo}: ${action.why}; mirroring stopped, CodeCommit repository ${prev.target} kept`,
          details: { target: prev.target, why: action.why },
        },
        `repo-deleted:${action.repo}`,
      );
      scope.log.warn(
        { repo, target: prev.target, why: action.why },
        'mirroring stopped; CodeCommit repository kept',
      );
      break;
    }
  }
}
