import type { BackupReason } from './backup-ref.ts';

/** A CodeCommit tip kept under a backup ref before the sync replaced or deleted it. */
export interface BackupMade {
  /** The ref that was replaced or deleted. */
  readonly ref: string;
  /** Its tip before, now at `backup`. */
  readonly sha: string;
  readonly backup: string;
  readonly reason: BackupReason;
  /** GitHub's value the ref was set to (null: deleted). */
  readonly github: string | null;
}

/** A secret found in a newly mirrored commit: where, and by which rule — never the secret itself. */
export interface SecretFindingRecord {
  readonly commit: string;
  readonly path: string;
  readonly line?: number;
  readonly rule: string;
}

/** What one repository's sync ended in. */
export type RepoStatus = 'migrated' | 'up-to-date' | 'empty' | 'diverged' | 'failed' | 'interrupted';

/** What the report (and the per-repo state) says about one repository's sync. */
export interface RepoResult {
  readonly repo: string;
  readonly target: string;
  readonly status: RepoStatus;
  readonly created: boolean;
  /** The ensure step ran and succeeded: the CodeCommit repository is ours and carries current metadata. */
  readonly ensured?: boolean;
  readonly refsPushed: number;
  readonly pushes: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly verified: boolean;
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
  /** Stable error code of the failure (auth, network, …), when the repo failed. */
  readonly errorCode?: string;
  /** Refs left alone because CodeCommit moved them outside gh2cc. */
  readonly divergentRefs?: readonly string[];
  /** Commits on GitHub's branches CodeCommit did not have when this sync planned (what it brought across). */
  readonly newCommits?: number;
  /** Tips kept under backup refs before this sync replaced or deleted them. */
  readonly backups?: readonly BackupMade[];
  /** Backup refs removed because their retention ran out. */
  readonly expiredBackups?: readonly string[];
  /** The refs left alone as divergent, with both sides' values (GitHub's null: only in CodeCommit). */
  readonly divergent?: ReadonlyArray<{
    readonly ref: string;
    readonly github: string | null;
    readonly codecommit: string;
  }>;
  /** The sync moved (or created) CodeCommit's default branch: from (null: created) → sha. */
  readonly defaultBranchPushed?: { readonly from: string | null; readonly sha: string };
  /** The secret scan of the commits this sync brought to CodeCommit (`notify.secretScan`), when it found any. */
  readonly secrets?: {
    readonly findings: readonly SecretFindingRecord[];
    readonly truncated?: {
      readonly reason: 'max-commits' | 'max-bytes';
      readonly scannedCommits: number;
      readonly newCommits: number;
    };
  };
  /** Both sides' default-branch tips after the sync (undefined: no such branch there). */
  readonly heads?: { readonly github?: string; readonly codecommit?: string };
  readonly wiki?: RepoResult;
}

export type SyncPhase = 'ensure' | 'fetch' | 'plan' | 'push' | 'verify' | 'done';

export interface SyncProgress {
  readonly repo: string;
  readonly phase: SyncPhase;
  /** For the push phase: steps done and planned. */
  readonly done?: number;
  readonly total?: number;
  /** For the push phase: git's own progress of the current push (objects written). */
  readonly objects?: TransferProgress;
}

/** git's progress of one transfer: objects, and the bytes sent so far and their rate when git shows them. */
export interface TransferProgress {
  readonly processed: number;
  readonly total: number;
  readonly bytes?: number;
  readonly bytesPerSecond?: number;
}

/** The result of a repository that was never started (the run was stopped first). */
export function notStartedResult(repo: string, target: string): RepoResult {
  return {
    repo,
    target,
    status: 'interrupted',
    created: false,
    refsPushed: 0,
    pushes: 0,
    bytes: 0,
    durationMs: 0,
    verified: false,
    warnings: [],
    errors: ['not started: the run was stopped; run again to resume'],
  };
}
