import { setDefaultBranch } from '../codecommit/ensure-repository.ts';
import { compareRefs, type Divergence } from '../core/ref-plan.ts';
import { deepVerify } from './deep-verify.ts';
import type { RepoSession } from './repo-session.ts';

export interface VerifyOutcome {
  /** Refs that still differ (divergence already reported excluded); empty means verified. */
  readonly differences: readonly Divergence[];
  /** CodeCommit's refs as listed for the check. */
  readonly codecommit: ReadonlyMap<string, string>;
  readonly usesLfs: boolean;
}

/**
 * Step 5: CodeCommit's refs, listed afresh, compared with what was fetched from GitHub in this run (`gh2cc
 * verify` asks both sides again at any later time); the default branch set and the LFS check run alongside.
 * The listing names CodeCommit's default branch when its git server advertises HEAD (`symref`); when that is
 * GitHub's already, no API call is made.
 */
export async function verifyTarget(
  s: RepoSession,
  local: ReadonlyMap<string, string>,
  divergent: ReadonlySet<string>,
  options: {
    targetIsNew: boolean;
    /** CodeCommit's refs as known without listing again (see SyncOptions.verifyBy). */
    listed?: ReadonlyMap<string, string>;
    /** The default branch CodeCommit already has, when the caller knows it: no API call needed then. */
    knownDefaultBranch?: string;
  },
): Promise<VerifyOutcome> {
  const head = `refs/heads/${s.source.defaultBranch}`;
  const tip = local.get(head);
  const lfs = tip === undefined ? Promise.resolve(false) : s.store.usesLfs(tip).catch(() => false);
  const listing = options.listed === undefined ? s.codecommitRefs() : undefined;
  // Judged below; a failure is thrown there, or by the wait for the listing at the end.
  listing?.catch(() => undefined);
  if (local.has(head) && options.knownDefaultBranch !== s.source.defaultBranch) {
    const advertised = listing === undefined ? undefined : (await listing).head;
    if (advertised !== head) {
      await s.retry('set default branch', () =>
        setDefaultBranch(s.deps.codecommit, s.target, s.source.defaultBranch, {
          justCreated: options.targetIsNew,
        }),
      );
    }
  }
  const [usesLfs, codecommit] = await Promise.all([lfs, listing ?? Promise.resolve(new Map(options.listed))]);
  return { differences: compareRefs(local, codecommit, divergent), codecommit, usesLfs };
}

/**
 * Step 6: records what is now verified equal on CodeCommit (what the mirror may later move or delete; refs
 * left alone are not recorded), then the optional deep check.
 */
export async function recordVerified(
  s: RepoSession,
  local: ReadonlyMap<string, string>,
  pushed: ReadonlyMap<string, string>,
  codecommit: ReadonlyMap<string, string>,
  divergent: ReadonlySet<string>,
): Promise<void> {
  const record = new Map<string, string | undefined>();
  for (const [ref, sha] of codecommit) {
    if (!divergent.has(ref) && local.get(ref) === sha && pushed.get(ref) !== sha) record.set(ref, sha);
  }
  for (const ref of pushed.keys()) if (!codecommit.has(ref)) record.set(ref, undefined);
  if (record.size > 0) await s.record.save(record);
  if (s.deps.verify === 'deep' && codecommit.size > 0) {
    await s.retry('clone back from CodeCommit', async () =>
      deepVerify(s.url, await s.deps.remote.auth(s.target), s.log, s.deps.gitNetwork),
    );
  }
}
