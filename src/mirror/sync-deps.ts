import type { CodeCommitClient } from '@aws-sdk/client-codecommit';
import type { Logger } from 'pino';
import type { CodeCommitRemote } from '../codecommit/git-remote.ts';
import type { DivergencePolicy } from '../core/ref-plan.ts';
import type { SyncProgress } from '../core/repo-result.ts';
import type { GitAuth } from '../git/git-auth.ts';
import type { GitNetworkLimits } from '../git/git-env.ts';
import type { RetryPolicy } from '../util/retry.ts';
import type { PushedRecord } from './pushed-record.ts';

/** What the per-repository steps talk to and how they push; built once per run or per worker. */
export interface SyncDeps {
  readonly codecommit: CodeCommitClient;
  readonly remote: CodeCommitRemote;
  /** Git credentials for GitHub, asked for at each use (a GitHub App's tokens are renewed). */
  readonly githubAuth: () => Promise<GitAuth>;
  readonly cacheDir: string;
  readonly maxRefsPerPush: number;
  readonly incrementCommits: number;
  readonly verify: 'refs' | 'deep';
  readonly wikis: boolean;
  readonly kmsKeyId?: string;
  /**
   * `notify.codecommitTriggers`: the SNS topic each ensured CodeCommit repository's gh2cc trigger publishes
   * every reference change to; unset, no trigger is put.
   */
  readonly triggerTopicArn?: string;
  readonly retry?: RetryPolicy;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** When git gives up on a stalled transfer (`mirror.gitLowSpeedLimit`/`gitLowSpeedTime`); default the floor. */
  readonly gitNetwork?: GitNetworkLimits;
  readonly onProgress?: (p: SyncProgress) => void;
  /** What to do with refs changed in CodeCommit outside gh2cc, per repository (`owner/name`); default alert. */
  readonly onDivergence?: (repo: string) => DivergencePolicy;
  /** Scan the commits each sync brings to CodeCommit for committed secrets (`notify.secretScan`). */
  readonly secretScan?: boolean;
  /** How long backup refs are kept; undefined: never expired. */
  readonly backupRetentionMs?: number;
  /** Where the record of pushed refs lives (the daemon: Redis); default: the mirror cache entry. */
  readonly pushedRecord?: (repo: string) => PushedRecord;
}

/**
 * Which steps a sync runs. `migrate` runs them all; the daemon's sync job skips `ensure` for a repository it
 * already mirrors (and falls back to it when CodeCommit says the repository is gone).
 */
export interface SyncOptions {
  /** `always`: create or adopt the CodeCommit repo and refresh its metadata; `skip`: assume it exists. */
  readonly ensure: 'always' | 'skip';
  /** The plan saw no such CodeCommit repository: create straight away (one call). */
  readonly likelyAbsent?: boolean;
  /**
   * How CodeCommit's refs are known after the push. `listing` (default, `migrate`): listed afresh and compared
   * ref by ref. `push-report` (the daemon's incremental syncs): CodeCommit's own report of every update in
   * the push, applied to the listing the plan was made from — a listing round trip saved per sync; a change
   * made directly in CodeCommit meanwhile is the drift check's to find.
   */
  readonly verifyBy?: 'listing' | 'push-report';
  /** GitHub's default branch as of the last sync: when unchanged, CodeCommit's is not asked again. */
  readonly knownDefaultBranch?: string;
}
