import type { Logger } from 'pino';
import { ownerOf } from '../config/owner-of.ts';
import { buildNotification } from '../core/notification.ts';
import { errorMessage } from '../util/errors.ts';
import { holdRepo } from './hold-repo.ts';
import type { JobContext } from './job-context.ts';
import type { IamJobData } from './queues.ts';

export interface IamReconcileSummary {
  readonly outcome: 'applied' | 'unchanged' | 'skipped' | 'blocked' | 'busy';
  readonly changes: number;
  /**
   * gh2cc-owned policies whose content someone changed outside gh2cc (or that GitHub's side changed); put
   * back by this run.
   */
  readonly policiesRestored: readonly string[];
  readonly unmapped: readonly string[];
  readonly problems: readonly string[];
  readonly reason?: string;
}

/**
 * The daemon's IAM reconcile (team and membership webhooks, and `iam.every`): plan against GitHub's teams and
 * apply, as `gh2cc iam apply` does. One at a time across every worker (a Redis lock on the org), since two
 * appliers would race on policy versions.
 */
export async function runIamReconcile(
  ctx: JobContext,
  data: IamJobData,
  log: Logger,
  signal?: AbortSignal,
): Promise<IamReconcileSummary> {
  const none = { changes: 0, policiesRestored: [], unmapped: [], problems: [] };
  if (ctx.config.iam.userMap === undefined) {
    log.info({ reason: data.reason }, 'IAM reconcile skipped: iam.userMap is not set');
    return { ...none, outcome: 'skipped', reason: 'iam.userMap (GH2CC_IAM_USER_MAP) is not set' };
  }
  const owner = ownerOf(ctx.config);
  if (!('org' in owner))
    return { ...none, outcome: 'skipped', reason: 'GitHub teams exist only in organizations' };
  const held = await holdRepo(ctx, `iam:${owner.org}`, async (lockLost): Promise<IamReconcileSummary> => {
    // Two appliers must not race: one that lost the lock stops between changes.
    const stop = signal === undefined ? lockLost : AbortSignal.any([signal, lockLost]);
    const { createIamDeps } = await import('../iam/create-iam-deps.ts');
    const { planIam } = await import('../iam/plan-iam.ts');
    const { applyIamPlan, describeChange } = await import('../iam/apply-iam-plan.ts');
    const { loadUserMap } = await import('../iam/load-user-map.ts');
    const userMap = await loadUserMap(ctx.config.iam.userMap ?? '');
    const deps = await createIamDeps(ctx.config, log, signal);
    const run = await planIam(deps, owner.org, userMap);
    const restored = run.plan.changes.flatMap((c) => (c.op === 'updatePolicy' ? [c.policy] : []));
    const summary = {
      changes: run.plan.changes.length,
      policiesRestored: restored,
      unmapped: run.desired.unmapped.map((u) => u.login),
      problems: run.plan.problems,
    };
    if (run.plan.problems.length > 0) {
      log.error(
        { problems: run.plan.problems },
        'IAM reconcile blocked: the plan has problems; nothing applied',
      );
      return { ...summary, outcome: 'blocked' };
    }
    if (restored.length > 0) {
      log.warn({ policies: restored }, 'IAM drift: gh2cc-owned policies differ from the model; restoring');
      ctx.notifier.notify(
        buildNotification({
          eventType: 'iam-drift',
          org: owner.org,
          repository: null,
          summary: `${restored.length} gh2cc IAM polic${restored.length === 1 ? 'y differs' : 'ies differ'} from GitHub's teams; restoring`,
          details: { policies: restored, path: run.desired.path },
        }),
      );
    }
    await applyIamPlan(deps.iam, deps.codecommit, run.plan, {
      ...run.applyContext,
      signal: stop,
      onChange: (c, i, total) =>
        log.info({ index: i, total, change: describeChange(c) }, 'IAM change applied'),
    });
    deps.iam.destroy();
    deps.codecommit.destroy();
    return { ...summary, outcome: run.plan.changes.length === 0 ? 'unchanged' : 'applied' };
  }).catch((err: unknown) => {
    log.error({ err: errorMessage(err) }, 'IAM reconcile failed');
    throw err;
  });
  if (!held.held)
    return { ...none, outcome: 'busy', reason: 'another worker is reconciling IAM for this org' };
  return held.value;
}
