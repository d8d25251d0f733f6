import { isValidBranchName, MAX_BRANCH_NAME_LENGTH } from './codecommit-branch-name.ts';
import type { RefMap } from './ref-plan.ts';

/**
 * Backups of CodeCommit tips that a sync replaces or deletes (a diverged ref overwritten under
 * `onDivergence: overwrite`, a branch or tag GitHub force-pushed or deleted), kept in CodeCommit itself as
 * branches under a reserved prefix:
 *
 *   refs/heads/gh2cc-backup/<UTC time, 20261126T221000Z>-<first 8 hex of the tip>/<heads|tags>/<original name>
 *
 * Branches, because what CodeCommit accepts there is documented (its branch-name quotas, checked by
 * `isValidBranchName` and enforced by the sandbox's git side too); whether CodeCommit keeps refs outside
 * `refs/heads/` and `refs/tags/` is not, so gh2cc does not rely on it. The time in the name is what expiry
 * reads, so no other state is needed; the tip prefix keeps two backups of one ref in one second apart.
 * A branch holds commits only, so an annotated tag's backup holds the commit the tag points to (push-steps.ts).
 * A GitHub branch under the prefix is not mirrored (the name is reserved), and nothing but expiry ever
 * deletes a ref under it: the sync's pruning leaves the namespace alone.
 */
export const BACKUP_BRANCH_PREFIX = 'gh2cc-backup/';
export const BACKUP_REF_PREFIX = `refs/heads/${BACKUP_BRANCH_PREFIX}`;

/** Why a tip was backed up. */
export type BackupReason = 'overwritten' | 'force-pushed' | 'deleted';

export interface BackupRef {
  /** The full backup ref, `refs/heads/gh2cc-backup/…`. */
  readonly ref: string;
  /** When it was made. */
  readonly at: Date;
  /** The ref it preserves (`refs/heads/x` or `refs/tags/x`); cut short when the original name was very long. */
  readonly original: string;
}

export function isBackupRef(ref: string): boolean {
  return ref.startsWith(BACKUP_REF_PREFIX);
}

function stamp(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/**
 * The backup ref for `ref`'s tip `sha` made at `at`: always a valid CodeCommit branch name. A name too long
 * for CodeCommit's 256 characters is cut (the time and tip prefix still tell it apart), without leaving a
 * trailing `/`, `.` or `.lock` that git or CodeCommit would refuse.
 */
export function backupRefName(ref: string, sha: string, at: Date): string {
  const kind = ref.startsWith('refs/tags/') ? 'tags' : 'heads';
  const name = ref.replace(/^refs\/(heads|tags)\//, '');
  const head = `${BACKUP_BRANCH_PREFIX}${stamp(at)}-${sha.slice(0, 8)}/${kind}/`;
  let tail = name.slice(0, MAX_BRANCH_NAME_LENGTH - head.length);
  for (;;) {
    const trimmed = tail.replace(/[/.]+$/, '').replace(/\.lock$/, '');
    if (trimmed === tail) break;
    tail = trimmed;
  }
  const branch = `${head}${tail === '' ? 'ref' : tail}`;
  if (!isValidBranchName(branch)) throw new Error(`internal: backup branch name ${branch} is not valid`);
  return `refs/heads/${branch}`;
}

export function parseBackupRef(ref: string): BackupRef | undefined {
  const m = /^refs\/heads\/gh2cc-backup\/(\d{8})T(\d{6})Z-[0-9a-f]{1,8}\/(heads|tags)\/(.+)$/.exec(ref);
  if (m === null) return undefined;
  const [, d = '', t = '', kind = '', name = ''] = m;
  const at = new Date(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}Z`,
  );
  if (Number.isNaN(at.getTime())) return undefined;
  return { ref, at, original: `refs/${kind}/${name}` };
}

/** CodeCommit's backup refs (of `refs`) older than `retentionMs`: the only refs expiry deletes. */
export function expiredBackups(refs: RefMap, now: Date, retentionMs: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const [ref, sha] of refs) {
    const parsed = parseBackupRef(ref);
    if (parsed !== undefined && now.getTime() - parsed.at.getTime() > retentionMs) out.set(ref, sha);
  }
  return out;
}

/** Backups in `refs`, newest first, optionally only those of one original ref. */
export function listBackups(refs: RefMap, original?: string): Array<BackupRef & { sha: string }> {
  const out: Array<BackupRef & { sha: string }> = [];
  for (const [ref, sha] of refs) {
    const parsed = parseBackupRef(ref);
    if (parsed !== undefined && (original === undefined || parsed.original === original))
      out.push({ ...parsed, sha });
  }
  return out.sort((a, b) => b.at.getTime() - a.at.getTime() || (a.ref < b.ref ? -1 : 1));
}
