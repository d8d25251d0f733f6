import { fetchInto } from '../git/transport.ts';
import type { RepoSession } from './repo-session.ts';

/**
 * Step 2: GitHub's branches and tags into the cache entry (never refs/pull/*), pruning deletions. Returns
 * the mirrored refs and what the mirror last recorded as pushed.
 */
export async function fetchSource(
  s: RepoSession,
): Promise<{ local: Map<string, string>; pushed: Map<string, string> }> {
  await s.store.ensure();
  await s.retry('fetch from GitHub', () =>
    fetchInto(s.store, s.source.cloneUrl, s.deps.githubAuth, s.deps.signal),
  );
  await s.store.touch();
  s.progress('fetch');
  return s.store.refsAndRecord();
}
