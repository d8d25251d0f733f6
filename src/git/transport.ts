import { classifyGitError } from './classify-git-error.ts';
import { gitAuthEnv, type GitAuth } from './git-auth.ts';
import { gitNetworkEnv, type GitNetworkLimits } from './git-env.ts';
import { parseRefLines, runGit, type GitProgress } from './git-runner.ts';
import type { MirrorStore } from './mirror-store.ts';
import type { RefUpdateSpec } from '../core/push-plan.ts';

/** Above this many new refs in one push, they go through a staging repo and wildcard refspecs (see pushUpdates). */
const STAGING_THRESHOLD = 200;

interface PushOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((p: GitProgress) => void) | undefined;
  network?: GitNetworkLimits | undefined;
}

/** The environment of a git command that talks to a remote: credentials and the configured stall limits. */
export function remoteEnv(
  auth: GitAuth | undefined,
  network: GitNetworkLimits | undefined,
): NodeJS.ProcessEnv {
  return gitAuthEnv(auth, network === undefined ? {} : gitNetworkEnv(network));
}

/**
 * Fetches branches and tags only (never refs/pull/*) into the store, pruning what the source deleted.
 * Returns git's messages: git reports some refused updates (from a shallow source) only there, exit code 0.
 */
export async function fetchInto(
  store: MirrorStore,
  url: string,
  auth: GitAuth | undefined,
  signal?: AbortSignal,
  network?: GitNetworkLimits,
): Promise<string> {
  const { stderr } = await runGit(
    store.dir,
    [
      'fetch',
      '--prune',
      '--no-tags',
      '--force',
      '--quiet',
      url,
      '+refs/heads/*:refs/heads/*',
      '+refs/tags/*:refs/tags/*',
    ],
    { env: remoteEnv(auth, network), signal, what: 'fetch from GitHub' },
  );
  return stderr;
}

/**
 * Branches and tags of a remote, as `ls-remote` sees them (peeled lines dropped), run in `cwd` (any git
 * directory). `protocol: 0` lists in one round trip instead of two: right for CodeCommit, which has only
 * branches and tags; GitHub's side keeps protocol v2, whose server-side filtering skips the thousands of
 * refs/pull/* a busy repo carries.
 */
export async function listRemoteRefs(
  cwd: string,
  url: string,
  auth: GitAuth | undefined,
  what: string,
  options: {
    signal?: AbortSignal | undefined;
    protocol?: 0 | 2;
    network?: GitNetworkLimits | undefined;
  } = {},
): Promise<Map<string, string>> {
  const args = options.protocol === 0 ? ['-c', 'protocol.version=0'] : [];
  const { stdout } = await runGit(cwd, [...args, 'ls-remote', '--heads', '--tags', url], {
    env: remoteEnv(auth, options.network),
    signal: options.signal,
    what,
  });
  return parseRefLines(stdout);
}

/**
 * One push of ref updates. New refs go through wildcard refspecs from a staging repo that holds only this
 * batch (sharing the store's objects): over HTTP, git matches every pushed ref against every local ref, so
 * pushing thousands of tags straight from the store grows quadratically. Moved and deleted refs carry a lease
 * on the value CodeCommit had when planned (compare-and-swap), so a ref someone else changed meanwhile —
 * another worker included — is refused, not overwritten. Returns the refs git rejected.
 */
export async function pushUpdates(
  store: MirrorStore,
  url: string,
  auth: GitAuth | undefined,
  updates: readonly RefUpdateSpec[],
  options: PushOptions = {},
): Promise<string[]> {
  if (updates.length === 0) return [];
  const creates = updates.filter((u) => u.sha !== undefined && u.expect === '');
  const leased = updates.filter((u) => !(u.sha !== undefined && u.expect === ''));
  if (creates.length <= STAGING_THRESHOLD)
    return pushFrom(store.dir, url, auth, creates, leased, 'explicit', options);
  const staging = await store.stagingRepo();
  // Clearing what an earlier (perhaps failed) attempt left and staging this batch are two transactions:
  // git refuses one that deletes and creates the same ref, or a ref and another below it (a, a/b).
  const existing = await runGit(staging, ['for-each-ref', '--format=delete %(refname)'], {
    what: 'list staging refs',
  });
  if (existing.stdout.trim() !== '')
    await runGit(staging, ['update-ref', '--stdin'], { input: existing.stdout, what: 'clear staging refs' });
  const stage = creates.map((u) => `create refs/stage/${u.ref.slice('refs/'.length)} ${u.sha ?? ''}`);
  await runGit(staging, ['update-ref', '--stdin'], { input: `${stage.join('\n')}\n`, what: 'stage refs' });
  return pushFrom(staging, url, auth, creates, leased, 'staged', options);
}

async function pushFrom(
  repo: string,
  url: string,
  auth: GitAuth | undefined,
  creates: readonly RefUpdateSpec[],
  leased: readonly RefUpdateSpec[],
  mode: 'explicit' | 'staged',
  options: PushOptions,
): Promise<string[]> {
  const args = ['push', '--porcelain', '--no-verify'];
  if (options.onProgress !== undefined) args.push('--progress');
  for (const u of leased) args.push(`--force-with-lease=${u.ref}:${u.expect}`);
  args.push(url);
  if (mode === 'explicit') {
    for (const u of creates) args.push(`${u.sha ?? ''}:${u.ref}`);
  } else {
    if (creates.some((u) => u.ref.startsWith('refs/heads/'))) args.push('refs/stage/heads/*:refs/heads/*');
    if (creates.some((u) => u.ref.startsWith('refs/tags/'))) args.push('refs/stage/tags/*:refs/tags/*');
  }
  for (const u of leased) args.push(u.sha === undefined ? `:${u.ref}` : `+${u.sha}:${u.ref}`);
  const r = await runGit(repo, args, {
    env: remoteEnv(auth, options.network),
    signal: options.signal,
    onProgress: options.onProgress,
    check: false,
  });
  const rejected = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('!\t'))
    .map((l) => l.split('\t')[1]?.split(':')[1] ?? '');
  if (r.code !== 0 && (rejected.length === 0 || /Too many reference update commands/.test(r.stderr))) {
    throw classifyGitError(r.stderr, 'push to CodeCommit');
  }
  return rejected;
}
