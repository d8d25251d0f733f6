import type { PushStep, RefUpdateSpec } from '../core/push-plan.ts';
import { fetchObjects, pushUpdates } from '../git/transport.ts';
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
  /** Backups made: the ref whose tip was kept → its backup ref. */
  readonly backedUp: ReadonlyMap<string, string>;
  /** Backup refs removed because their retention ran out. */
  readonly expired: readonly string[];
}

/**
 * A backed-up tip must be in the store to be pushed: what came from GitHub is, a commit made only in
 * CodeCommit is fetched from there first (by the ref that holds it now).
 */
async function fetchMissingTips(s: RepoSession, updates: readonly RefUpdateSpec[]): Promise<void> {
  const known = await s.store.knownObjects(updates.flatMap((u) => (u.sha === undefined ? [] : [u.sha])));
  const refs = updates.flatMap((u) =>
    u.sha !== undefined && !known.has(u.sha) && u.backupOf !== undefined ? [u.backupOf] : [],
  );
  if (refs.length === 0) return;
  await s.retry('fetch CodeCommit tips to back up', async () =>
    fetchObjects(s.store, s.url, await s.deps.remote.auth(s.target), refs, {
      signal: s.deps.signal,
      network: s.deps.gitNetwork,
    }),
  );
}

/**
 * Backups are branches, and git refuses a branch that points at anything but a commit: an annotated tag's
 * backup holds the commit the tag points to. Their tips are fetched from CodeCommit first when the store
 * lacks them. A tag of a tree or blob cannot be kept in a branch: it gets no backup (and so is left as it is,
 * with a warning).
 */
async function branchable(
  s: RepoSession,
  step: PushStep,
  warnings: string[],
  unprotected: Set<string>,
): Promise<PushStep> {
  await fetchMissingTips(s, step.updates);
  const commits = await s.store.peelToCommits(
    step.updates.flatMap((u) => (u.sha === undefined ? [] : [u.sha])),
  );
  const updates: RefUpdateSpec[] = [];
  const unkept: string[] = [];
  for (const u of step.updates) {
    const commit = u.sha === undefined ? undefined : commits.get(u.sha);
    if (commit === undefined) {
      unkept.push(u.backupOf ?? u.ref);
      if (u.backupOf !== undefined) unprotected.add(u.backupOf);
    } else updates.push({ ...u, sha: commit });
  }
  if (unkept.length > 0)
    warnings.push(
      `${unkept.length} ref(s) point at no commit, so no backup branch can keep them; they were left as they are: ${unkept.slice(0, 5).join(', ')}`,
    );
  return { ...step, updates };
}

/**
 * The accepted updates git did not record as it pushed: a tracking-ref update git could not make only
 * warns, and the record must not miss a value CodeCommit took.
 */
async function unrecorded(
  s: RepoSession,
  accepted: ReadonlyMap<string, string | undefined>,
): Promise<Map<string, string | undefined>> {
  const recorded = await s.record.load();
  return new Map([...accepted].filter(([ref, sha]) => recorded.get(ref) !== sha));
}

/**
 * Step 4: runs the planned pushes in order, each retried on transient failures, recording what each one
 * set on CodeCommit as it lands; the run may stop between any two. Refs CodeCommit refused because they
 * changed meanwhile (the lease failed) are reported. Backups go first, in pushes of their own (CodeCommit has
 * no atomic push): a ref whose backup did not land is left as it is.
 */
export async function pushSteps(s: RepoSession, steps: readonly PushStep[]): Promise<PushOutcome> {
  const warnings: string[] = [];
  const applied = new Map<string, string | undefined>();
  const refused: string[] = [];
  const backedUp = new Map<string, string>();
  const unprotected = new Set<string>();
  const expired: string[] = [];
  let pushes = 0;
  let refsPushed = 0;
  s.progress('push', 0, steps.length);
  for (const [i, planned] of steps.entries()) {
    checkpoint(s.deps.signal);
    const filtered =
      unprotected.size === 0 || planned.kind === 'backups'
        ? planned
        : { ...planned, updates: planned.updates.filter((u) => !unprotected.has(u.ref)) };
    if (filtered.updates.length === 0) continue;
    const step = planned.kind === 'backups' ? await branchable(s, filtered, warnings, unprotected) : filtered;
    if (step.updates.length === 0) continue;
    // Backups and expiries are never the record's: git records only the other pushes itself.
    const trackAs = step.kind === 'backups' || step.kind === 'expire' ? undefined : s.record.trackedIn;
    const { rejected, tracked } = await s.retry(`push ${step.kind} ${i + 1}/${steps.length}`, async () =>
      pushUpdates(s.store, s.url, await s.deps.remote.auth(s.target), step.updates, {
        signal: s.deps.signal,
        network: s.deps.gitNetwork,
        trackAs,
        onProgress: (p) => {
          if (p.stage !== 'writing') return;
          const { processed, total, bytes, bytesPerSecond } = p;
          s.progress('push', i, steps.length, {
            processed,
            total,
            ...(bytes === undefined ? {} : { bytes }),
            ...(bytesPerSecond === undefined ? {} : { bytesPerSecond }),
          });
        },
      }),
    );
    pushes += 1;
    if (step.kind === 'backups' || step.kind === 'expire') {
      for (const u of step.updates) {
        if (rejected.includes(u.ref)) {
          if (u.backupOf !== undefined) unprotected.add(u.backupOf);
        } else if (u.backupOf !== undefined) backedUp.set(u.backupOf, u.ref);
        else expired.push(u.ref);
      }
      if (step.kind === 'backups' && rejected.length > 0) {
        warnings.push(
          `CodeCommit refused ${rejected.length} backup ref(s), so the refs they were to keep were left as they are: ${[...unprotected].slice(0, 5).join(', ')}`,
        );
      }
      s.progress('push', i + 1, steps.length);
      continue;
    }
    refsPushed += step.kind === 'increment' ? 0 : step.updates.length - rejected.length;
    const accepted = new Map<string, string | undefined>();
    for (const u of step.updates) if (!rejected.includes(u.ref)) accepted.set(u.ref, u.sha);
    // Recorded as soon as CodeCommit took it, increments included: a run stopped after this step (a kill, a
    // failed verify) must still know these values as the mirror's own, or a later force-push on GitHub would
    // find them "changed outside gh2cc" and leave the ref diverged for good.
    if (accepted.size > 0) await s.record.save(tracked ? await unrecorded(s, accepted) : accepted);
    for (const [ref, sha] of accepted) applied.set(ref, sha);
    refused.push(...rejected);
    if (rejected.length > 0)
      warnings.push(
        `CodeCommit refused ${rejected.length} ref update(s) that changed under us: ${rejected.slice(0, 5).join(', ')}`,
      );
    s.progress('push', i + 1, steps.length);
  }
  return { pushes, refsPushed, warnings, applied, rejected: refused, backedUp, expired };
}
