/** Ref diffing between GitHub (source) and CodeCommit (target): pure, no git or network here. */
import { isBackupRef, type BackupReason } from './backup-ref.ts';

export type RefMap = ReadonlyMap<string, string>;

/**
 * Every branch and tag is mirrored, whatever its name, except gh2cc's backup branches
 * (`refs/heads/gh2cc-backup/…`, see backup-ref.ts): a name reserved on both sides, never compared, planned or
 * pruned. refs/pull/* and every other GitHub-internal ref are never mirrored.
 */
export function isMirroredRef(ref: string): boolean {
  return (ref.startsWith('refs/heads/') || ref.startsWith('refs/tags/')) && !isBackupRef(ref);
}

export function mirroredRefs(refs: RefMap): Map<string, string> {
  return new Map([...refs].filter(([ref]) => isMirroredRef(ref)));
}

export type RefAction =
  | { readonly kind: 'create'; readonly ref: string; readonly sha: string }
  | {
      readonly kind: 'update';
      readonly ref: string;
      readonly from: string;
      readonly sha: string;
      /** `from` is kept under a backup ref first: the update drops commits from the ref. */
      readonly backup?: BackupReason;
    }
  | { readonly kind: 'delete'; readonly ref: string; readonly from: string; readonly backup?: BackupReason };

/** What to do with a ref moved or created in CodeCommit outside gh2cc. */
export type DivergencePolicy = 'alert' | 'overwrite';

export interface Divergence {
  readonly ref: string;
  /** GitHub's value; undefined when the ref exists only in CodeCommit. */
  readonly source: string | undefined;
  readonly target: string;
}

export interface RefPlan {
  readonly actions: readonly RefAction[];
  /** CodeCommit refs moved by someone other than the mirror: reported and left alone. */
  readonly divergent: readonly Divergence[];
  readonly upToDate: number;
}

/** What the mirror knows about CodeCommit's refs beyond their current values. */
export interface MirrorRecord {
  /** The value the mirror itself last pushed (or verified) for each ref. */
  readonly pushed: RefMap;
  /** Refs whose CodeCommit value is an ancestor of GitHub's: moving them forward loses no commit. */
  readonly fastForward: ReadonlySet<string>;
}

export interface PlanOptions {
  /**
   * `alert` (default): a diverged ref is reported and left alone. `overwrite`: GitHub wins, after the
   * CodeCommit tip is backed up.
   */
  readonly onDivergence?: DivergencePolicy;
  /**
   * Keep the replaced tip of a ref GitHub force-pushed or deleted under a backup ref (default true). Only
   * possible when `fastForward` covers every changed ref, so that a force-push can be told from a
   * fast-forward.
   */
  readonly backupReplaced?: boolean;
}

/**
 * What to push so CodeCommit matches GitHub, without ever losing a commit that exists only in CodeCommit.
 * A ref may be moved when CodeCommit still holds what the mirror last pushed there (GitHub force-pushed) or
 * when the move is a fast-forward; it may be deleted only when CodeCommit still holds what the mirror last
 * pushed (GitHub deleted it). Anything else — a ref someone moved or created in CodeCommit — is divergence:
 * reported and left alone, or under `overwrite` replaced after a backup. Every move that is not a
 * fast-forward and every deletion is marked for a backup of the tip it replaces.
 */
export function planRefs(
  source: RefMap,
  target: RefMap,
  record: MirrorRecord,
  options: PlanOptions = {},
): RefPlan {
  const overwrite = options.onDivergence === 'overwrite';
  const keep = options.backupReplaced !== false;
  const src = mirroredRefs(source);
  const dst = mirroredRefs(target);
  const actions: RefAction[] = [];
  const divergent: Divergence[] = [];
  let upToDate = 0;
  for (const [ref, sha] of [...src].sort(byRef)) {
    const current = dst.get(ref);
    if (current === undefined) actions.push({ kind: 'create', ref, sha });
    else if (current === sha) upToDate += 1;
    else if (record.fastForward.has(ref)) actions.push({ kind: 'update', ref, from: current, sha });
    else if (record.pushed.get(ref) === current) {
      actions.push({ kind: 'update', ref, from: current, sha, ...(keep ? { backup: 'force-pushed' } : {}) });
    } else if (overwrite) actions.push({ kind: 'update', ref, from: current, sha, backup: 'overwritten' });
    else divergent.push({ ref, source: sha, target: current });
  }
  for (const [ref, current] of [...dst].sort(byRef)) {
    if (src.has(ref)) continue;
    if (record.pushed.get(ref) === current) {
      actions.push({ kind: 'delete', ref, from: current, ...(keep ? { backup: 'deleted' } : {}) });
    } else if (overwrite) actions.push({ kind: 'delete', ref, from: current, backup: 'overwritten' });
    else divergent.push({ ref, source: undefined, target: current });
  }
  return { actions, divergent, upToDate };
}

function byRef(a: readonly [string, string], b: readonly [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * Refs on both sides that differ (or exist on one side only); empty means verified equal. Refs in `ignore`
 * (divergence already reported and deliberately left alone) are not compared.
 */
export function compareRefs(
  source: RefMap,
  target: RefMap,
  ignore: ReadonlySet<string> = new Set(),
): Divergence[] {
  const src = mirroredRefs(source);
  const dst = mirroredRefs(target);
  const out: Divergence[] = [];
  for (const [ref, sha] of src) {
    const t = dst.get(ref);
    if (t !== sha && !ignore.has(ref)) out.push({ ref, source: sha, target: t ?? '' });
  }
  for (const [ref, t] of dst)
    if (!src.has(ref) && !ignore.has(ref)) out.push({ ref, source: undefined, target: t });
  return out.sort((a, b) => (a.ref < b.ref ? -1 : 1));
}
