import { backupRefName } from './backup-ref.ts';
import type { RefAction } from './ref-plan.ts';

/** CodeCommit refuses a push with more ref updates than this. */
export const CODECOMMIT_MAX_REF_UPDATES = 4000;

export interface RefUpdateSpec {
  readonly ref: string;
  /** The value to set; undefined deletes the ref. */
  readonly sha: string | undefined;
  /** The value CodeCommit must still have (lease); '' means the ref must not exist yet. */
  readonly expect: string;
  /** A backup ref: the ref whose tip it preserves (which must not be replaced unless this lands). */
  readonly backupOf?: string;
}

export interface PushStep {
  /**
   * `backups` come first: the tips later steps replace or delete, kept under backup refs (see
   * backup-ref.ts). `expire` removes backup refs past their retention, last of all.
   */
  readonly kind: 'backups' | 'increment' | 'branches' | 'refs' | 'tags' | 'deletes' | 'expire';
  readonly updates: readonly RefUpdateSpec[];
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function spec(action: RefAction, expectOverride?: string): RefUpdateSpec {
  const expect = expectOverride ?? (action.kind === 'create' ? '' : action.from);
  return { ref: action.ref, sha: action.kind === 'delete' ? undefined : action.sha, expect };
}

/**
 * Orders a ref plan into pushes CodeCommit accepts, following AWS's guidance for large migrations: long
 * histories first, in increments along first-parent history (each step a separate, resumable push), then
 * branches before tags, in batches of at most `maxRefsPerPush` ref updates; deletions last, so an interrupted
 * run never removes anything before the replacement is in place.
 *
 * `increments` maps a branch ref to the intermediate commits to push before its final value, oldest first.
 */
export function planPushSteps(
  actions: readonly RefAction[],
  increments: ReadonlyMap<string, readonly string[]>,
  maxRefsPerPush: number,
  options: {
    /** The time backup refs are named after (default now). */
    readonly now?: Date;
    /** Backup refs past their retention (ref → sha), deleted at the end. */
    readonly expire?: ReadonlyMap<string, string>;
  } = {},
): PushStep[] {
  if (
    !Number.isInteger(maxRefsPerPush) ||
    maxRefsPerPush < 1 ||
    maxRefsPerPush > CODECOMMIT_MAX_REF_UPDATES
  ) {
    throw new RangeError(`maxRefsPerPush must be 1–${CODECOMMIT_MAX_REF_UPDATES}, got ${maxRefsPerPush}`);
  }
  const steps: PushStep[] = [];
  const now = options.now ?? new Date();
  const backups: RefUpdateSpec[] = [];
  for (const a of actions) {
    if (a.kind !== 'create' && a.backup !== undefined)
      backups.push({ ref: backupRefName(a.ref, a.from, now), sha: a.from, expect: '', backupOf: a.ref });
  }
  for (const batch of chunk(backups, maxRefsPerPush)) steps.push({ kind: 'backups', updates: batch });
  const finalExpect = new Map<string, string>();
  for (const action of actions) {
    if (action.kind === 'delete') continue;
    const stepsFor = increments.get(action.ref) ?? [];
    let expect = action.kind === 'create' ? '' : action.from;
    for (const sha of stepsFor) {
      steps.push({ kind: 'increment', updates: [{ ref: action.ref, sha, expect }] });
      expect = sha;
    }
    if (stepsFor.length > 0) finalExpect.set(action.ref, expect);
  }
  // Branches before tags, as AWS advises, but in shared batches: a small repo is one push, not two.
  const updates = [
    ...actions.filter((a) => a.kind !== 'delete' && a.ref.startsWith('refs/heads/')),
    ...actions.filter((a) => a.kind !== 'delete' && !a.ref.startsWith('refs/heads/')),
  ];
  const deletes = actions.filter((a) => a.kind === 'delete');
  for (const batch of chunk(updates, maxRefsPerPush)) {
    const kind = batch.every((a) => a.ref.startsWith('refs/heads/'))
      ? 'branches'
      : batch.some((a) => a.ref.startsWith('refs/heads/'))
        ? 'refs'
        : 'tags';
    steps.push({ kind, updates: batch.map((a) => spec(a, finalExpect.get(a.ref))) });
  }
  for (const batch of chunk(deletes, maxRefsPerPush))
    steps.push({ kind: 'deletes', updates: batch.map((a) => spec(a)) });
  const expire = [...(options.expire ?? new Map<string, string>())].map(([ref, sha]): RefUpdateSpec => ({
    ref,
    sha: undefined,
    expect: sha,
  }));
  for (const batch of chunk(expire, maxRefsPerPush)) steps.push({ kind: 'expire', updates: batch });
  return steps;
}

/** Picks every `every`-th commit of a first-parent list (oldest first), leaving out the final commit itself. */
export function incrementPoints(firstParentOldestFirst: readonly string[], every: number): string[] {
  const out: string[] = [];
  for (let i = every - 1; i < firstParentOldestFirst.length - 1; i += every) {
    const sha = firstParentOldestFirst[i];
    if (sha !== undefined) out.push(sha);
  }
  return out;
}
