import type { PushStep } from '../core/push-plan.ts';
import { pushUpdates } from '../git/transport.ts';
import { checkpoint } from './interrupted.ts';
import type { RepoSession } from './repo-session.ts';

export interface PushOutcome {
  readonly pushes: number;
  readonly refsPushed: number;
  readonly warnings: readonly string[];
  /** Every update CodeCommit reported as done (ref → new sha, undefined when deleted). */
  readonly applied: ReadonlyMap<string, string | undefined>;
  /** Refs CodeCommit refused. */
  readonly rejected: readonly string[];
}

/**
 * Step 4: runs the planned pushes in order, each retried on transient failures; the run may stop between
 * any two. Refs CodeCommit refused because they changed meanwhile (the lease failed) are reported.
 */
export async function pushSteps(s: RepoSession, steps: readonly PushStep[]): Promise<PushOutcome> {
  const warnings: string[] = [];
  const applied = new Map<string, string | undefined>();
  const refused: string[] = [];
  let pushes = 0;
  let refsPushed = 0;
  s.progress('push', 0, steps.length);
  for (const [i, step] of steps.entries()) {
    checkpoint(s.deps.signal);
    const rejected = await s.retry(`push ${step.kind} ${i + 1}/${steps.length}`, async () =>
      pushUpdates(s.store, s.url, await s.deps.remote.auth(s.target), step.updates, {
        signal: s.deps.signal,
        onProgress: (p) => {
          if (p.stage === 'writing')
            s.progress('push', i, steps.length, { processed: p.processed, total: p.total });
        },
      }),
    );
    pushes += 1;
    refsPushed += step.kind === 'increment' ? 0 : step.updates.length - rejected.length;
    for (const u of step.updates) if (!rejected.includes(u.ref)) applied.set(u.ref, u.sha);
    refused.push(...rejected);
    if (rejected.length > 0)
      warnings.push(
        `CodeCommit refused ${rejected.length} ref update(s) that changed under us: ${rejected.slice(0, 5).join(', ')}`,
      );
    s.progress('push', i + 1, steps.length);
  }
  return { pushes, refsPushed, warnings, applied, rejected: refused };
}
