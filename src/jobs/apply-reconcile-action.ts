import type { Logger } from 'pino';
import { followRename, tagMirrorStopped } from '../codecommit/repository-lifecycle.ts';
import { mapName } from '../core/name-mapping.ts';
import type { ReconcileAction } from '../core/reconcile-plan.ts';
import { initialState } from '../state/repo-state.ts';
import type { JobContext } from './job-context.ts';

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
        await ctx.state.put({
          ...fresh,
          state: 'failing',
          lastError: why,
          lastErrorCode: 'invalid-name',
        });
        scope.log.warn({ repo, why }, 'new repository not mirrored');
        break;
      }
      targets.set(mapped.target, source.fullName);
      await ctx.state.put({ ...fresh, ensureRequested: true, ensureRequestedAt: scope.now.toISOString() });
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
      await ctx.state.rename(action.from, {
        ...prev,
        repo: source.fullName,
        target: renamed.name,
        ensureRequested: true,
        ensureRequestedAt: scope.now.toISOString(),
      });
      scope.log.info({ from: action.from, to: repo, target: renamed.name }, 'repository renamed on GitHub');
      await scope.sync(source.owner, source.name);
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
          ensureRequestedAt: scope.now.toISOString(),
        });
      }
      if (action.kind === 'resumed') scope.log.info({ repo }, 'repository back on GitHub; mirroring resumes');
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
      await ctx.state.put({ ...prev, state: 'stopped', stoppedReason: action.why });
      scope.log.warn(
        { repo, target: prev.target, why: action.why },
        'mirroring stopped; CodeCommit repository kept',
      );
      break;
    }
  }
}
