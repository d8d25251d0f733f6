import type { BackupReason } from '../core/backup-ref.ts';
import type { RepoResult, RepoStatus } from '../core/repo-result.ts';

/** A backup ref gh2cc made in CodeCommit for this repository (see backup-ref.ts). */
export interface KeptBackup {
  readonly ref: string;
  /** The ref whose tip it keeps. */
  readonly original: string;
  readonly sha: string;
  readonly reason: BackupReason;
  readonly at: string;
}

/** The most backups remembered per repository (the newest); CodeCommit keeps them all until they expire. */
export const MAX_KEPT_BACKUPS = 100;

/** A mirror's health as operators see it (status table, status page, metrics). */
export type MirrorState =
  'pending' | 'ok' | 'syncing' | 'behind' | 'diverged' | 'failing' | 'archived' | 'stopped';

/** What gh2cc remembers about one mirrored repository between syncs (Redis, one hash field per repo). */
export interface RepoState {
  /** owner/name on GitHub (the key). */
  readonly repo: string;
  readonly target: string;
  /** GitHub's numeric id: follows the repository across renames. */
  readonly githubId?: number;
  readonly state: MirrorState;
  /** Set when mirroring stopped (deleted or transferred on GitHub); the CodeCommit repo is kept. */
  readonly stoppedReason?: string;
  readonly archived?: boolean;
  /** GitHub's description at the last sync (arbitrary text: escaped wherever it is shown). */
  readonly description?: string;
  /** GitHub's pushed_at when the last successful sync started: an unchanged repo needs no sync. */
  readonly syncedPushedAt?: string;
  /** When the last sync started and ended. A sync serves every request made before it started. */
  readonly lastSyncStartedAt?: string;
  /**
   * While `syncing`: which sync job, and which run of it (a job can be taken over by another worker while
   * the run that lost it still ends), so that only that run's own end — or its job's abandonment — settles it.
   */
  readonly syncingBy?: { readonly job: string; readonly run: string };
  readonly lastSyncAt?: string;
  readonly lastSuccessAt?: string;
  readonly lastResult?: RepoStatus;
  /** Sanitised text of the last failure, and its stable code. */
  readonly lastError?: string;
  readonly lastErrorCode?: string;
  readonly consecutiveFailures: number;
  /** Default-branch tips after the last sync. */
  readonly heads?: { readonly github?: string; readonly codecommit?: string };
  /** How long the last successful sync took to bring a change across (request → verified), in seconds. */
  readonly lagSeconds?: number;
  /** How many commits CodeCommit was behind when the last successful sync started (0: only refs moved). */
  readonly lagCommits?: number;
  /** First request not yet served by a successful sync (ms since epoch): the mirror is behind since then. */
  readonly pendingSince?: number;
  readonly divergentRefs: readonly string[];
  /** The divergent refs with both sides' values (GitHub's null: only in CodeCommit), as last seen. */
  readonly drift?: ReadonlyArray<{
    readonly ref: string;
    readonly github: string | null;
    readonly codecommit: string;
  }>;
  /** Backup refs gh2cc made for this repository and has not expired yet, oldest first. */
  readonly backups?: readonly KeptBackup[];
  /** When people were last told about the current drift (found, or reminded): the reminder counts from it. */
  readonly driftNotifiedAt?: string;
  /** When the CodeCommit repository was last ensured (created/adopted, metadata refreshed). */
  readonly ensuredAt?: string;
  /** settingsKey (core/reconcile-plan.ts) of GitHub's settings that ensure wrote: the reconcile compares it. */
  readonly ensuredSettings?: string;
  /** The next sync must run the ensure step (new, renamed, archived or unarchived on GitHub). */
  readonly ensureRequested?: boolean;
  /** When the ensure was last asked for: a sync that started before it does not settle it. */
  readonly ensureRequestedAt?: string;
  /** GitHub's default branch at the last sync. */
  readonly defaultBranch?: string;
}

/** One entry of a repository's recent sync history. */
export interface SyncHistoryEntry {
  readonly at: string;
  readonly result: RepoStatus;
  readonly refsPushed: number;
  readonly durationMs: number;
  readonly error?: string;
}

/** The state as shown: a mirror that is otherwise fine is `behind` while a requested sync has not run. */
export function shownState(s: RepoState): MirrorState {
  return s.pendingSince !== undefined && (s.state === 'ok' || s.state === 'pending') ? 'behind' : s.state;
}

export function initialState(repo: string, target: string, githubId?: number): RepoState {
  return {
    repo,
    target,
    ...(githubId === undefined ? {} : { githubId }),
    state: 'pending',
    consecutiveFailures: 0,
    divergentRefs: [],
  };
}

/**
 * The state after a sync finished. Pure: `final` says whether a failure has used up its retries (a failure
 * that will be retried leaves the repo `behind`, not `failing`).
 */
export function applySyncResult(
  prev: RepoState,
  result: RepoResult,
  context: { readonly now: Date; readonly requestedAt?: number; readonly pushedAt?: string; final: boolean },
): RepoState {
  const at = context.now.toISOString();
  const ok = result.status !== 'failed' && result.status !== 'interrupted';
  const base = {
    ...prev,
    target: result.target,
    lastSyncAt: at,
    lastResult: result.status,
    heads: result.heads ?? prev.heads ?? {},
    divergentRefs: result.divergentRefs ?? [],
    drift: result.divergent ?? [],
    backups: keptBackups(prev.backups, result, at),
    // Only an ensure that succeeded makes the repository "known": a failed first sync (a foreign repository
    // in the way, an invalid name) must ensure again, never push into what it found.
    ...(result.ensured === true ? { ensuredAt: at, ensureRequested: false } : {}),
  };
  if (ok) {
    const { lastError: _e, lastErrorCode: _c, pendingSince, ...rest } = base;
    const since = Math.min(pendingSince ?? Infinity, context.requestedAt ?? Infinity);
    return {
      ...rest,
      state:
        prev.state === 'stopped'
          ? 'stopped'
          : prev.archived === true
            ? 'archived'
            : result.status === 'diverged'
              ? 'diverged'
              : 'ok',
      lastSuccessAt: at,
      consecutiveFailures: 0,
      ...(Number.isFinite(since) ? { lagSeconds: Math.max(0, (context.now.getTime() - since) / 1000) } : {}),
      lagCommits: result.newCommits ?? 0,
      ...(context.pushedAt === undefined ? {} : { syncedPushedAt: context.pushedAt }),
    };
  }
  return {
    ...base,
    state: prev.state === 'stopped' ? 'stopped' : context.final ? 'failing' : 'behind',
    lastError: result.errors
      .filter((e) => !e.startsWith('fix: '))
      .join('; ')
      .slice(0, 2000),
    ...(result.errorCode === undefined ? {} : { lastErrorCode: result.errorCode }),
    consecutiveFailures: prev.consecutiveFailures + 1,
  };
}

function keptBackups(prev: readonly KeptBackup[] | undefined, result: RepoResult, at: string): KeptBackup[] {
  const expired = new Set(result.expiredBackups ?? []);
  const made = (result.backups ?? []).map((b): KeptBackup => ({
    ref: b.backup,
    original: b.ref,
    sha: b.sha,
    reason: b.reason,
    at,
  }));
  return [...(prev ?? []).filter((b) => !expired.has(b.ref)), ...made].slice(-MAX_KEPT_BACKUPS);
}
