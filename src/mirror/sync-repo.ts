import type { SourceRepo } from '../core/repo-filter.ts';
import type { BackupMade, RepoResult, RepoStatus } from '../core/repo-result.ts';
import { BACKUP_BRANCH_PREFIX, isBackupRef } from '../core/backup-ref.ts';
import { Gh2ccError, errorMessage } from '../util/errors.ts';
import { ensureTarget } from './ensure-target.ts';
import { fetchSource } from './fetch-source.ts';
import { checkpoint, Interrupted } from './interrupted.ts';
import { mirrorWiki } from './mirror-wiki.ts';
import { describeDivergence, planSync } from './plan-sync.ts';
import { pushSteps } from './push-steps.ts';
import { scanNewCommits, type ScanTruncation } from '../scan/scan-commits.ts';
import { openRepoSession, type RepoSession } from './repo-session.ts';
import type { SyncDeps, SyncOptions } from './sync-deps.ts';
import { recordVerified, verifyTarget } from './verify-target.ts';

/**
 * Converges one repository: ensure the CodeCommit repo → fetch GitHub's branches and tags into the cache →
 * plan → push only what differs (increments for long histories, batches under the ref-update limit) →
 * verify ref by ref (default branch, LFS check) → record. Every step is idempotent, so a re-run resumes.
 * Never throws: every outcome is a RepoResult.
 */
export async function syncRepo(
  source: SourceRepo,
  target: string,
  deps: SyncDeps,
  options: SyncOptions = { ensure: 'always' },
): Promise<RepoResult> {
  const started = Date.now();
  const warnings: string[] = [];
  const errors: string[] = [];
  const out = {
    created: false,
    ensured: false,
    refsPushed: 0,
    pushes: 0,
    bytes: 0,
    verified: false,
    status: 'migrated' as RepoStatus,
    divergentRefs: [] as string[],
    heads: {} as { github?: string; codecommit?: string },
    errorCode: undefined as string | undefined,
    wiki: undefined as RepoResult | undefined,
    backups: [] as BackupMade[],
    expiredBackups: [] as string[],
    divergent: [] as Array<{ ref: string; github: string | null; codecommit: string }>,
    defaultBranchPushed: undefined as { from: string | null; sha: string } | undefined,
    secrets: undefined as RepoResult['secrets'],
    newCommits: 0,
  };
  let session: RepoSession | undefined;
  try {
    checkpoint(deps.signal);
    deps.onProgress?.({ repo: source.fullName, phase: 'ensure' });
    session = await openRepoSession(source, target, deps);
    const s = session;
    // Creating the CodeCommit repo and fetching from GitHub do not depend on each other: both are mostly
    // waiting on the network, so they overlap.
    // A repository known to exist is listed on CodeCommit while GitHub is fetched: the plan needs both, and
    // both are round trips. (A failure surfaces where the plan awaits it.)
    const listing = options.ensure === 'skip' ? s.codecommitRefs() : undefined;
    listing?.catch(() => undefined);
    // Both settle before anything is judged: a failed ensure must not leave a fetch running in the cache entry
    // after its locks are released.
    const [ensuring, fetching] = await Promise.allSettled([
      options.ensure === 'always'
        ? ensureTarget(s, options.likelyAbsent === undefined ? {} : { likelyAbsent: options.likelyAbsent })
        : Promise.resolve({ created: false, notes: [] as readonly string[] }),
      fetchSource(s),
    ]);
    if (ensuring.status === 'rejected') throw ensuring.reason;
    if (fetching.status === 'rejected') throw fetching.reason;
    const ensured = ensuring.value;
    const { local, pushed, rebuilt } = fetching.value;
    out.created = ensured.created;
    out.ensured = options.ensure === 'always';
    warnings.push(...ensured.notes);
    if (rebuilt) warnings.push('the mirror cache entry failed git fsck and was rebuilt from GitHub');

    checkpoint(deps.signal);
    s.progress('plan');
    const plan = await planSync(s, local, pushed, {
      targetIsNew: out.created,
      ...(listing === undefined ? {} : { listing }),
    });
    const divergent = new Set(plan.refs.divergent.map((d) => d.ref));
    out.divergentRefs = [...divergent];
    out.divergent = plan.refs.divergent.map((d) => ({
      ref: d.ref,
      github: d.source ?? null,
      codecommit: d.target,
    }));
    if (divergent.size > 0) {
      warnings.push(
        `${describeDivergence(plan.refs.divergent)}: changed in CodeCommit outside gh2cc, so left alone (reset or delete them in CodeCommit to resume mirroring them)`,
      );
    }
    if (plan.steps.length > 0) out.bytes = await s.store.sizeBytes();
    out.newCommits = plan.newCommits;

    // A GitHub branch under the backup prefix cannot be mirrored (CodeCommit's branch of that name is gh2cc's
    // backup space): everything else is, and the repository fails loudly naming it, never a silent loss.
    const reserved = [...local.keys()].filter(isBackupRef);
    if (reserved.length > 0) {
      errors.push(
        `${reserved.length} GitHub branch(es) not mirrored because ${BACKUP_BRANCH_PREFIX} is reserved for gh2cc's backups in CodeCommit: ${reserved
          .slice(0, 3)
          .map((r) => r.replace(/^refs\/heads\//, ''))
          .join(', ')}${reserved.length > 3 ? ', …' : ''}`,
        `fix: rename ${reserved.length === 1 ? 'that branch' : 'those branches'} on GitHub (every other branch and tag was mirrored)`,
      );
      out.errorCode = 'invalid-name';
    }

    const pushed_ = await pushSteps(s, plan.steps);
    out.pushes = pushed_.pushes;
    out.refsPushed = pushed_.refsPushed;
    out.expiredBackups = [...pushed_.expired];
    warnings.push(...pushed_.warnings);
    for (const a of plan.refs.actions) {
      const backup = pushed_.backedUp.get(a.ref);
      if (a.kind === 'create' || a.backup === undefined || backup === undefined) continue;
      if (!pushed_.applied.has(a.ref)) continue;
      out.backups.push({
        ref: a.ref,
        sha: a.from,
        backup,
        reason: a.backup,
        github: a.kind === 'update' ? a.sha : null,
      });
    }
    const headRef = `refs/heads/${source.defaultBranch}`;
    const headNow = pushed_.applied.get(headRef);
    if (headNow !== undefined) {
      out.defaultBranchPushed = { from: plan.current.get(headRef) ?? null, sha: headNow };
    }
    if (deps.secretScan === true && pushed_.applied.size > 0) {
      const scanned = await scanPushed(s, pushed_.applied, plan.current);
      if (scanned.warning !== undefined) warnings.push(scanned.warning);
      if (scanned.secrets !== undefined) {
        out.secrets = scanned.secrets;
        warnings.push(
          `secret scan: ${scanned.secrets.findings.length} possible secret(s) in newly mirrored commits (${[
            ...new Set(scanned.secrets.findings.map((f) => f.path)),
          ]
            .slice(0, 3)
            .join(', ')}); rotate them, then remove them from history on GitHub`,
        );
      }
    }
    const overwritten = out.backups.filter((b) => b.reason === 'overwritten');
    if (overwritten.length > 0) {
      warnings.push(
        `${overwritten.length} ref(s) changed in CodeCommit outside gh2cc were overwritten with GitHub's (onDivergence: overwrite); their tips are kept under ${overwritten
          .slice(0, 3)
          .map((b) => b.backup)
          .join(', ')}${overwritten.length > 3 ? ', …' : ''}`,
      );
    }

    checkpoint(deps.signal);
    s.progress('verify');
    // CodeCommit's refs after the push: listed again, or (push-report) the plan's listing with every update
    // CodeCommit reported done. Nothing pushed: the plan's listing, a moment old, is the answer either way.
    let listed: Map<string, string> | undefined;
    if (plan.steps.length === 0) listed = new Map(plan.current);
    else if (options.verifyBy === 'push-report' && pushed_.rejected.length === 0) {
      listed = new Map(plan.current);
      for (const [ref, sha] of pushed_.applied) {
        if (sha === undefined) listed.delete(ref);
        else listed.set(ref, sha);
      }
    }
    const verified = await verifyTarget(s, local, divergent, {
      targetIsNew: out.created,
      ...(listed === undefined ? {} : { listed }),
      ...(options.knownDefaultBranch === undefined ? {} : { knownDefaultBranch: options.knownDefaultBranch }),
    });
    const head = `refs/heads/${source.defaultBranch}`;
    out.heads = {
      ...(local.has(head) ? { github: local.get(head) } : {}),
      ...(verified.codecommit.has(head) ? { codecommit: verified.codecommit.get(head) } : {}),
    };
    if (verified.usesLfs) {
      warnings.push(
        'uses Git LFS: pointer files were mirrored, but CodeCommit has no LFS, so the large files themselves were not',
      );
    }
    if (verified.differences.length > 0) {
      errors.push(`verification failed: ${describeDivergence(verified.differences)}`);
      out.errorCode = 'verify';
    } else {
      out.verified = true;
      // The pushes recorded their values as they landed; the record now holds those.
      const recorded = new Map(pushed);
      for (const [ref, sha] of pushed_.applied) {
        if (sha === undefined) recorded.delete(ref);
        else recorded.set(ref, sha);
      }
      await recordVerified(s, local, recorded, verified.codecommit, divergent);
    }
    if (deps.wikis && source.hasWiki) {
      out.wiki = await mirrorWiki(source, target, deps, syncRepo);
      // GitHub turns wikis on by default; one without pages has no git repository and is not worth a warning.
      if (out.wiki === undefined) s.log.info('wiki enabled on GitHub but has no pages; nothing to mirror');
      else if (out.wiki.status === 'failed' || out.wiki.status === 'interrupted') {
        errors.push(`the wiki was not mirrored: ${out.wiki.errors[0] ?? out.wiki.status}`);
      }
    }
    if (errors.length > 0) out.status = 'failed';
    else if (divergent.size > 0) out.status = 'diverged';
    else if (local.size === 0) out.status = 'empty';
    else if (plan.steps.length === 0) out.status = 'up-to-date';
    if (local.size === 0) warnings.push('empty repository: created in CodeCommit with no branches');
  } catch (err) {
    if (err instanceof Interrupted || deps.signal?.aborted === true) {
      out.status = 'interrupted';
      errors.push('interrupted before finishing; run again to resume');
    } else {
      out.status = 'failed';
      errors.push(errorMessage(err));
      out.errorCode = err instanceof Gh2ccError ? err.code : 'internal';
      if (err instanceof Gh2ccError && err.fix !== undefined) errors.push(`fix: ${err.fix}`);
      // The session's logger names the repository already (a second `repo` key would repeat it in the line).
      if (session !== undefined) session.log.error({ err }, 'repository failed');
      else deps.log.error({ err, repo: source.fullName }, 'repository failed');
    }
  }
  await session?.release().catch(() => undefined);
  deps.onProgress?.({ repo: source.fullName, phase: 'done' });
  return {
    repo: source.fullName,
    target,
    status: out.status,
    created: out.created,
    ...(out.ensured ? { ensured: true } : {}),
    refsPushed: out.refsPushed,
    pushes: out.pushes,
    bytes: out.bytes,
    durationMs: Date.now() - started,
    verified: out.verified,
    warnings,
    errors,
    ...(out.errorCode === undefined ? {} : { errorCode: out.errorCode }),
    ...(out.divergentRefs.length === 0 ? {} : { divergentRefs: out.divergentRefs }),
    ...(out.backups.length === 0 ? {} : { backups: out.backups }),
    ...(out.expiredBackups.length === 0 ? {} : { expiredBackups: out.expiredBackups }),
    ...(out.divergent.length === 0 ? {} : { divergent: out.divergent }),
    ...(out.secrets === undefined ? {} : { secrets: out.secrets }),
    ...(out.newCommits === 0 ? {} : { newCommits: out.newCommits }),
    ...(out.defaultBranchPushed === undefined ? {} : { defaultBranchPushed: out.defaultBranchPushed }),
    heads: out.heads,
    ...(out.wiki === undefined ? {} : { wiki: out.wiki }),
  };
}

/**
 * The secret scan of what this sync brought to CodeCommit: commits reachable from the values it pushed and not
 * from what CodeCommit had before. A scan that fails is a warning, never a failed sync; a stop request is not.
 */
async function scanPushed(
  s: RepoSession,
  applied: ReadonlyMap<string, string | undefined>,
  before: ReadonlyMap<string, string>,
): Promise<{ secrets?: RepoResult['secrets']; warning?: string }> {
  const tips = [...new Set([...applied.values()].filter((v): v is string => v !== undefined))];
  let truncated: ScanTruncation | undefined;
  try {
    const findings = await scanNewCommits(s.store.dir, tips, [...new Set(before.values())], {
      signal: s.deps.signal,
      log: s.log,
      onTruncated: (t) => {
        truncated = t;
      },
    });
    if (findings.length === 0) return {};
    return { secrets: { findings, ...(truncated === undefined ? {} : { truncated }) } };
  } catch (err) {
    if (s.deps.signal?.aborted === true) throw err;
    s.log.warn({ err: err instanceof Error ? err.name : 'error' }, 'secret scan failed');
    return { warning: 'secret scan failed; the sync itself is fine (see the log)' };
  }
}
