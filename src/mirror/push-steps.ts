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
 * Step 4: runs the planned pushes in order, each retried on transient failures, recording what each one
 * set on CodeCommit as it lands; the run may stop between any two. Refs CodeCommit refused because they changed meanwhile (the lease failed) are reported.
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
        network: s.deps.gitNetwork,
        onProgress: (p) => {
          if (p.stage === 'writing')
            s.progress('push', i, steps.length, { processed: p.processed, total: p.total });
        },
      }),
    );
    pushes += 1;
    refsPushed += step.kind === 'increment' ? 0 : step.updates.length - rejected.length;
    const accepted = new Map<string, string | undefined>();
    for (const u of step.updates) if (!rejected.includes(u.ref)) accepted.set(u.ref, u.sha);
    // Recorded as soon as CodeCommit took it, increments included: a run stopped after this step (a kill, a
    // failed verify) must still know these values as the mirror's own, or a later force-push on GitHub would
    // find them "changed outside gh2cc" and leave the ref diverged for good.
    if (accepted.size > 0) await s.record.save(accepted);
    for (const [ref, sha] of accepted) applied.set(ref, sha);
    refused.push(...rejected);
    if (rejected.length > 0)
      warnings.push(
        `CodeCommit refused ${rejected.length} ref update(s) that changed under us: ${rejected.slice(0, 5).join(', ')}`,
      );
    s.progress('push', i + 1, steps.length);
  }
  return { pushes, refsPushed, warnings, applied, rejected: refused };
}
