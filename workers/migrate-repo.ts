import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeCommitClient } from '@aws-sdk/client-codecommit';
import type { Logger } from 'pino';
import type { CodeCommitRemote } from '../src/codecommit/git-remote.ts';
import { ensureRepository, setDefaultBranch } from '../src/codecommit/ensure-repository.ts';
import { incrementPoints, planPushSteps } from '../src/core/push-plan.ts';
import { compareRefs, planRefs, type Divergence, type RefAction } from '../src/core/ref-plan.ts';
import type { SourceRepo } from '../src/core/repo-filter.ts';
import type { GitAuth } from '../src/git/git-auth.ts';
import { gitAuthEnv } from '../src/git/git-auth.ts';
import { MirrorCache } from '../src/git/mirror-cache.ts';
import { classifyGitError } from '../src/git/classify-git-error.ts';
import { exec } from '../src/util/exec.ts';
import { Gh2ccError, errorMessage } from '../src/util/errors.ts';
import { withRetry, type RetryPolicy } from '../src/util/retry.ts';

export type RepoStatus = 'migrated' | 'up-to-date' | 'empty' | 'diverged' | 'failed' | 'interrupted';

/** What the report says about one repository. */
export interface RepoResult {
  readonly repo: string;
  readonly target: string;
  readonly status: RepoStatus;
  readonly created: boolean;
  readonly refsPushed: number;
  readonly pushes: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly verified: boolean;
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
  readonly wiki?: RepoResult;
}

export type MigratePhase = 'ensure' | 'fetch' | 'plan' | 'push' | 'verify' | 'done';

export interface MigrateProgress {
  readonly repo: string;
  readonly phase: MigratePhase;
  /** For the push phase: steps done and planned. */
  readonly done?: number;
  readonly total?: number;
}

export interface MigrateDeps {
  readonly codecommit: CodeCommitClient;
  readonly remote: CodeCommitRemote;
  readonly githubAuth: GitAuth;
  readonly cacheDir: string;
  readonly maxRefsPerPush: number;
  readonly incrementCommits: number;
  readonly verify: 'refs' | 'deep';
  readonly wikis: boolean;
  readonly kmsKeyId?: string;
  readonly retry?: RetryPolicy;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: MigrateProgress) => void;
}

class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

function checkpoint(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new Interrupted('stopped on request');
}

/** Branch creates/updates with the default branch first: its history then carries the others'. */
function branchOrder(actions: readonly RefAction[], defaultBranch: string): RefAction[] {
  const head = `refs/heads/${defaultBranch}`;
  return actions
    .filter((a) => a.kind !== 'delete' && a.ref.startsWith('refs/heads/'))
    .sort((a, b) => (a.ref === head ? -1 : b.ref === head ? 1 : 0));
}

/**
 * Intermediate commits for first pushes of long histories. One count first: when everything new is within
 * one increment (the common case) no per-branch walk is needed. Each branch is walked excluding what will
 * already be on CodeCommit when its turn comes (the branches pushed before it).
 */
async function incrementsFor(
  cache: MirrorCache,
  branches: readonly RefAction[],
  pushedTips: readonly string[],
  every: number,
): Promise<Map<string, string[]>> {
  const increments = new Map<string, string[]>();
  const tips = branches.flatMap((a) => (a.kind === 'delete' ? [] : [a.sha]));
  if (tips.length === 0 || (await cache.countNewCommits(tips, pushedTips)) <= every) return increments;
  const excluded = [...pushedTips];
  for (const action of branches) {
    if (action.kind === 'delete') continue;
    const points = incrementPoints(await cache.firstParentCommits(action.sha, excluded), every);
    if (points.length > 0) increments.set(action.ref, points);
    excluded.push(action.sha);
  }
  return increments;
}

function describeDivergence(d: readonly Divergence[]): string {
  const list = d
    .slice(0, 5)
    .map((x) => x.ref.replace(/^refs\/(heads|tags)\//, ''))
    .join(', ');
  return `${d.length} ref(s) differ between GitHub and CodeCommit${d.length > 0 ? ` (${list}${d.length > 5 ? ', …' : ''})` : ''}`;
}

/**
 * Moves one repository: ensure the CodeCommit repo, fetch GitHub's branches and tags into the mirror cache,
 * push only what differs (increments for long histories, batches under the ref-update limit), set the
 * default branch, then verify both sides ref by ref. Every step is idempotent, so a re-run resumes.
 */
export async function migrateRepo(
  source: SourceRepo,
  target: string,
  deps: MigrateDeps,
  hint: { readonly likelyAbsent?: boolean } = {},
): Promise<RepoResult> {
  const started = Date.now();
  const log = deps.log.child({ repo: source.fullName, target });
  const warnings: string[] = [];
  const errors: string[] = [];
  const progress = (phase: MigratePhase, done?: number, total?: number): void =>
    deps.onProgress?.({ repo: source.fullName, phase, ...(done === undefined ? {} : { done, total }) });
  const retry = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    withRetry(what, fn, {
      log,
      ...(deps.retry === undefined ? {} : { policy: deps.retry }),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    });
  let created = false;
  let refsPushed = 0;
  let pushes = 0;
  let bytes = 0;
  let verified = false;
  let status: RepoStatus = 'migrated';
  let wiki: RepoResult | undefined;
  let release: (() => Promise<void>) | undefined;
  try {
    checkpoint(deps.signal);
    progress('ensure');
    const cache = new MirrorCache(join(deps.cacheDir, source.owner, `${source.name}.git`));
    release = await cache.lock();
    const url = deps.remote.url(target);
    const remoteRefs = async (): Promise<Map<string, string>> =>
      retry('list CodeCommit refs', async () =>
        cache.remoteRefs(url, await deps.remote.auth(target), 'ls-remote CodeCommit', deps.signal, 0),
      );
    // Creating the CodeCommit repo and fetching from GitHub do not depend on each other: both are mostly
    // waiting on the network, so they overlap.
    const fetched = (async () => {
      await cache.ensure();
      await retry('fetch from GitHub', () => cache.fetch(source.cloneUrl, deps.githubAuth, deps.signal));
      progress('fetch');
    })();
    const [ensured] = await Promise.all([
      retry('create CodeCommit repository', () =>
        ensureRepository(deps.codecommit, target, source, {
          ...(deps.kmsKeyId === undefined ? {} : { kmsKeyId: deps.kmsKeyId }),
          ...(hint.likelyAbsent === undefined ? {} : { likelyAbsent: hint.likelyAbsent }),
        }),
      ),
      fetched,
    ]);
    created = ensured.created;
    warnings.push(...ensured.notes);
    const { local, pushed } = await cache.refsAndRecord();

    checkpoint(deps.signal);
    progress('plan');
    // A repository created a moment ago has no refs: no need to ask.
    const current = created ? new Map<string, string>() : await remoteRefs();
    // Which CodeCommit values exist in the cache (came from GitHub at some point): one lookup serves both the
    // fast-forward check and the increment walk below.
    const known = await cache.knownObjects(current.values());
    const candidates = new Map<string, [string, string]>();
    for (const [ref, sha] of current) {
      const want = local.get(ref);
      if (want !== undefined && want !== sha && pushed.get(ref) !== sha) candidates.set(ref, [sha, want]);
    }
    const plan = planRefs(local, current, {
      pushed,
      fastForward: await cache.fastForwards(candidates, known),
    });
    if (plan.divergent.length > 0) {
      warnings.push(
        `${describeDivergence(plan.divergent)}: changed in CodeCommit outside gh2cc, so left alone (reset or delete them in CodeCommit to resume mirroring them)`,
      );
    }
    const pushedTips = [...current.values()].filter((sha) => known.has(sha));
    const branches = branchOrder(plan.actions, source.defaultBranch);
    const increments = await incrementsFor(cache, branches, pushedTips, deps.incrementCommits);
    const ordered = [
      ...branches,
      ...plan.actions.filter((a) => !a.ref.startsWith('refs/heads/') || a.kind === 'delete'),
    ];
    const steps = planPushSteps(ordered, increments, deps.maxRefsPerPush);
    if (steps.length > 0) bytes = await cache.sizeBytes();
    log.info(
      { actions: plan.actions.length, steps: steps.length, upToDate: plan.upToDate },
      'push plan ready',
    );

    progress('push', 0, steps.length);
    for (const [i, step] of steps.entries()) {
      checkpoint(deps.signal);
      const rejected = await retry(`push ${step.kind} ${i + 1}/${steps.length}`, async () =>
        cache.push(url, await deps.remote.auth(target), step.updates, deps.signal),
      );
      pushes += 1;
      refsPushed += step.kind === 'increment' ? 0 : step.updates.length - rejected.length;
      if (rejected.length > 0)
        warnings.push(
          `CodeCommit refused ${rejected.length} ref update(s) that changed under us: ${rejected.slice(0, 5).join(', ')}`,
        );
      progress('push', i + 1, steps.length);
    }

    checkpoint(deps.signal);
    progress('verify');
    // Verification compares CodeCommit's refs, listed afresh, with what was fetched from GitHub in this run
    // (`gh2cc verify` asks both sides again at any later time). Default branch and LFS check run alongside.
    const [, usesLfs, codecommitNow] = await Promise.all([
      local.has(`refs/heads/${source.defaultBranch}`)
        ? retry('set default branch', () =>
            setDefaultBranch(deps.codecommit, target, source.defaultBranch, { justCreated: created }),
          )
        : Promise.resolve(false),
      local.size > 0
        ? cache.usesLfs(`refs/heads/${source.defaultBranch}`).catch(() => false)
        : Promise.resolve(false),
      remoteRefs(),
    ]);
    if (usesLfs) {
      warnings.push(
        'uses Git LFS: pointer files were mirrored, but CodeCommit has no LFS, so the large files themselves were not',
      );
    }
    const divergentRefs = new Set(plan.divergent.map((d) => d.ref));
    const diff = compareRefs(local, codecommitNow, divergentRefs);
    if (diff.length > 0) {
      errors.push(`verification failed: ${describeDivergence(diff)}`);
    } else {
      verified = true;
      // What is verified equal is what the mirror may later move or delete; refs left alone are not recorded.
      const record = new Map<string, string | undefined>();
      for (const [ref, sha] of codecommitNow) {
        if (!divergentRefs.has(ref) && local.get(ref) === sha && pushed.get(ref) !== sha)
          record.set(ref, sha);
      }
      for (const ref of pushed.keys()) if (!codecommitNow.has(ref)) record.set(ref, undefined);
      await cache.recordPushed(record);
      if (deps.verify === 'deep' && codecommitNow.size > 0) {
        await retry('clone back from CodeCommit', async () =>
          deepVerify(url, await deps.remote.auth(target), log),
        );
      }
    }
    if (deps.wikis && source.hasWiki) {
      wiki = await migrateWiki(source, target, deps);
      // GitHub turns wikis on by default; one without pages has no git repository and is not worth a warning.
      if (wiki === undefined) log.info('wiki enabled on GitHub but has no pages; nothing to mirror');
      else if (wiki.status === 'failed' || wiki.status === 'interrupted') {
        errors.push(`the wiki was not mirrored: ${wiki.errors[0] ?? wiki.status}`);
      }
    }
    if (errors.length > 0) status = 'failed';
    else if (plan.divergent.length > 0) status = 'diverged';
    else if (local.size === 0) status = 'empty';
    else if (steps.length === 0) status = 'up-to-date';
    if (local.size === 0) warnings.push('empty repository: created in CodeCommit with no branches');
  } catch (err) {
    if (err instanceof Interrupted || deps.signal?.aborted === true) {
      status = 'interrupted';
      errors.push('interrupted before finishing; run again to resume');
    } else {
      status = 'failed';
      errors.push(errorMessage(err));
      if (err instanceof Gh2ccError && err.fix !== undefined) errors.push(`fix: ${err.fix}`);
      log.error({ err }, 'repository failed');
    }
  }
  await release?.().catch(() => undefined);
  progress('done');
  return {
    repo: source.fullName,
    target,
    status,
    created,
    refsPushed,
    pushes,
    bytes,
    durationMs: Date.now() - started,
    verified,
    warnings,
    errors,
    ...(wiki === undefined ? {} : { wiki }),
  };
}

/** Clones CodeCommit's copy back and runs `git fsck` on it: proves the objects arrived whole. */
export async function deepVerify(url: string, auth: GitAuth | undefined, log: Logger): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gh2cc-verify-'));
  try {
    const clone = await exec('git', ['clone', '--mirror', '--quiet', url, join(dir, 'check.git')], {
      env: gitAuthEnv(auth),
      check: false,
    });
    if (clone.code !== 0) throw classifyGitError(clone.stderr, 'clone back from CodeCommit');
    const fsck = await exec('git', ['fsck', '--no-progress', '--no-dangling'], {
      cwd: join(dir, 'check.git'),
      env: gitAuthEnv(undefined),
      check: false,
    });
    if (fsck.code !== 0)
      throw new Gh2ccError('git', `git fsck of CodeCommit's copy failed: ${fsck.stderr.slice(0, 500)}`, {
        retryable: false,
      });
    log.info('deep verification passed (clone + fsck)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The wiki (`<repo>.wiki.git`) goes to a companion repo `<target>.wiki`, by the same steps. GitHub reports
 * has_wiki for most repos whether or not a page exists, so the wiki's git repo is probed first and nothing is
 * created in CodeCommit for a wiki with no pages.
 */
async function migrateWiki(
  source: SourceRepo,
  target: string,
  deps: MigrateDeps,
): Promise<RepoResult | undefined> {
  const wikiUrl = source.cloneUrl.replace(/\.git$/, '.wiki.git');
  const exists = await withRetry(
    'probe the wiki',
    async () => {
      const probe = await exec('git', ['ls-remote', '--heads', wikiUrl], {
        env: gitAuthEnv(deps.githubAuth),
        check: false,
      });
      if (probe.code === 0) return true;
      const err = classifyGitError(probe.stderr, 'probe the wiki');
      if (err.code === 'not-found') return false;
      throw err;
    },
    {
      log: deps.log,
      ...(deps.retry === undefined ? {} : { policy: deps.retry }),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    },
  );
  if (!exists) return undefined;
  const wikiSource: SourceRepo = {
    ...source,
    name: `${source.name}.wiki`,
    fullName: `${source.fullName}.wiki`,
    description: `Wiki of ${source.fullName}`,
    cloneUrl: wikiUrl,
    htmlUrl: `${source.htmlUrl}/wiki`,
    defaultBranch: 'master',
    hasWiki: false,
  };
  return migrateRepo(wikiSource, `${target}.wiki`.slice(0, 100), { ...deps, wikis: false });
}
