import { compareRefs } from '../core/ref-plan.ts';
import { fetchInto, listRemoteRefs } from '../git/transport.ts';
import { Gh2ccError } from '../util/errors.ts';
import type { RepoSession } from './repo-session.ts';

/** How often a cache entry's objects are checked with `git fsck` before they are trusted. */
export const CHECK_EVERY_MS = 24 * 3600 * 1000;

/**
 * Step 2: GitHub's branches and tags into the cache entry (never refs/pull/*), pruning deletions, checked
 * against what GitHub advertised in that fetch: git can refuse a ref and still exit 0 (a shallow source), and everything
 * after this step (plan, push, verify) works from the cache, so a ref the fetch dropped fails the repository
 * here, before anything is pushed. Returns the mirrored refs and what the mirror last recorded as pushed.
 */
export async function fetchSource(
  s: RepoSession,
): Promise<{ local: Map<string, string>; pushed: Map<string, string>; rebuilt: boolean }> {
  let rebuilt = false;
  if ((await s.store.exists()) && (await s.store.dueForCheck(CHECK_EVERY_MS)) && !(await s.store.isSound())) {
    // A corrupt entry could hide objects or refs; it is thrown away and fetched whole again.
    s.log.warn({ dir: s.store.dir }, 'mirror cache entry failed git fsck; rebuilding it');
    await s.store.rebuild();
    rebuilt = true;
  }
  await s.store.ensure();
  // The advertisement comes from the fetch's own conversation. Only when git left no trace of it is GitHub
  // listed apart; a ref moved between the two then shows as a difference, so that case is tried once more.
  for (let attempt = 1; ; attempt += 1) {
    const { messages, advertised } = await s.retry('fetch from GitHub', async () =>
      fetchInto(s.store, s.source.cloneUrl, await s.deps.githubAuth(), s.deps.signal, s.deps.gitNetwork),
    );
    const listed = advertised ?? (await listGithub(s));
    const { local, pushed } = await s.localAndRecord();
    const missing = compareRefs(listed, local);
    if (missing.length === 0) return done(s, local, pushed, rebuilt);
    if (advertised !== undefined || attempt === 2) throw notFetched(missing, messages);
  }
}

async function done(
  s: RepoSession,
  local: Map<string, string>,
  pushed: Map<string, string>,
  rebuilt: boolean,
): Promise<{ local: Map<string, string>; pushed: Map<string, string>; rebuilt: boolean }> {
  await s.store.touch();
  s.progress('fetch');
  return { local, pushed, rebuilt };
}

async function listGithub(s: RepoSession): Promise<Map<string, string>> {
  return s.retry('list GitHub refs', async () =>
    listRemoteRefs(s.store.dir, s.source.cloneUrl, await s.deps.githubAuth(), 'list GitHub refs', {
      signal: s.deps.signal,
      network: s.deps.gitNetwork,
    }),
  );
}

function notFetched(missing: ReturnType<typeof compareRefs>, messages: string): Gh2ccError {
  const refs = missing.map((d) => d.ref);
  const shown = `${refs.slice(0, 5).join(', ')}${refs.length > 5 ? ` and ${refs.length - 5} more` : ''}`;
  const shallow = /shallow/i.test(messages);
  return new Gh2ccError(
    'git',
    shallow
      ? `GitHub's copy is a shallow repository (its history is cut off), and git refused to fetch ${shown} from it; nothing was pushed`
      : `the fetch from GitHub did not bring ${shown} as GitHub advertises ${refs.length === 1 ? 'it' : 'them'}; nothing was pushed`,
    {
      retryable: false,
      fix: shallow
        ? 'mirror a complete repository: unshallow the source (git fetch --unshallow) and push it back to GitHub'
        : 'run again; if it persists, run gh2cc verify and check the GitHub repository for corruption',
    },
  );
}
