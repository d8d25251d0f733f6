import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyGitError } from './classify-git-error.ts';
import { gitAuthEnv, type GitAuth } from './git-auth.ts';
import { gitNetworkEnv, withGitConfig, type GitNetworkLimits } from './git-env.ts';
import { parseRefLines, runGit, type GitProgress } from './git-runner.ts';
import { listRefsOverHttp, RemoteRefs } from './http-refs.ts';
import type { MirrorStore } from './mirror-store.ts';
import type { RefUpdateSpec } from '../core/push-plan.ts';

/** Above this many new refs in one push, they go through a staging repo and wildcard refspecs (see pushUpdates). */
const STAGING_THRESHOLD = 200;

interface PushOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((p: GitProgress) => void) | undefined;
  network?: GitNetworkLimits | undefined;
  /**
   * A ref prefix in the store (`refs/gh2cc/pushed/`) under which git itself records every update CodeCommit
   * took, as remote-tracking refs of the push (`refs/heads/x` → `<prefix>heads/x`, deletions delete), in the
   * push's own process. Only pushes straight from the store can (see PushResult.tracked).
   */
  trackAs?: string | undefined;
}

export interface PushResult {
  /** Refs git rejected. */
  readonly rejected: string[];
  /** Whether git recorded the accepted updates under `trackAs` (a staged push records nothing). */
  readonly tracked: boolean;
}

/** The name the push's remote goes by when git records it (defined in the environment, never on disk). */
const TRACKED_REMOTE = 'gh2cc-target';

/**
 * The environment of a git command that talks to the remote at `url`: credentials (sent with the first
 * request, see gitAuthEnv) and the configured stall limits.
 */
export function remoteEnv(
  url: string,
  auth: GitAuth | undefined,
  network: GitNetworkLimits | undefined,
): NodeJS.ProcessEnv {
  return gitAuthEnv(auth, network === undefined ? {} : gitNetworkEnv(network), url);
}

/** What a fetch did: git's messages, and the branches and tags the source advertised in that conversation. */
export interface FetchOutcome {
  /** git's stderr: git reports some refused updates (from a shallow source) only there, with exit code 0. */
  readonly messages: string;
  /** ref → sha as the source advertised them; undefined when git left no trace to read them from. */
  readonly advertised: Map<string, string> | undefined;
}

/** The file, inside the store, where git traces the fetch's packets (ref advertisement only, never pack data). */
const TRACE_FILE = 'gh2cc-fetch-trace';

/**
 * Fetches branches and tags only (never refs/pull/*) into the store, pruning what the source deleted, and
 * reads the refs the source advertised from git's packet trace of the same conversation (GIT_TRACE_PACKET:
 * pkt-lines only — no HTTP headers, so no credentials — and git stops tracing at the pack data). The mirror
 * compares them with what the fetch stored without another round trip and without a race between two.
 */
export async function fetchInto(
  store: MirrorStore,
  url: string,
  auth: GitAuth | undefined,
  signal?: AbortSignal,
  network?: GitNetworkLimits,
): Promise<FetchOutcome> {
  const trace = join(store.dir, TRACE_FILE);
  await rm(trace, { force: true });
  try {
    const { stderr } = await runGit(
      store.dir,
      [
        'fetch',
        // The cache runs no automatic gc (gc.auto=0); this spares the `git maintenance` process that would
        // start after every fetch only to find that out.
        '--no-auto-maintenance',
        '--prune',
        '--no-tags',
        '--force',
        '--quiet',
        url,
        '+refs/heads/*:refs/heads/*',
        '+refs/tags/*:refs/tags/*',
      ],
      {
        env: { ...remoteEnv(url, auth, network), GIT_TRACE_PACKET: trace },
        signal,
        what: 'fetch from GitHub',
      },
    );
    const text = await readFile(trace, 'utf8').catch(() => undefined);
    return { messages: stderr, advertised: text === undefined ? undefined : advertisedRefs(text) };
  } finally {
    await rm(trace, { force: true });
  }
}

/**
 * The branches and tags in a packet trace's ref advertisement (`fetch< <sha> <ref>[ peeled:…]`, protocol v2;
 * v0's first line carries capabilities after a NUL). git writes every byte outside printable ASCII as an
 * octal escape (`\303\274`, or `\37777777703` where char is signed), so names are unescaped as bytes, then
 * read as UTF-8.
 */
export function advertisedRefs(trace: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of trace.split('\n')) {
    const at = line.indexOf('fetch< ');
    if (at < 0) continue;
    const bytes = line
      .slice(at + 7)
      .replace(/\\([0-7]+)/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8) & 0xff));
    const text = Buffer.from(bytes, 'latin1').toString('utf8').split('\0')[0] ?? '';
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) (refs\/(?:heads|tags)\/\S+)/.exec(text);
    if (m?.[1] !== undefined && m[2] !== undefined && !m[2].endsWith('^{}')) refs.set(m[2], m[1]);
  }
  return refs;
}

/**
 * Brings the objects of some of a remote's refs into the store without storing any ref (FETCH_HEAD only):
 * how a backup gets hold of a tip that exists only in CodeCommit before pushing it to a backup ref.
 */
export async function fetchObjects(
  store: MirrorStore,
  url: string,
  auth: GitAuth | undefined,
  refs: readonly string[],
  options: { signal?: AbortSignal | undefined; network?: GitNetworkLimits | undefined } = {},
): Promise<void> {
  if (refs.length === 0) return;
  await runGit(
    store.dir,
    ['fetch', '--no-auto-maintenance', '--no-tags', '--no-write-fetch-head', '--quiet', url, ...refs],
    {
      env: remoteEnv(url, auth, options.network),
      signal: options.signal,
      what: 'fetch CodeCommit tips to back up',
    },
  );
}

/**
 * Branches and tags of a remote, as `ls-remote` sees them (peeled lines dropped), run in `cwd` (any git
 * directory). `protocol: 0` lists in one round trip instead of two: right for CodeCommit, which has only
 * branches and tags; GitHub's side keeps protocol v2, whose server-side filtering skips the thousands of
 * refs/pull/* a busy repo carries. A protocol-0 listing over HTTP(S) is read in this process where it can be
 * (listRefsOverHttp): the same advertisement, without three processes per listing.
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
): Promise<RemoteRefs> {
  if (options.protocol === 0) {
    const listed = await listRefsOverHttp(url, auth, what, options);
    if (listed !== undefined) return listed;
  }
  const args = options.protocol === 0 ? ['-c', 'protocol.version=0'] : [];
  const { stdout } = await runGit(cwd, [...args, 'ls-remote', '--heads', '--tags', url], {
    env: remoteEnv(url, auth, options.network),
    signal: options.signal,
    what,
  });
  // ls-remote names HEAD's branch only when HEAD itself is listed, which --heads --tags leaves out.
  return new RemoteRefs(parseRefLines(stdout));
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
): Promise<PushResult> {
  if (updates.length === 0) return { rejected: [], tracked: options.trackAs !== undefined };
  const creates = updates.filter((u) => u.sha !== undefined && u.expect === '');
  const leased = updates.filter((u) => !(u.sha !== undefined && u.expect === ''));
  if (creates.length <= STAGING_THRESHOLD) {
    const rejected = await pushFrom(store.dir, url, auth, creates, leased, 'explicit', options);
    return { rejected, tracked: options.trackAs !== undefined };
  }
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
  const rejected = await pushFrom(staging, url, auth, creates, leased, 'staged', {
    ...options,
    trackAs: undefined,
  });
  return { rejected, tracked: false };
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
  const trackAs = options.trackAs;
  args.push(trackAs === undefined ? url : TRACKED_REMOTE);
  if (mode === 'explicit') {
    for (const u of creates) args.push(`${u.sha ?? ''}:${u.ref}`);
  } else {
    if (creates.some((u) => u.ref.startsWith('refs/heads/'))) args.push('refs/stage/heads/*:refs/heads/*');
    if (creates.some((u) => u.ref.startsWith('refs/tags/'))) args.push('refs/stage/tags/*:refs/tags/*');
  }
  for (const u of leased) args.push(u.sha === undefined ? `:${u.ref}` : `+${u.sha}:${u.ref}`);
  const env = remoteEnv(url, auth, options.network);
  const r = await runGit(repo, args, {
    env:
      trackAs === undefined
        ? env
        : withGitConfig(env, [
            [`remote.${TRACKED_REMOTE}.url`, url],
            [`remote.${TRACKED_REMOTE}.fetch`, `+refs/heads/*:${trackAs}heads/*`],
            [`remote.${TRACKED_REMOTE}.fetch`, `+refs/tags/*:${trackAs}tags/*`],
          ]),
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
